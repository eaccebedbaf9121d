/**
 * One-shot digests of a few small parts: MD5 (SIGNKEY, SEALKEY, the channel bindings hash) and
 * SHA-256 (the CredSSP binding hash). crypto.hash (Node 20.12 and later) computes one in a single
 * call into OpenSSL, where createHash().update()...digest() makes a Hash object and one call per
 * step. Earlier Node 20 releases, which lack crypto.hash, use createHash.
 */
import * as crypto from 'node:crypto';
import { allocSecret, wipe } from '../../secret';

type OneShotHash = (algorithm: string, data: Buffer, outputEncoding: 'buffer') => Buffer;

const oneShotHash: OneShotHash | undefined =
  typeof (crypto as { hash?: unknown }).hash === 'function' ? crypto.hash : undefined;

/**
 * The digest of `parts` concatenated. The joined copy is secret memory, wiped once hashed,
 * because callers pass key material (ExportedSessionKey) as a part.
 */
export function digestOf(algorithm: 'md5' | 'sha256', ...parts: Buffer[]): Buffer {
  if (!oneShotHash) {
    const hash = crypto.createHash(algorithm);
    for (const part of parts) hash.update(part);
    return hash.digest();
  }
  const joined = allocSecret(parts.reduce((total, part) => total + part.length, 0));
  parts.reduce((at, part) => at + part.copy(joined, at), 0);
  try {
    return oneShotHash(algorithm, joined, 'buffer');
  } finally {
    wipe(joined);
  }
}
