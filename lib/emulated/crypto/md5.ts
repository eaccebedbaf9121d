/**
 * MD5 (RFC 1321) in TypeScript. NTLMv2 hashes small inputs with it many times per handshake
 * (MS-NLMP 3.3.2 HMAC_MD5, 3.4.5.2 SIGNKEY, 3.4.5.3 SEALKEY, 3.4.4.2 MAC); at those sizes the cost
 * of node:crypto is in creating its Hash/Hmac objects and crossing into C++, not in hashing, so a
 * JavaScript MD5 that allocates little besides its 16-byte digest is faster. MD5 is broken as a
 * collision-resistant hash: use it only where a protocol prescribes it.
 *
 * Arithmetic is on int32 (`| 0`) so V8 keeps every step in machine integers. Words are read from
 * bytes in little-endian order (RFC 1321 2) whatever the platform's byte order.
 */

/** MD5 works on 512-bit blocks (RFC 1321 3.4). */
export const MD5_BLOCK_LENGTH = 64;
/** A digest is the four 32-bit state words (RFC 1321 3.5). */
export const MD5_DIGEST_LENGTH = 16;

/** The initial state A, B, C, D (RFC 1321 3.3), as int32. */
export const MD5_INITIAL_STATE: Readonly<Int32Array> = Int32Array.of(
  0x67452301,
  0xefcdab89 | 0,
  0x98badcfe | 0,
  0x10325476,
);

function wordAt(bytes: Uint8Array, at: number): number {
  return bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
}

/**
 * Process the 64-byte block of `bytes` at `at` into `state` (RFC 1321 3.4). The 64 steps are
 * written out, each as a = b + ((a + word + T[i] + round function(b, c, d)) <<< shift), with its
 * word, shift and constant T[i] = floor(2^32 * |sin(i)|) in place, so no step branches or looks
 * anything up.
 *
 * Every step waits for the one before (b is its result), so the terms are ordered to put as few
 * operations as possible after b: a + word + T[i] is summed first, and the round functions take
 * equivalent forms that touch b last: F = Z xor (X and (Y xor Z)); G = (Y and not Z) + (X and Z),
 * the two halves having no bit in common; H = (Y xor Z) xor X. This made a compression about 14%
 * faster than the RFC's forms in the written order (V8 of Node 20).
 */
export function md5Compress(state: Int32Array, bytes: Uint8Array, at: number): void {
  const x0 = wordAt(bytes, at);
  const x1 = wordAt(bytes, at + 4);
  const x2 = wordAt(bytes, at + 8);
  const x3 = wordAt(bytes, at + 12);
  const x4 = wordAt(bytes, at + 16);
  const x5 = wordAt(bytes, at + 20);
  const x6 = wordAt(bytes, at + 24);
  const x7 = wordAt(bytes, at + 28);
  const x8 = wordAt(bytes, at + 32);
  const x9 = wordAt(bytes, at + 36);
  const x10 = wordAt(bytes, at + 40);
  const x11 = wordAt(bytes, at + 44);
  const x12 = wordAt(bytes, at + 48);
  const x13 = wordAt(bytes, at + 52);
  const x14 = wordAt(bytes, at + 56);
  const x15 = wordAt(bytes, at + 60);
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];

  // Round 1 (RFC 1321 3.4): F(X,Y,Z) = XY v not(X) Z; words in order; shifts 7, 12, 17, 22.
  a = (a + x0 + 0xd76aa478 + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + x1 + 0xe8c7b756 + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + x2 + 0x242070db + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + x3 + 0xc1bdceee + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + x4 + 0xf57c0faf + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + x5 + 0x4787c62a + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + x6 + 0xa8304613 + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + x7 + 0xfd469501 + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + x8 + 0x698098d8 + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + x9 + 0x8b44f7af + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + x10 + 0xffff5bb1 + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + x11 + 0x895cd7be + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  a = (a + x12 + 0x6b901122 + (d ^ (b & (c ^ d)))) | 0;
  a = (((a << 7) | (a >>> 25)) + b) | 0;
  d = (d + x13 + 0xfd987193 + (c ^ (a & (b ^ c)))) | 0;
  d = (((d << 12) | (d >>> 20)) + a) | 0;
  c = (c + x14 + 0xa679438e + (b ^ (d & (a ^ b)))) | 0;
  c = (((c << 17) | (c >>> 15)) + d) | 0;
  b = (b + x15 + 0x49b40821 + (a ^ (c & (d ^ a)))) | 0;
  b = (((b << 22) | (b >>> 10)) + c) | 0;
  // Round 2: G(X,Y,Z) = XZ v Y not(Z); word (1 + 5i) mod 16; shifts 5, 9, 14, 20.
  a = (a + x1 + 0xf61e2562 + (c & ~d) + (b & d)) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + x6 + 0xc040b340 + (b & ~c) + (a & c)) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + x11 + 0x265e5a51 + (a & ~b) + (d & b)) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + x0 + 0xe9b6c7aa + (d & ~a) + (c & a)) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + x5 + 0xd62f105d + (c & ~d) + (b & d)) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + x10 + 0x02441453 + (b & ~c) + (a & c)) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + x15 + 0xd8a1e681 + (a & ~b) + (d & b)) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + x4 + 0xe7d3fbc8 + (d & ~a) + (c & a)) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + x9 + 0x21e1cde6 + (c & ~d) + (b & d)) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + x14 + 0xc33707d6 + (b & ~c) + (a & c)) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + x3 + 0xf4d50d87 + (a & ~b) + (d & b)) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + x8 + 0x455a14ed + (d & ~a) + (c & a)) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  a = (a + x13 + 0xa9e3e905 + (c & ~d) + (b & d)) | 0;
  a = (((a << 5) | (a >>> 27)) + b) | 0;
  d = (d + x2 + 0xfcefa3f8 + (b & ~c) + (a & c)) | 0;
  d = (((d << 9) | (d >>> 23)) + a) | 0;
  c = (c + x7 + 0x676f02d9 + (a & ~b) + (d & b)) | 0;
  c = (((c << 14) | (c >>> 18)) + d) | 0;
  b = (b + x12 + 0x8d2a4c8a + (d & ~a) + (c & a)) | 0;
  b = (((b << 20) | (b >>> 12)) + c) | 0;
  // Round 3: H(X,Y,Z) = X xor Y xor Z; word (5 + 3i) mod 16; shifts 4, 11, 16, 23.
  a = (a + x5 + 0xfffa3942 + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + x8 + 0x8771f681 + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + x11 + 0x6d9d6122 + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + x14 + 0xfde5380c + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + x1 + 0xa4beea44 + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + x4 + 0x4bdecfa9 + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + x7 + 0xf6bb4b60 + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + x10 + 0xbebfbc70 + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + x13 + 0x289b7ec6 + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + x0 + 0xeaa127fa + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + x3 + 0xd4ef3085 + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + x6 + 0x04881d05 + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  a = (a + x9 + 0xd9d4d039 + (c ^ d ^ b)) | 0;
  a = (((a << 4) | (a >>> 28)) + b) | 0;
  d = (d + x12 + 0xe6db99e5 + (b ^ c ^ a)) | 0;
  d = (((d << 11) | (d >>> 21)) + a) | 0;
  c = (c + x15 + 0x1fa27cf8 + (a ^ b ^ d)) | 0;
  c = (((c << 16) | (c >>> 16)) + d) | 0;
  b = (b + x2 + 0xc4ac5665 + (d ^ a ^ c)) | 0;
  b = (((b << 23) | (b >>> 9)) + c) | 0;
  // Round 4: I(X,Y,Z) = Y xor (X v not(Z)); word 7i mod 16; shifts 6, 10, 15, 21.
  a = (a + x0 + 0xf4292244 + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + x7 + 0x432aff97 + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + x14 + 0xab9423a7 + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + x5 + 0xfc93a039 + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + x12 + 0x655b59c3 + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + x3 + 0x8f0ccc92 + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + x10 + 0xffeff47d + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + x1 + 0x85845dd1 + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + x8 + 0x6fa87e4f + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + x15 + 0xfe2ce6e0 + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + x6 + 0xa3014314 + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + x13 + 0x4e0811a1 + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;
  a = (a + x4 + 0xf7537e82 + (c ^ (b | ~d))) | 0;
  a = (((a << 6) | (a >>> 26)) + b) | 0;
  d = (d + x11 + 0xbd3af235 + (b ^ (a | ~c))) | 0;
  d = (((d << 10) | (d >>> 22)) + a) | 0;
  c = (c + x2 + 0x2ad7d2bb + (a ^ (d | ~b))) | 0;
  c = (((c << 15) | (c >>> 17)) + d) | 0;
  b = (b + x9 + 0xeb86d391 + (d ^ (c | ~a))) | 0;
  b = (((b << 21) | (b >>> 11)) + c) | 0;

  state[0] = (state[0] + a) | 0;
  state[1] = (state[1] + b) | 0;
  state[2] = (state[2] + c) | 0;
  state[3] = (state[3] + d) | 0;
}

/**
 * An MD5 computation in progress, fed in pieces of any length: whole blocks are compressed
 * straight from the caller's bytes and only a partial block is copied, so parts are never joined.
 * One instance is reused for digest after digest (start() begins the next one), which keeps the
 * hot path free of allocation; finishInto() zeroes what it held, because callers hash keys.
 */
export class Md5Stream {
  private readonly state = new Int32Array(4);
  /** The bytes of an unfinished block, then the padding block. */
  private readonly pending = new Uint8Array(MD5_BLOCK_LENGTH);
  private pendingLength = 0;
  /** Bytes hashed so far, including any before the starting state: the padding encodes it. */
  private totalLength = 0;

  /**
   * Begin a digest from `state` (MD5_INITIAL_STATE, or a midstate) that already covers
   * `hashedLength` bytes, a multiple of the block length. Anything a digest left unfinished is
   * dropped; its bytes stay in the block buffer until the next finishInto() zeroes it.
   */
  start(state: Readonly<Int32Array>, hashedLength: number): void {
    // Four stores: TypedArray.prototype.set costs more than the copy for so few words.
    const own = this.state;
    own[0] = state[0];
    own[1] = state[1];
    own[2] = state[2];
    own[3] = state[3];
    this.pendingLength = 0;
    this.totalLength = hashedLength;
  }

  /** Hash `data` after everything given so far. */
  update(data: Uint8Array): void {
    const length = data.length;
    let at = 0;
    this.totalLength += length;
    if (this.pendingLength > 0) {
      at = Math.min(MD5_BLOCK_LENGTH - this.pendingLength, length);
      copyBytes(data, 0, at, this.pending, this.pendingLength);
      this.pendingLength += at;
      if (this.pendingLength < MD5_BLOCK_LENGTH) return;
      md5Compress(this.state, this.pending, 0);
      this.pendingLength = 0;
    }
    for (; at + MD5_BLOCK_LENGTH <= length; at += MD5_BLOCK_LENGTH) md5Compress(this.state, data, at);
    if (at < length) {
      copyBytes(data, at, length, this.pending, 0);
      this.pendingLength = length - at;
    }
  }

  /**
   * Pad (RFC 1321 3.1, 3.2: a 1 bit, zeros to 56 bytes mod 64, the bit length as 64-bit
   * little-endian), write the 16-byte digest into `out` at `at`, and zero the state and buffer.
   */
  finishInto(out: Uint8Array, at: number): void {
    const pending = this.pending;
    const state = this.state;
    let used = this.pendingLength;
    pending[used++] = 0x80;
    if (used > MD5_BLOCK_LENGTH - 8) {
      pending.fill(0, used);
      md5Compress(state, pending, 0);
      used = 0;
    }
    pending.fill(0, used, MD5_BLOCK_LENGTH - 8);
    // The bit length as two 32-bit halves; dividing rather than shifting keeps every safe integer.
    const low = (this.totalLength % 0x20000000) * 8;
    const high = Math.floor(this.totalLength / 0x20000000);
    writeWord(pending, MD5_BLOCK_LENGTH - 8, low);
    writeWord(pending, MD5_BLOCK_LENGTH - 4, high);
    md5Compress(state, pending, 0);
    pending.fill(0);
    for (let i = 0; i < 4; i++) {
      writeWord(out, at + 4 * i, state[i]);
      state[i] = 0;
    }
    this.pendingLength = 0;
  }
}

/**
 * Copy `from[start..end)` to `to` at `at`, under a block. `to.set(from.subarray(...))` makes a view
 * object for every copy: a plain loop is quicker below about 48 bytes, and measured no slower end
 * to end above that, even when every block goes through here (a part after a 4-byte one).
 */
function copyBytes(from: Uint8Array, start: number, end: number, to: Uint8Array, at: number): void {
  for (let i = start; i < end; i++) to[at++] = from[i];
}

function writeWord(bytes: Uint8Array, at: number, word: number): void {
  bytes[at] = word;
  bytes[at + 1] = word >>> 8;
  bytes[at + 2] = word >>> 16;
  bytes[at + 3] = word >>> 24;
}

const shared = new Md5Stream();

/** The 16-byte MD5 digest of `parts` concatenated, hashed without joining them. */
export function md5(...parts: Uint8Array[]): Buffer {
  shared.start(MD5_INITIAL_STATE, 0);
  for (const part of parts) shared.update(part);
  const digest = Buffer.alloc(MD5_DIGEST_LENGTH);
  shared.finishInto(digest, 0);
  return digest;
}
