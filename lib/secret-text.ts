/**
 * UTF-8 ⇄ UTF-16LE for secrets, byte by byte, without a JavaScript string in between (a string
 * cannot be zeroed and lives until the garbage collector says so). The code points exist only as
 * numbers in locals; the output is a secret Buffer of its own.
 *
 * NTOWFv1 hashes the password as UTF-16LE (MS-NLMP 3.3.1) and TSPasswordCreds carries it so
 * (MS-CSSP 2.2.1.2.1); callers hand us UTF-8 Buffers and want UTF-8 back.
 */
import { allocSecret, type SecretBuffer } from './secret';

/** U+FFFD REPLACEMENT CHARACTER, for UTF-16 that names no code point. */
const REPLACEMENT = 0xfffd;
/** The lead byte's marker bits by sequence length (RFC 3629 3). */
const UTF8_LEAD = [0, 0, 0xc0, 0xe0, 0xf0];

/**
 * The code point of the UTF-8 sequence at `at` and its length, or undefined when the bytes are
 * not well-formed UTF-8 (RFC 3629 4: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
function utf8CodePointAt(bytes: Uint8Array, at: number): { codePoint: number; length: number } | undefined {
  const lead = bytes[at];
  if (lead < 0x80) return { codePoint: lead, length: 1 };
  let length: number;
  let codePoint: number;
  let min: number;
  if (lead >= 0xc2 && lead <= 0xdf) [length, codePoint, min] = [2, lead & 0x1f, 0x80];
  else if (lead >= 0xe0 && lead <= 0xef) [length, codePoint, min] = [3, lead & 0x0f, 0x800];
  else if (lead >= 0xf0 && lead <= 0xf4) [length, codePoint, min] = [4, lead & 0x07, 0x10000];
  else return undefined;
  if (at + length > bytes.length) return undefined;
  for (let i = 1; i < length; i++) {
    const next = bytes[at + i];
    if ((next & 0xc0) !== 0x80) return undefined;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff))
    return undefined;
  return { codePoint, length };
}

/**
 * UTF-16LE of well-formed UTF-8 `bytes`; code points above U+FFFF become surrogate pairs
 * (RFC 2781 2.1). Returns undefined for malformed UTF-8, which the caller refuses: a password
 * that silently became another (U+FFFD in place of the bad bytes) would fail, and count against
 * the account's lockout, for a reason nobody could see.
 */
export function utf16leOfUtf8(bytes: Uint8Array): SecretBuffer | undefined {
  let units = 0;
  for (let at = 0; at < bytes.length;) {
    const decoded = utf8CodePointAt(bytes, at);
    if (!decoded) return undefined;
    units += decoded.codePoint > 0xffff ? 2 : 1;
    at += decoded.length;
  }
  const out = allocSecret(2 * units);
  let pos = 0;
  for (let at = 0; at < bytes.length;) {
    const { codePoint, length } = utf8CodePointAt(bytes, at)!;
    at += length;
    if (codePoint > 0xffff) {
      const offset = codePoint - 0x10000;
      pos = out.writeUInt16LE(0xd800 | (offset >> 10), pos);
      pos = out.writeUInt16LE(0xdc00 | (offset & 0x3ff), pos);
    } else {
      pos = out.writeUInt16LE(codePoint, pos);
    }
  }
  return out;
}

/**
 * The code point of the UTF-16LE unit at `at` (a surrogate pair read as one) and how many bytes
 * it took. A lone surrogate or a trailing odd byte reads as U+FFFD, as the WHATWG decoder does.
 */
function utf16CodePointAt(bytes: Uint8Array, at: number): { codePoint: number; length: number } {
  if (at + 2 > bytes.length) return { codePoint: REPLACEMENT, length: 1 };
  const unit = bytes[at] | (bytes[at + 1] << 8);
  if (unit < 0xd800 || unit > 0xdfff) return { codePoint: unit, length: 2 };
  if (unit <= 0xdbff && at + 4 <= bytes.length) {
    const low = bytes[at + 2] | (bytes[at + 3] << 8);
    if (low >= 0xdc00 && low <= 0xdfff)
      return { codePoint: 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00), length: 4 };
  }
  return { codePoint: REPLACEMENT, length: 2 };
}

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  return codePoint < 0x10000 ? 3 : 4;
}

/** UTF-8 of UTF-16LE `bytes` (RFC 3629 3); what a peer sent that names no code point is U+FFFD. */
export function utf8OfUtf16le(bytes: Uint8Array): SecretBuffer {
  let total = 0;
  for (let at = 0; at < bytes.length;) {
    const { codePoint, length } = utf16CodePointAt(bytes, at);
    total += utf8Length(codePoint);
    at += length;
  }
  const out = allocSecret(total);
  let pos = 0;
  for (let at = 0; at < bytes.length;) {
    const { codePoint, length } = utf16CodePointAt(bytes, at);
    at += length;
    const size = utf8Length(codePoint);
    if (size === 1) {
      out[pos++] = codePoint;
      continue;
    }
    // The lead byte carries the length in its high bits, each continuation byte six bits.
    out[pos] = UTF8_LEAD[size] | (codePoint >> (6 * (size - 1)));
    for (let i = 1; i < size; i++) out[pos + i] = 0x80 | ((codePoint >> (6 * (size - 1 - i))) & 0x3f);
    pos += size;
  }
  return out;
}
