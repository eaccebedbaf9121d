/**
 * One-shot digests of a few small parts. crypto.hash (Node 20.12 and later) computes a digest in
 * one call into OpenSSL, where createHash().update()...digest() makes a Hash object and one call
 * per step; for the 16 to 300-byte inputs of NTLM key derivation and the CredSSP binding hash that
 * overhead is most of the cost. Earlier Node 20 releases, which lack crypto.hash, use createHash.
 */
import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: Buffer, outputEncoding: 'buffer') => Buffer;

const oneShotHash: OneShotHash | undefined =
  typeof (crypto as { hash?: unknown }).hash === 'function' ? crypto.hash : undefined;

/**
 * The digest of `parts` concatenated. The joined copy is zeroed once hashed, because callers pass
 * key material (ExportedSessionKey) as a part.
 */
export function digestOf(algorithm: 'md5' | 'sha256', ...parts: Buffer[]): Buffer {
  if (!oneShotHash) {
    const hash = crypto.createHash(algorithm);
    for (const part of parts) hash.update(part);
    return hash.digest();
  }
  const joined = Buffer.concat(parts);
  try {
    return oneShotHash(algorithm, joined, 'buffer');
  } finally {
    joined.fill(0);
  }
}
