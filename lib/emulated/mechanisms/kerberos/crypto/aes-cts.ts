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
  return Buffer.concat([cipher.update(blocks), cipher.final()]);
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

/**
 * AES-CTS encryption of `plaintext` (at least one block: RFC 3962 5 leaves shorter input undefined,
 * and every Kerberos plaintext starts with a 16-byte confounder).
 */
export function aesCtsEncrypt(key: Uint8Array, plaintext: Uint8Array): Buffer {
  if (plaintext.length < AES_BLOCK_SIZE)
    throw new RangeError(`AES-CTS needs at least ${AES_BLOCK_SIZE} bytes of plaintext`);
  if (plaintext.length === AES_BLOCK_SIZE) return aesCbcEncrypt(key, plaintext);
  const { blocks, tail } = blockShape(plaintext.length);
  // CBC over the plaintext padded with zeros, then the swap: C1..C(n-2), Cn, C(n-1) cut to `tail`.
  // With zero padding, Cn = E(C(n-1) xor Pn||0), exactly the block ciphertext stealing makes.
  const padded = allocSecret(blocks * AES_BLOCK_SIZE);
  try {
    padded.set(plaintext);
    const cbc = aesCbcEncrypt(key, padded);
    const lastFull = (blocks - 2) * AES_BLOCK_SIZE;
    return Buffer.concat([
      cbc.subarray(0, lastFull),
      cbc.subarray(lastFull + AES_BLOCK_SIZE),
      cbc.subarray(lastFull, lastFull + tail),
    ]);
  } finally {
    wipe(padded);
  }
}

/**
 * AES-CTS decryption (RFC 3962 5) into memory of its own. Ciphertext shorter than one block cannot
 * have come from aesCtsEncrypt() and is refused as malformed.
 */
export function aesCtsDecrypt(key: Uint8Array, ciphertext: Uint8Array): SecretBuffer {
  if (ciphertext.length < AES_BLOCK_SIZE)
    throw new KerberosCryptoError('malformed', `AES-CTS ciphertext is at least ${AES_BLOCK_SIZE} bytes`);
  if (ciphertext.length === AES_BLOCK_SIZE) return aesCbcDecrypt(key, ciphertext);
  const { blocks, tail } = blockShape(ciphertext.length);
  const lastFull = (blocks - 2) * AES_BLOCK_SIZE;
  // The block before the stolen tail is Cn. Decrypting it alone (ECB: a CBC block under a zero IV)
  // gives C(n-1) xor (Pn||0), whose last 16 - tail bytes are the bytes of C(n-1) that were stolen.
  const lastBlock = ciphertext.subarray(lastFull, lastFull + AES_BLOCK_SIZE);
  const mixed = aesCbcDecrypt(key, lastBlock);
  // Put the ciphertext back in CBC order, C(n-1) whole again, and decrypt it as plain CBC.
  const reordered = Buffer.alloc(blocks * AES_BLOCK_SIZE);
  try {
    reordered.set(ciphertext.subarray(0, lastFull), 0);
    reordered.set(ciphertext.subarray(lastFull + AES_BLOCK_SIZE), lastFull);
    reordered.set(mixed.subarray(tail), lastFull + tail);
    reordered.set(lastBlock, lastFull + AES_BLOCK_SIZE);
    const padded = aesCbcDecrypt(key, reordered);
    const plaintext = copySecret(padded, 0, ciphertext.length);
    wipe(padded);
    return plaintext;
  } finally {
    wipe(mixed);
  }
}
