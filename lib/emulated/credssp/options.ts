/**
 * The CredSSP options an emulated credential may carry (acquireCredentialsHandle extras), read
 * and checked in one place.
 *
 * credsspInner — how the client wraps NTLM: 'ntlm' sends raw NTLMSSP messages in negoTokens,
 * 'spnego' wraps them in SPNEGO. The default is 'ntlm'. Why: MS-CSSP 2.2.1 lets negoTokens carry
 * "SPNEGO tokens or Kerberos/NTLM messages"; Windows' Negotiate package sends raw NTLMSSP when NTLM
 * is the only mechanism it can use (no KDC for a workgroup target), and SPNEGO only when Kerberos
 * is in play — so raw NTLM is what a Windows client sends to a non-domain server. NTLM-only servers
 * such as FreeRDP 2.x (WinPR's NTLM behind its Negotiate name) accept only raw NTLMSSP, while
 * Windows servers and our acceptor take both.
 *
 * Test and tuning options: credsspVersion (2..6, the version we advertise; default 6),
 * tlsMaxVersion ('TLSv1.2' | 'TLSv1.3', default 'TLSv1.3'), keyType ('rsa' | 'ecdsa', the key of a
 * generated acceptor certificate), ca (trusted roots for ISC_REQ_MUTUAL_AUTH, else tls.ca, else
 * Node's root store).
 */
import type { SecureVersion } from 'node:tls';
import { credsspOptionValues } from '../../validate';
import type { EmulatedCredential } from '../credential';
import type { CertificateKeyType } from '../tls/certificate';

export interface CredsspOptions {
  inner: 'ntlm' | 'spnego';
  version: number;
  tlsMaxVersion: SecureVersion;
  keyType: CertificateKeyType;
  ca: string | Buffer | Array<string | Buffer> | undefined;
}

/** Read once per credential: its options do not change, and every context begins by reading them. */
const optionsOf = new WeakMap<EmulatedCredential, CredsspOptions>();

export function credsspOptions(credential: EmulatedCredential): CredsspOptions {
  let options = optionsOf.get(credential);
  if (!options) {
    const { inner, version, tlsMaxVersion, keyType } = credsspOptionValues(credential.options, '');
    const ca = (credential.options.ca ?? credential.tls?.ca) as CredsspOptions['ca'];
    options = { inner, version, tlsMaxVersion, keyType, ca };
    optionsOf.set(credential, options);
  }
  return options;
}
