/**
 * The acceptor's TLS identity: the certificate and key of the credential (`tls`), or a
 * self-signed one made once per credential handle — not per context, since making an RSA key
 * takes time and a server's key should not change between connections.
 */
import { X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { createSecureContext, type SecureContext } from 'node:tls';
import { sspiError } from '../../../errors';
import type { AcceptorTlsIdentity, EmulatedCredential } from '../../credential';
import { generateSelfSignedCertificate, subjectPublicKeyOf } from '../../tls/certificate';

export type ServerIdentity = AcceptorTlsIdentity;

/** The credential's identity, made on first use (a self-signed certificate takes a while). */
export function serverIdentityOf(credential: EmulatedCredential): Promise<ServerIdentity> {
  const slot = credential.acceptorIdentity;
  if (!slot.pending) {
    const pending = makeIdentity(credential);
    slot.pending = pending;
    pending.then(
      (made) => {
        slot.ready = made;
      },
      // A failure is not kept: the next context tries again.
      () => {
        if (slot.pending === pending) slot.pending = undefined;
      },
    );
  }
  return slot.pending;
}

/** The credential's identity if it has been made already; undefined means: await serverIdentityOf(). */
export function readyServerIdentityOf(credential: EmulatedCredential): ServerIdentity | undefined {
  return credential.acceptorIdentity.ready;
}

async function makeIdentity(credential: EmulatedCredential): Promise<ServerIdentity> {
  const { keyType, tlsMaxVersion } = credential.credssp;
  let cert: string | Buffer;
  let key: string | Buffer;
  if (credential.tls) {
    ({ cert, key } = credential.tls);
  } else {
    const made = await generateSelfSignedCertificate({ commonName: hostname(), keyType });
    cert = made.certPem;
    key = made.keyPem;
  }
  let secureContext: SecureContext;
  let certificate: X509Certificate;
  try {
    secureContext = createSecureContext({ cert, key, minVersion: 'TLSv1.2', maxVersion: tlsMaxVersion });
    certificate = new X509Certificate(cert);
  } catch (err) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `The acceptor's TLS certificate or key could not be loaded (${(err as Error).message}). Check the tls option.`,
    );
  }
  return { secureContext, certificate, subjectPublicKey: subjectPublicKeyOf(certificate.raw) };
}
