/**
 * QueryContextAttributes answers both CredSSP sides share: sizes of the TLS records that
 * EncryptMessage produces, the package's SecPkgInfo, negotiation state, lifespan, the server's
 * certificate, and names.
 */
import type { X509Certificate } from 'node:crypto';
import { sspiError } from '../../../errors';
import type { MechanismIdentity } from '../../mechanisms/mechanism-context';
import { packageInfo, type PackageInfo } from '../package-info';
import type { TlsEngine } from '../../tls/engine';

/** What a CredSSP context tells its queries; each read may throw (SEC_E_INVALID_HANDLE before SEC_E_OK). */
export interface CredsspFacts {
  /** The TLS engine of the established context; throws before SEC_E_OK. */
  establishedTls(): TlsEngine;
  /** SEC_E_OK was returned and no new exchange has started since. */
  isEstablished(): boolean;
  /** The TSRequest version both sides use, once the peer has sent one. */
  credsspVersion(): number | undefined;
  /** The inner mechanism that runs (emulated: always NTLM). */
  innerPackage(): string | undefined;
  started: Date;
  expiry(): Date | null;
  serverCertificate(): X509Certificate | undefined;
}

/** The attributes both sides answer alike; SEC_E_UNSUPPORTED_FUNCTION for others. */
export function queryCredssp(facts: CredsspFacts, attribute: string): unknown {
  switch (attribute) {
    case 'streamSizes':
      return streamSizesOf(facts.establishedTls());
    case 'sizes':
      return sizesOf(facts.establishedTls());
    case 'packageInfo':
      return credsspPackageInfo();
    case 'negotiationInfo':
      // SECPKG_NEGOTIATION_COMPLETE = 0, SECPKG_NEGOTIATION_IN_PROGRESS = 2; the TSRequest
      // version both sides use and the inner package are emulated extras.
      return {
        packageInfo: credsspPackageInfo(),
        state: facts.isEstablished() ? 0 : 2,
        credsspVersion: facts.credsspVersion(),
        innerPackage: facts.innerPackage(),
      };
    case 'lifespan':
      return { start: facts.started, expiry: facts.expiry() };
    case 'remoteCertificate': {
      const certificate = facts.serverCertificate();
      if (!certificate)
        throw sspiError(
          'SEC_E_NO_CREDENTIALS',
          'No server certificate is known yet: the TLS handshake has not finished.',
        );
      return certificate;
    }
    default:
      throw sspiError('SEC_E_UNSUPPORTED_FUNCTION', `The CredSSP package has no '${attribute}' attribute.`);
  }
}

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
