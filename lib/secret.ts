/**
 * Secret bytes: passwords, NT hashes, session, signing and sealing keys, RC4 state, TSCredentials
 * plaintext. Every such Buffer is made here, in memory of its own, and released through wipe(),
 * which zeroes it. A Buffer the caller gave us stays the caller's: we copy it in.
 *
 * "Of its own" means an ArrayBuffer made for it alone, which V8 keeps outside its heap:
 * - not a slab of Buffer's shared 8 KiB pool (Buffer.from, allocUnsafe), which every Buffer cut
 *   from the same slab can read;
 * - not Buffer.allocUnsafeSlow or `new Uint8Array(n)` either: up to 64 bytes (a password, every
 *   key) V8 stores those bytes inside the object on its heap, and the garbage collector copies
 *   them when it moves the object, leaving the old copy behind where wipe() cannot reach it
 *   (test/unit/password-memory.test.ts found exactly that). Bytes outside the heap never move.
 */

/** Secret bytes are plain Buffers; the name says who allocated them and who must wipe them. */
export type SecretBuffer = Buffer;

/** `length` zero bytes of their own, for a secret to be written into. */
export function allocSecret(length: number): SecretBuffer {
  return Buffer.from(new ArrayBuffer(length));
}

/** A copy of `bytes` (or of `bytes[start, end)`) in memory of its own. */
export function copySecret(bytes: Uint8Array, start = 0, end = bytes.length): SecretBuffer {
  const copy = allocSecret(end - start);
  copy.set(bytes.subarray(start, end));
  return copy;
}

/**
 * A string the caller gave us (a password, say), encoded once into memory of its own. The string
 * is the caller's; from here on the secret lives only in the Buffer.
 */
export function secretOfString(text: string, encoding: 'utf16le' | 'utf8' | 'hex'): SecretBuffer {
  const out = allocSecret(Buffer.byteLength(text, encoding));
  out.write(text, 0, encoding);
  return out;
}

/** What wipe() zeroes: bytes, or the words or numbers a secret was computed in. */
type Wipeable = Uint8Array | Uint32Array | Int32Array | number[];

/** Zero every byte of each secret given; undefined ones are skipped. Idempotent. */
export function wipe(...secrets: Array<Wipeable | undefined>): void {
  for (const secret of secrets) secret?.fill(0);
}

/** wipe() over a collection (the chunks of a password read, the entries of a user table). */
export function wipeAll(secrets: Iterable<Wipeable | undefined>): void {
  for (const secret of secrets) secret?.fill(0);
}
