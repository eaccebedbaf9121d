/**
 * QueryContextAttributes answers both CredSSP sides share: sizes of the TLS records that
 * EncryptMessage produces, the package's SecPkgInfo, and names.
 */
import type { MechanismIdentity } from '../../mechanisms/mechanism-context';
import { packageInfo, type PackageInfo } from '../package-info';
import type { TlsEngine } from '../../tls/engine';

/** SecPkgContext_StreamSizes for the negotiated TLS cipher. */
export interface StreamSizes {
  header: number;
  trailer: number;
  maximumMessage: number;
  buffers: number;
  blockSize: number;
}

/** The largest TLS plaintext fragment (RFC 8446 5.1). */
const MAX_FRAGMENT = 16384;

export function streamSizesOf(tls: TlsEngine): StreamSizes {
  const { name, version } = tls.cipher();
  const tls13 = version === 'TLSv1.3' || tls.protocol === 'TLSv1.3';
  const aead = /GCM|CHACHA20|CCM/i.test(name);
  if (tls13) {
    // Record header, then the AEAD tag and the inner content-type octet (RFC 8446 5.2).
    return { header: 5, trailer: 17, maximumMessage: MAX_FRAGMENT, buffers: 4, blockSize: 1 };
  }
  if (aead) {
    // TLS 1.2 GCM carries an 8-byte explicit nonce after the header (RFC 5288 3); ChaCha20 none.
    const header = /GCM|CCM/i.test(name) ? 13 : 5;
    return { header, trailer: 16, maximumMessage: MAX_FRAGMENT, buffers: 4, blockSize: 1 };
  }
  // CBC: explicit IV after the header, then MAC and up to a block of padding.
  const mac = /SHA384/i.test(name) ? 48 : /SHA256/i.test(name) ? 32 : 20;
  return { header: 21, trailer: mac + 16, maximumMessage: MAX_FRAGMENT, buffers: 4, blockSize: 16 };
}

/** SecPkgContext_Sizes: what a caller needs to size buffers around one message. */
export function sizesOf(tls: TlsEngine): {
  maxToken: number;
  maxSignature: number;
  blockSize: number;
  securityTrailer: number;
} {
  const stream = streamSizesOf(tls);
  return {
    maxToken: packageInfo('CredSSP').maxToken,
    maxSignature: stream.header + stream.trailer,
    blockSize: stream.blockSize,
    securityTrailer: stream.trailer,
  };
}

export function credsspPackageInfo(): PackageInfo {
  return packageInfo('CredSSP');
}

/** 'DOMAIN\\user', or the bare user name when there is no domain (as Windows formats NameSamCompatible). */
export function formatName(identity: MechanismIdentity | undefined): string {
  if (!identity) return '';
  return identity.domain ? `${identity.domain}\\${identity.user}` : identity.user;
}
