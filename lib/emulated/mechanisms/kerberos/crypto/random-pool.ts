/**
 * The random bytes of the AP exchange and of every encryption: confounders (RFC 3961 5.3: a block
 * of random bytes before each plaintext), subkeys, sequence numbers and the random digits of cusec,
 * from a pool of node:crypto CSPRNG output refilled 4 KiB at a time: one randomFillSync per 4 KiB
 * instead of a randomBytes call per draw, whose fixed cost (about 5 µs, whatever the length)
 * showed in the AP exchange's profile. The pool is secret memory, and each piece is zeroed in it
 * as it is handed out.
 */
import { randomFillSync } from 'node:crypto';
import { allocSecret, type SecretBuffer } from '../../../../secret';

const POOL_SIZE = 4096;
const pool = allocSecret(POOL_SIZE);
/** Where the unused bytes of the pool start; POOL_SIZE when it is spent. */
let next = POOL_SIZE;

/**
 * The offset of `length` (at most 4096) unused pool bytes, refilling the pool first when fewer
 * are left; the caller reads them, then zeroes them with spent().
 */
function take(length: number): number {
  if (length > POOL_SIZE) throw new RangeError(`a random draw is at most ${POOL_SIZE} bytes`);
  if (next + length > POOL_SIZE) {
    randomFillSync(pool);
    next = 0;
  }
  const at = next;
  next += length;
  return at;
}

/** Zero pool bytes once handed out. */
function spent(at: number, length: number): void {
  pool.fill(0, at, at + length);
}

/** Fill `target` (at most 4096 bytes) with fresh random bytes, taken out of the pool. */
export function fillRandom(target: Uint8Array): void {
  const at = take(target.length);
  target.set(pool.subarray(at, at + target.length));
  spent(at, target.length);
}

/** `length` (at most 4096) fresh random bytes in memory of their own, which the caller wipes. */
export function randomSecret(length: number): SecretBuffer {
  const out = allocSecret(length);
  fillRandom(out);
  return out;
}

/** A random unsigned 32-bit number (a sequence number, random digits: public once sent). */
export function randomUint32(): number {
  const at = take(4);
  const value = pool.readUInt32BE(at);
  spent(at, 4);
  return value;
}
