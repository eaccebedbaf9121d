/**
 * Bounds-checked reading helpers shared by the NTLM parsers. Every failure is an SspiError with
 * SEC_E_INVALID_TOKEN, so hostile input never surfaces as a RangeError.
 */
import { sspiError, type SspiError } from '../../../errors';

/** The error every malformed NTLM token produces; `what` says which part was wrong. */
export function invalidToken(what: string): SspiError {
  return sspiError('SEC_E_INVALID_TOKEN', `The NTLM message is malformed: ${what}.`);
}

/** A little-endian 16-bit read that throws SEC_E_INVALID_TOKEN past the end. */
export function readU16(buf: Buffer, offset: number, what: string): number {
  if (offset < 0 || offset + 2 > buf.length) throw invalidToken(`${what} is truncated`);
  return buf.readUInt16LE(offset);
}

/** A little-endian 32-bit read that throws SEC_E_INVALID_TOKEN past the end. */
export function readU32(buf: Buffer, offset: number, what: string): number {
  if (offset < 0 || offset + 4 > buf.length) throw invalidToken(`${what} is truncated`);
  return buf.readUInt32LE(offset);
}

/** Throw SEC_E_INVALID_TOKEN unless `length` bytes at `offset` lie wholly inside `buf`. */
export function checkRange(buf: Buffer, offset: number, length: number, what: string): void {
  if (offset < 0 || length < 0 || offset + length > buf.length) throw invalidToken(`${what} is truncated`);
}

/** A view that throws SEC_E_INVALID_TOKEN unless it lies wholly inside `buf`. */
export function slice(buf: Buffer, offset: number, length: number, what: string): Buffer {
  checkRange(buf, offset, length, what);
  return buf.subarray(offset, offset + length);
}

/** A bounds-checked copy of `length` bytes at `offset`: one allocation, no intermediate view. */
export function copyOf(buf: Buffer, offset: number, length: number, what: string): Buffer {
  checkRange(buf, offset, length, what);
  const out = Buffer.allocUnsafe(length);
  buf.copy(out, 0, offset, offset + length);
  return out;
}
