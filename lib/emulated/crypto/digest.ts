/**
 * One-shot digests of a few small parts. MD5 is md5.ts's: for the 16 to 100-byte inputs of
 * SIGNKEY, SEALKEY and the channel bindings hash, creating a node:crypto Hash costs more than
 * hashing. SHA-256 (the CredSSP binding hash) stays on node:crypto: crypto.hash (Node 20.12 and
 * later) computes it in one call into OpenSSL, where createHash().update()...digest() makes a Hash
 * object and one call per step. Earlier Node 20 releases, which lack crypto.hash, use createHash.
 */
import * as crypto from 'node:crypto';
import { md5 } from './md5';

type OneShotHash = (algorithm: string, data: Buffer, outputEncoding: 'buffer') => Buffer;

const oneShotHash: OneShotHash | undefined =
  typeof (crypto as { hash?: unknown }).hash === 'function' ? crypto.hash : undefined;

/**
 * The digest of `parts` concatenated. MD5 hashes the parts without joining them; for SHA-256 the
 * joined copy is zeroed once hashed, because callers pass key material (ExportedSessionKey) as a part.
 */
export function digestOf(algorithm: 'md5' | 'sha256', ...parts: Buffer[]): Buffer {
  if (algorithm === 'md5') return md5(...parts);
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
