/**
 * HMAC-MD5 (RFC 2104) on the MD5 of md5.ts. NTLMv2 computes it for NTOWFv2, NTProofStr, the LMv2
 * response and SessionBaseKey (MS-NLMP 3.3.2), the MIC (3.1.5.1.2) and every message signature
 * (MAC, 3.4.4.2). Those inputs are 4 to a few hundred bytes, where createHmac's object and stream
 * set-up costs more than the hashing.
 *
 * HMAC(K, text) = H((K0 xor opad) || H((K0 xor ipad) || text)), K0 being K zero-padded to the block
 * length. K0 xor ipad and K0 xor opad are each exactly one block, so hashing them reduces to two
 * midstates that depend on the key alone: HmacMd5Key computes them once for a key used many times.
 */
import { MD5_BLOCK_LENGTH, MD5_DIGEST_LENGTH, MD5_INITIAL_STATE, Md5Stream, md5, md5Compress } from './md5';

/** ipad and opad (RFC 2104 2): the bytes 0x36 and 0x5C repeated, here four to a 32-bit word. */
const IPAD_WORD = 0x36363636;
const OPAD_WORD = 0x5c5c5c5c;

const stream = new Md5Stream();
/** K0 xor ipad, then K0 xor opad; zeroed as soon as both midstates are made. */
const paddedKey = new Uint8Array(MD5_BLOCK_LENGTH);
/** The same bytes as words, so each pad is applied in 16 XORs (a byte pattern, so order-free). */
const paddedKeyWords = new Int32Array(paddedKey.buffer);
/** The inner hash H((K0 xor ipad) || text); zeroed once the outer hash has taken it in. */
const innerHash = new Uint8Array(MD5_DIGEST_LENGTH);
/** The midstates of a one-shot hmacMd5(); zeroed after each call. */
const oneShotInner = new Int32Array(4);
const oneShotOuter = new Int32Array(4);

/** Compute the midstates after K0 xor ipad and after K0 xor opad (RFC 2104 2, steps 1-2, 5). */
function padMidstates(key: Uint8Array, inner: Int32Array, outer: Int32Array): void {
  // paddedKey is all zero between calls, so copying the key in leaves K0 (RFC 2104 2, step 1).
  if (key.length > MD5_BLOCK_LENGTH) {
    // RFC 2104 2: a key longer than the block is replaced by its hash.
    const hashedKey = md5(key);
    paddedKey.set(hashedKey);
    hashedKey.fill(0);
  } else {
    paddedKey.set(key);
  }
  for (let i = 0; i < paddedKeyWords.length; i++) paddedKeyWords[i] ^= IPAD_WORD;
  inner.set(MD5_INITIAL_STATE);
  md5Compress(inner, paddedKey, 0);
  for (let i = 0; i < paddedKeyWords.length; i++) paddedKeyWords[i] ^= IPAD_WORD ^ OPAD_WORD;
  outer.set(MD5_INITIAL_STATE);
  md5Compress(outer, paddedKey, 0);
  paddedKey.fill(0);
}

/**
 * RFC 2104 2, steps 3-4 and 6-7, from the two midstates (each already covers one block): the
 * 16-byte MAC is written into `out` at `at`.
 */
function macInto(
  inner: Int32Array,
  outer: Int32Array,
  parts: readonly Uint8Array[],
  out: Uint8Array,
  at: number,
): void {
  stream.start(inner, MD5_BLOCK_LENGTH);
  for (const part of parts) stream.update(part);
  stream.finishInto(innerHash, 0);
  stream.start(outer, MD5_BLOCK_LENGTH);
  stream.update(innerHash);
  innerHash.fill(0);
  stream.finishInto(out, at);
}

function macFrom(inner: Int32Array, outer: Int32Array, parts: readonly Uint8Array[]): Buffer {
  const mac = Buffer.alloc(MD5_DIGEST_LENGTH);
  macInto(inner, outer, parts, mac, 0);
  return mac;
}

/** HMAC_MD5(key, parts concatenated) (RFC 2104), without joining the parts. */
export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  padMidstates(key, oneShotInner, oneShotOuter);
  const mac = macFrom(oneShotInner, oneShotOuter, parts);
  oneShotInner.fill(0);
  oneShotOuter.fill(0);
  return mac;
}

/**
 * A key for many HMAC-MD5 computations: the pad midstates are computed once, which saves two of
 * the (usually) four MD5 block compressions of every later mac(). NTLM keeps one per direction for
 * its message signatures (the SigningKey, MS-NLMP 3.4.4.2) and one for ResponseKeyNT across
 * NTProofStr, LMv2 and SessionBaseKey (3.3.2).
 *
 * The midstates are as secret as the key: whoever holds them can compute MACs. dispose() zeroes
 * them, and mac() after dispose() throws rather than compute with a zero state.
 */
export class HmacMd5Key {
  private readonly inner = new Int32Array(4);
  private readonly outer = new Int32Array(4);
  private disposed = false;

  /** Key HMAC-MD5 with `key` (any length). The caller keeps, and may zero, its Buffer. */
  constructor(key: Uint8Array) {
    padMidstates(key, this.inner, this.outer);
  }

  /** HMAC_MD5(key, parts concatenated). */
  mac(...parts: Uint8Array[]): Buffer {
    if (this.disposed) throw new Error('HMAC-MD5 key used after dispose()');
    return macFrom(this.inner, this.outer, parts);
  }

  /**
   * mac() written into the 16 bytes of `out` at `at`, for a caller that keeps only part of the MAC
   * (NTLM's 8-byte checksum, MS-NLMP 3.4.4.2) and so would otherwise allocate and slice.
   */
  macInto(out: Uint8Array, at: number, ...parts: Uint8Array[]): void {
    if (this.disposed) throw new Error('HMAC-MD5 key used after dispose()');
    if (at < 0 || at + MD5_DIGEST_LENGTH > out.length)
      throw new RangeError('the MAC does not fit in the target');
    macInto(this.inner, this.outer, parts, out, at);
  }

  /** Zero the midstates. Idempotent; the key is unusable afterwards. */
  dispose(): void {
    this.inner.fill(0);
    this.outer.fill(0);
    this.disposed = true;
  }
}
