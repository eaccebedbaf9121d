/**
 * Random bytes for values that travel in the clear (NTLM's ServerChallenge, MS-NLMP 3.2.5.1.1),
 * served from a pool the system CSPRNG refills 4 KiB at a time, as Node does for randomUUID().
 * Why: a randomBytes() call costs 5 to 25 µs whatever its size, one of the larger items of a
 * handshake's own CPU time. Never use it for keys or anything secret: pooled bytes wait in
 * process memory until used. Bytes handed out are zeroed in the pool, so each exists once.
 */
import { randomBytes } from 'node:crypto';

const POOL_SIZE = 4096;

let pool: Buffer = Buffer.alloc(0);
let used = 0;

/** `size` fresh random bytes for a public nonce; a copy the caller owns. */
export function publicNonce(size: number): Buffer {
  if (size > POOL_SIZE) return randomBytes(size);
  if (used + size > pool.length) {
    pool = randomBytes(POOL_SIZE);
    used = 0;
  }
  const nonce = Buffer.from(pool.subarray(used, used + size));
  pool.fill(0, used, used + size);
  used += size;
  return nonce;
}
