/**
 * AES in CBC mode with ciphertext stealing (RFC 3962 5, the CBC-CS3 variant): the ciphertext is as
 * long as the plaintext, and when there is more than one block the last two ciphertext blocks are
 * swapped, the (now last) stolen one cut to the length of the final plaintext piece. That swap
 * happens even when the plaintext is a whole number of blocks. Kerberos always starts from a zero
 * IV (RFC 3962 5: the initial cipher state is all zeros; RFC 4120 and RFC 4121 chain no state
 * between messages), so there is no IV parameter.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { allocSecret, copySecret, wipe, type SecretBuffer } from '../../../../secret';
import { KerberosCryptoError } from './crypto-error';

/** The AES block size in bytes (FIPS 197). */
export const AES_BLOCK_SIZE = 16;

const ZERO_IV = Buffer.alloc(AES_BLOCK_SIZE);

/** node:crypto's name of AES-CBC for a key of this length; `bad-key` for any other length. */
export function cbcCipherName(key: Uint8Array): 'aes-128-cbc' | 'aes-256-cbc' {
  if (key.length === 16) return 'aes-128-cbc';
  if (key.length === 32) return 'aes-256-cbc';
  throw new KerberosCryptoError('bad-key', `an AES key is 16 or 32 bytes, not ${key.length}`);
}

/** AES-CBC of whole blocks under a zero IV, no padding. */
export function aesCbcEncrypt(key: Uint8Array, blocks: Uint8Array): Buffer {
  const cipher = createCipheriv(cbcCipherName(key), key, ZERO_IV).setAutoPadding(false);
  const out = cipher.update(blocks);
  cipher.final(); // whole blocks and no padding: nothing more comes out; it frees the key schedule
  return out;
}

/** AES-CBC decryption of whole blocks under a zero IV, into memory of its own (it is plaintext). */
function aesCbcDecrypt(key: Uint8Array, blocks: Uint8Array): SecretBuffer {
  const decipher = createDecipheriv(cbcCipherName(key), key, ZERO_IV).setAutoPadding(false);
  const out = decipher.update(blocks);
  decipher.final();
  const plaintext = copySecret(out);
  wipe(out);
  return plaintext;
}

/** The lengths CTS works with: `blocks` blocks in all, the last one `tail` bytes long (1..16). */
function blockShape(length: number): { blocks: number; tail: number } {
  const blocks = Math.ceil(length / AES_BLOCK_SIZE);
  return { blocks, tail: length - AES_BLOCK_SIZE * (blocks - 1) };
}

/** The length of `length` bytes padded with zeros to whole blocks. */
export function paddedLength(length: number): number {
  return Math.ceil(length / AES_BLOCK_SIZE) * AES_BLOCK_SIZE;
}

/**
 * AES-CTS encryption of `plaintext` (at least one block: RFC 3962 5 leaves shorter input undefined,
 * and every Kerberos plaintext starts with a 16-byte confounder).
 */
export function aesCtsEncrypt(key: Uint8Array, plaintext: Uint8Array): Buffer {
  if (plaintext.length < AES_BLOCK_SIZE)
    throw new RangeError(`AES-CTS needs at least ${AES_BLOCK_SIZE} bytes of plaintext`);
  const padded = allocSecret(paddedLength(plaintext.length));
  try {
    padded.set(plaintext);
    return aesCtsEncryptPadded(key, padded, plaintext.length);
  } finally {
    wipe(padded);
  }
}

/**
 * aesCtsEncrypt() of the first `length` bytes (at least one block) of `padded`, which holds them
 * followed by zeros to a whole number of blocks: the caller builds its plaintext there, so it is
 * copied once.
 */
export function aesCtsEncryptPadded(key: Uint8Array, padded: Uint8Array, length: number): Buffer {
  if (length < AES_BLOCK_SIZE || padded.length !== paddedLength(length))
    throw new RangeError('AES-CTS takes at least a block, padded with zeros to whole blocks');
  const cbc = aesCbcEncrypt(key, padded);
  if (length === AES_BLOCK_SIZE) return cbc;
  // CBC over the plaintext padded with zeros, then the swap: C1..C(n-2), Cn, C(n-1) cut to `tail`.
  // With zero padding, Cn = E(C(n-1) xor Pn||0), exactly the block ciphertext stealing makes.
  const { blocks, tail } = blockShape(length);
  const lastFull = (blocks - 2) * AES_BLOCK_SIZE;
  const cn = Buffer.from(cbc.subarray(lastFull + AES_BLOCK_SIZE)); // ciphertext: public
  cbc.copy(cbc, lastFull + AES_BLOCK_SIZE, lastFull, lastFull + tail);
  cn.copy(cbc, lastFull);
  return cbc.subarray(0, length);
}

/**
 * AES-CTS decryption (RFC 3962 5) into memory of its own, through one decipher object. Ciphertext
 * shorter than one block cannot have come from aesCtsEncrypt() and is refused as malformed.
 */
export function aesCtsDecrypt(key: Uint8Array, ciphertext: Uint8Array): SecretBuffer {
  if (ciphertext.length < AES_BLOCK_SIZE)
    throw new KerberosCryptoError('malformed', `AES-CTS ciphertext is at least ${AES_BLOCK_SIZE} bytes`);
  if (ciphertext.length === AES_BLOCK_SIZE) return aesCbcDecrypt(key, ciphertext);
  const { blocks, tail } = blockShape(ciphertext.length);
  const lastFull = (blocks - 2) * AES_BLOCK_SIZE;
  const decipher = createDecipheriv(cbcCipherName(key), key, ZERO_IV).setAutoPadding(false);
  // The block before the stolen tail is Cn. Decrypted first (a CBC block under the zero IV) it
  // gives C(n-1) xor (Pn||0): its first `tail` bytes xor the stolen tail are Pn, its last
  // 16 - tail bytes are the bytes of C(n-1) that were stolen.
  const lastBlock = ciphertext.subarray(lastFull, lastFull + AES_BLOCK_SIZE);
  const mixed = decipher.update(lastBlock);
  // C1 .. C(n-2), C(n-1) whole again, in CBC order; the decipher now chains from Cn, not the
  // zero IV, so the first plaintext block comes out xor Cn and is corrected below.
  const reordered = Buffer.alloc((blocks - 1) * AES_BLOCK_SIZE);
  const stolen = ciphertext.subarray(lastFull + AES_BLOCK_SIZE);
  reordered.set(ciphertext.subarray(0, lastFull), 0);
  reordered.set(stolen, lastFull);
  reordered.set(mixed.subarray(tail), lastFull + tail);
  const out = decipher.update(reordered);
  decipher.final();
  const plaintext = allocSecret(ciphertext.length);
  try {
    plaintext.set(out);
    for (let i = 0; i < AES_BLOCK_SIZE; i++) plaintext[i] ^= lastBlock[i];
    for (let i = 0; i < tail; i++) plaintext[lastFull + AES_BLOCK_SIZE + i] = mixed[i] ^ stolen[i];
    return plaintext;
  } finally {
    wipe(out, mixed);
  }
}
