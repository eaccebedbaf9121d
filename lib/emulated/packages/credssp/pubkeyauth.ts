/**
 * The pubKeyAuth binding (MS-CSSP 3.1.5 steps 3 and 4): proof, under the inner mechanism's keys,
 * that both ends saw the same TLS server key — so a man in the middle who terminates TLS with
 * his own key and relays NTLM is caught before any credential is sent.
 *
 * These functions build the plaintext that is then sealed with the mechanism's wrap():
 * - version 5 and later: SHA-256(magic || clientNonce || SubjectPublicKey), with the
 *   "Client-To-Server" magic from the client and "Server-To-Client" from the server;
 * - versions 2 to 4: the client sends the SubjectPublicKey itself and the server answers it with
 *   its first byte incremented by one (the CVE-2018-0886 "encryption oracle" design that
 *   version 5 replaced).
 */
import { timingSafeEqual } from 'node:crypto';
import { sspiError } from '../../../errors';
import { digestOf } from '../../crypto/digest';

/** "CredSSP Client-To-Server Binding Hash" with its terminating NUL, which is hashed too. */
export const CLIENT_SERVER_HASH_MAGIC = Buffer.from('CredSSP Client-To-Server Binding Hash\0', 'latin1');
/** "CredSSP Server-To-Client Binding Hash" with its terminating NUL. */
export const SERVER_CLIENT_HASH_MAGIC = Buffer.from('CredSSP Server-To-Client Binding Hash\0', 'latin1');

/** The first version that hashes the key with a client nonce. */
export const FIRST_HASHED_VERSION = 5;

/** SHA-256(magic || clientNonce || SubjectPublicKey) (MS-CSSP 3.1.5). */
export function bindingHash(magic: Buffer, clientNonce: Buffer, subjectPublicKey: Buffer): Buffer {
  return digestOf('sha256', magic, clientNonce, subjectPublicKey);
}

/** What the client seals into its pubKeyAuth for the negotiated version. */
export function clientPubKeyAuth(
  version: number,
  subjectPublicKey: Buffer,
  clientNonce: Buffer | undefined,
): Buffer {
  if (version >= FIRST_HASHED_VERSION) {
    return bindingHash(CLIENT_SERVER_HASH_MAGIC, requireNonce(clientNonce), subjectPublicKey);
  }
  return Buffer.from(subjectPublicKey);
}

/** What the server seals into its pubKeyAuth answer for the negotiated version. */
export function serverPubKeyAuth(
  version: number,
  subjectPublicKey: Buffer,
  clientNonce: Buffer | undefined,
): Buffer {
  if (version >= FIRST_HASHED_VERSION) {
    return bindingHash(SERVER_CLIENT_HASH_MAGIC, requireNonce(clientNonce), subjectPublicKey);
  }
  return incrementFirstByte(subjectPublicKey);
}

/**
 * The key with its first byte plus one (MS-CSSP 3.1.5 step 4, versions 2-4), treating the key as
 * a little-endian integer so a 0xFF carries into the next byte, as other implementations do.
 * (Real keys start with 0x30 or 0x04, so no carry happens in practice.)
 */
export function incrementFirstByte(key: Buffer): Buffer {
  const out = Buffer.from(key);
  for (let i = 0; i < out.length; i++) {
    out[i] = (out[i] + 1) & 0xff;
    if (out[i] !== 0) break;
  }
  return out;
}

/** Constant-time comparison of an expected binding with the one the peer sent. */
export function bindingMatches(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

function requireNonce(clientNonce: Buffer | undefined): Buffer {
  if (!clientNonce) {
    throw sspiError(
      'SEC_E_INVALID_TOKEN',
      'The CredSSP peer speaks version 5 or later but sent no clientNonce.',
    );
  }
  return clientNonce;
}
