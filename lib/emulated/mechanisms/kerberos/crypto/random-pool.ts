/**
 * Confounders (RFC 3961 5.3: a block of random bytes before each plaintext) from a pool of
 * node:crypto CSPRNG output, refilled 4 KiB at a time: one randomFillSync per 256 AES
 * confounders instead of a randomBytes call each, whose fixed cost showed in the AP exchange's
 * profile. The pool is secret memory, and each piece is zeroed in it as it is handed out.
 */
import { randomFillSync } from 'node:crypto';
import { allocSecret, copySecret, type SecretBuffer } from '../../../../secret';

const POOL_SIZE = 4096;
const pool = allocSecret(POOL_SIZE);
/** Where the unused bytes of the pool start; POOL_SIZE when it is spent. */
let next = POOL_SIZE;

/** `length` (at most 4096) fresh random bytes in memory of their own, which the caller wipes. */
export function randomConfounder(length: number): SecretBuffer {
  if (length > POOL_SIZE) throw new RangeError(`a confounder is at most ${POOL_SIZE} bytes`);
  if (next + length > POOL_SIZE) {
    randomFillSync(pool);
    next = 0;
  }
  const out = copySecret(pool, next, next + length);
  pool.fill(0, next, next + length);
  next += length;
  return out;
}
