/**
 * Key derivation shared by the AES enctypes: the purpose constants and the derivation inputs of
 * RFC 3961 5.3 and RFC 8009 5, and RFC 3961's DR()/DK() over AES (5.1), which the RFC 3962
 * enctypes derive with (RFC 8009 uses its own KDF, kdf-hmac-sha2.ts).
 */
import { createCipheriv } from 'node:crypto';
import { allocSecret, wipe, type SecretBuffer } from '../../../../secret';
import { AES_BLOCK_SIZE, aesCbcEncrypt, cbcCipherName } from './aes-cts';
import { KerberosCryptoError } from './crypto-error';
import { nfold } from './nfold';

/** The byte after the usage number that says what a derived key is for (RFC 3961 5.3). */
export const KeyPurpose = {
  /** Kc, the checksum key. */
  checksum: 0x99,
  /** Ke, the encryption key. */
  encryption: 0xaa,
  /** Ki, the integrity key. */
  integrity: 0x55,
} as const;

/** One of the KeyPurpose bytes. */
export type KeyPurposeByte = (typeof KeyPurpose)[keyof typeof KeyPurpose];

/** Derives the protocol keys of one base key, which it borrows (RFC 3961 5.3: Kc, Ke, Ki per usage). */
export interface KeyDeriver {
  /** The key for `usage` and `purpose`, in memory the caller owns and wipes. */
  derive(usage: number, purpose: KeyPurposeByte): SecretBuffer;
  /** Release what the deriver holds (its cipher state). Idempotent. */
  dispose(): void;
}

/** The largest key usage number: usages are unsigned 32-bit (RFC 3961 3). */
const MAX_USAGE = 0xffffffff;

/** Refuses a usage that is not an unsigned 32-bit integer (RFC 3961 3). */
export function checkUsage(usage: number): void {
  if (!Number.isInteger(usage) || usage < 0 || usage > MAX_USAGE)
    throw new KerberosCryptoError('bad-usage', `a key usage is an unsigned 32-bit integer, not ${usage}`);
}

/** The 5-byte derivation constant: the usage as 32-bit big-endian, then the purpose byte (RFC 3961 5.3). */
export function usageConstant(usage: number, purpose: KeyPurposeByte): Buffer {
  checkUsage(usage);
  const constant = Buffer.alloc(5);
  constant.writeUInt32BE(usage, 0);
  constant[4] = purpose;
  return constant;
}

/**
 * DR(baseKey, constant) (RFC 3961 5.1) for AES: `length` pseudo-random bytes K1 | K2 | ..., where
 * K1 = E(baseKey, n-fold(constant)) and each next block encrypts the one before. That chain is
 * exactly AES-CBC under a zero IV of n-fold(constant) followed by zero blocks, so it is one call.
 * Every constant here (a usage constant, "kerberos") is shorter than a block, as the RFC's n-fold
 * step expects.
 */
export function deriveRandomAes(baseKey: Uint8Array, constant: Uint8Array, length: number): SecretBuffer {
  const blocks = Math.ceil(length / AES_BLOCK_SIZE);
  const input = Buffer.alloc(blocks * AES_BLOCK_SIZE);
  nfold(constant, AES_BLOCK_SIZE).copy(input);
  const stream = aesCbcEncrypt(baseKey, input);
  const out = allocSecret(length);
  out.set(stream.subarray(0, length));
  wipe(stream);
  return out;
}

/** DK(baseKey, constant) for AES: random-to-key(DR(...)), and AES's random-to-key is the identity (RFC 3962 6). */
export function deriveKeyAes(baseKey: Uint8Array, constant: Uint8Array): SecretBuffer {
  return deriveRandomAes(baseKey, constant, baseKey.length);
}

/**
 * n-fold(usage constant) to a block, for the usages seen so far (public values, a handful in use),
 * by number: nfold()'s own memo keys by hex text and hands out a copy, which showed in the profile.
 */
const FOLDED = new Map<number, Buffer>();
const FOLDED_CAP = 256;

function foldedUsageConstant(usage: number, purpose: KeyPurposeByte): Buffer {
  const id = usage * 256 + purpose;
  let folded = FOLDED.get(id);
  if (!folded) {
    folded = nfold(usageConstant(usage, purpose), AES_BLOCK_SIZE);
    if (FOLDED.size < FOLDED_CAP) FOLDED.set(id, folded);
  }
  return folded;
}

/**
 * DK() for AES (RFC 3961 5.1) over one base key for any number of constants, all through one
 * AES-CBC cipher object: each DR() is a CBC chain from a zero IV, and a cipher object that already
 * encrypted something chains from its last ciphertext block instead, so the first block of each
 * new input is XORed with that block, which cancels it (E(x xor c xor c) = E(x)). One cipher
 * object per base key instead of one per derived key (node:crypto's per-object cost dominates).
 */
export function aesDkDeriver(baseKey: Uint8Array): KeyDeriver {
  const cipher = createCipheriv(cbcCipherName(baseKey), baseKey, Buffer.alloc(AES_BLOCK_SIZE));
  cipher.setAutoPadding(false);
  // The cipher's chaining state: its last ciphertext block, a piece of a derived key.
  const chain = allocSecret(AES_BLOCK_SIZE);
  let disposed = false;
  return {
    derive(usage, purpose) {
      if (disposed) throw new RangeError('the key deriver was disposed');
      const length = baseKey.length;
      const input = Buffer.alloc(Math.ceil(length / AES_BLOCK_SIZE) * AES_BLOCK_SIZE);
      foldedUsageConstant(usage, purpose).copy(input);
      for (let i = 0; i < AES_BLOCK_SIZE; i++) input[i] ^= chain[i];
      const stream = cipher.update(input);
      chain.set(stream.subarray(stream.length - AES_BLOCK_SIZE));
      const out = allocSecret(length);
      out.set(stream.subarray(0, length));
      wipe(stream, input);
      return out;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      cipher.final();
      wipe(chain);
    },
  };
}
