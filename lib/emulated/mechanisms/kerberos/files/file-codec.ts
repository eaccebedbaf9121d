/**
 * Reading and writing MIT's binary file formats (keytab, FILE: ccache): fixed-width integers in
 * the file's byte order, counted strings and octet strings. The reader never reads past its end
 * and throws only SspiError SEC_E_INVALID_TOKEN naming the file kind and the field; the writer
 * assembles the file in secret memory, since both formats carry keys.
 */
import { sspiError, type SspiError } from '../../../../errors';
import { allocSecret, type SecretBuffer } from '../../../../secret';

/** 'keytab' or 'credential cache': what the error messages call the file. */
export type FileKind = 'keytab' | 'credential cache';

/** The error for a file that is not what it claims to be. */
export function malformedFile(kind: FileKind, reason: string): SspiError {
  return sspiError('SEC_E_INVALID_TOKEN', `The ${kind} file is malformed: ${reason}.`);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A bounded cursor over a file's bytes (or one record of them). */
export class FileReader {
  private offset = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly littleEndian: boolean,
    readonly kind: FileKind,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  fail(reason: string): never {
    throw malformedFile(this.kind, reason);
  }

  private take(length: number, field: string): number {
    if (length > this.remaining) {
      this.fail(`the ${field} (${length} bytes) runs past the end (${this.remaining} left)`);
    }
    const at = this.offset;
    this.offset += length;
    return at;
  }

  u8(field: string): number {
    return this.bytes[this.take(1, field)];
  }

  u16(field: string): number {
    const at = this.take(2, field);
    return this.littleEndian ? this.bytes.readUInt16LE(at) : this.bytes.readUInt16BE(at);
  }

  i16(field: string): number {
    const at = this.take(2, field);
    return this.littleEndian ? this.bytes.readInt16LE(at) : this.bytes.readInt16BE(at);
  }

  u32(field: string): number {
    const at = this.take(4, field);
    return this.littleEndian ? this.bytes.readUInt32LE(at) : this.bytes.readUInt32BE(at);
  }

  i32(field: string): number {
    const at = this.take(4, field);
    return this.littleEndian ? this.bytes.readInt32LE(at) : this.bytes.readInt32BE(at);
  }

  /** `length` bytes as a view into the file (no copy); the caller copies what it keeps. */
  bytesOf(length: number, field: string): Buffer {
    const at = this.take(length, field);
    return this.bytes.subarray(at, at + length);
  }

  /** A reader over the next `length` bytes (one record), in the same byte order. */
  record(length: number, field: string): FileReader {
    return new FileReader(this.bytesOf(length, field), this.littleEndian, this.kind);
  }

  /** UTF-8 text of `length` bytes, at most `limit`. */
  text(length: number, limit: number, field: string): string {
    if (length > limit) this.fail(`the ${field} is ${length} bytes long, over the limit of ${limit}`);
    const bytes = this.bytesOf(length, field);
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail(`the ${field} is not UTF-8`);
    }
  }

  /** A count read before `count` items of at least `minItemBytes` each, checked against both bounds. */
  count(count: number, limit: number, minItemBytes: number, field: string): number {
    if (count > limit) this.fail(`${count} ${field} is over the limit of ${limit}`);
    if (count * minItemBytes > this.remaining) this.fail(`${count} ${field} cannot fit in what is left`);
    return count;
  }
}

/**
 * Big-endian output (keytab version 0x0502, ccache version 4), collected in parts and joined
 * into one secret buffer. A value out of its field's range is the caller's mistake: SspiError
 * SEC_E_INVALID_PARAMETER naming the field.
 */
export class FileWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  constructor(readonly kind: FileKind) {}

  private put(part: Uint8Array): void {
    this.parts.push(part);
    this.length += part.length;
  }

  private check(value: number, min: number, max: number, field: string): void {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw sspiError(
        'SEC_E_INVALID_PARAMETER',
        `Cannot write the ${this.kind}: the ${field} ${String(value)} is not an integer in [${min}, ${max}].`,
      );
    }
  }

  u8(value: number, field: string): void {
    this.check(value, 0, 0xff, field);
    this.put(Uint8Array.of(value));
  }

  u16(value: number, field: string): void {
    this.check(value, 0, 0xffff, field);
    const part = Buffer.alloc(2);
    part.writeUInt16BE(value);
    this.put(part);
  }

  i16(value: number, field: string): void {
    this.check(value, -0x8000, 0x7fff, field);
    const part = Buffer.alloc(2);
    part.writeInt16BE(value);
    this.put(part);
  }

  u32(value: number, field: string): void {
    this.check(value, 0, 0xffffffff, field);
    const part = Buffer.alloc(4);
    part.writeUInt32BE(value);
    this.put(part);
  }

  i32(value: number, field: string): void {
    this.check(value, -0x80000000, 0x7fffffff, field);
    const part = Buffer.alloc(4);
    part.writeInt32BE(value);
    this.put(part);
  }

  /** Bytes as they are (a key among them: referenced, then copied once into the secret output). */
  raw(bytes: Uint8Array): void {
    this.put(bytes);
  }

  /** Bytes behind a 16-bit (keytab) or 32-bit (ccache) length. */
  counted(bytes: Uint8Array, lengthBits: 16 | 32, field: string): void {
    if (lengthBits === 16) this.u16(bytes.length, `${field} length`);
    else this.u32(bytes.length, `${field} length`);
    this.put(bytes);
  }

  /** UTF-8 text behind its length. */
  countedText(text: string, lengthBits: 16 | 32, field: string): void {
    this.counted(Buffer.from(text, 'utf8'), lengthBits, field);
  }

  get size(): number {
    return this.length;
  }

  /** Everything written, in one buffer of its own (secret memory: the parts include keys). */
  finish(): SecretBuffer {
    const out = allocSecret(this.length);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }
}
