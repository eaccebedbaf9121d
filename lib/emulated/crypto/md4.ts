/**
 * MD4 (RFC 1320). NTLM needs it for NTOWFv1 (MS-NLMP 3.3.1) and Node 20's OpenSSL 3 only offers
 * it through the legacy provider, which is not loaded by default, so it is implemented here.
 * MD4 is broken as a general hash; use it for nothing but the NT hash.
 */
import { allocSecret, wipe } from '../../secret';

/** Per-round additive constants (RFC 1320 3.4): 0 for round 1, sqrt(2) and sqrt(3) scaled by 2^30. */
const ROUND2_CONSTANT = 0x5a827999;
const ROUND3_CONSTANT = 0x6ed9eba1;

/** Shift amounts per round, indexed by step mod 4 (RFC 1320 3.4). */
const ROUND1_SHIFTS = [3, 7, 11, 19];
const ROUND2_SHIFTS = [3, 5, 9, 13];
const ROUND3_SHIFTS = [3, 9, 11, 15];
/** The order round 3 reads the block's words in (RFC 1320 3.4). */
const ROUND3_WORD_ORDER = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** The 16-byte MD4 digest of `data`. */
export function md4(data: Buffer): Buffer {
  // Padding (RFC 1320 3.1-3.2): a 1 bit, zeros up to 56 mod 64, then the bit length as 64-bit LE.
  const paddedLength = (((data.length + 8) >> 6) + 1) << 6;
  const padded = Buffer.alloc(paddedLength);
  data.copy(padded);
  padded[data.length] = 0x80;
  const bitLength = BigInt(data.length) * 8n;
  padded.writeBigUInt64LE(bitLength & 0xffffffffffffffffn, paddedLength - 8);

  // Initial state (RFC 1320 3.3).
  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Uint32Array(16);

  for (let offset = 0; offset < paddedLength; offset += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(offset + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];

    // Round 1: F(X,Y,Z) = XY v not(X)Z, words in order.
    for (let i = 0; i < 16; i++) {
      const f = (b & c) | (~b & d);
      const t = rotl((a + f + x[i]) >>> 0, ROUND1_SHIFTS[i % 4]);
      [a, b, c, d] = [d, t, b, c];
    }
    // Round 2: G(X,Y,Z) = XY v XZ v YZ, words by column.
    for (let i = 0; i < 16; i++) {
      const g = (b & c) | (b & d) | (c & d);
      const word = x[(i % 4) * 4 + (i >> 2)];
      const t = rotl((a + g + word + ROUND2_CONSTANT) >>> 0, ROUND2_SHIFTS[i % 4]);
      [a, b, c, d] = [d, t, b, c];
    }
    // Round 3: H(X,Y,Z) = X xor Y xor Z, words in bit-reversed order.
    for (let i = 0; i < 16; i++) {
      const h = b ^ c ^ d;
      const t = rotl((a + h + x[ROUND3_WORD_ORDER[i]] + ROUND3_CONSTANT) >>> 0, ROUND3_SHIFTS[i % 4]);
      [a, b, c, d] = [d, t, b, c];
    }

    a = (a + aa) >>> 0;
    b = (b + bb) >>> 0;
    c = (c + cc) >>> 0;
    d = (d + dd) >>> 0;
  }

  wipe(x);
  wipe(padded);
  const digest = allocSecret(16);
  digest.writeUInt32LE(a, 0);
  digest.writeUInt32LE(b, 4);
  digest.writeUInt32LE(c, 8);
  digest.writeUInt32LE(d, 12);
  return digest;
}
