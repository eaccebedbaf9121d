/**
 * KDF-HMAC-SHA2 (RFC 8009 3): the SP 800-108 counter-mode KDF with HMAC-SHA-256 or -384 as its PRF,
 * the one key derivation of the RFC 8009 enctypes (protocol keys, and the base key of string-to-key).
 * Every output RFC 8009 asks for is at most one hash long, so the counter never passes 1.
 */
import { createHmac } from 'node:crypto';
import { copySecret, wipe, type SecretBuffer } from '../../../../secret';

/** The HMAC hashes RFC 8009 uses. */
export type Sha2Hash = 'sha256' | 'sha384';

const HASH_LENGTH: Record<Sha2Hash, number> = { sha256: 32, sha384: 48 };

/** The counter i = 1 as 32-bit big-endian, the 0x00 separator after the label, and no context. */
const COUNTER_ONE = Buffer.from([0, 0, 0, 1]);
const SEPARATOR = Buffer.from([0]);

/**
 * KDF-HMAC-SHA2(key, label, k) with an empty context: the first `length` bytes of
 * HMAC(key, 00000001 | label | 0x00 | k), k being `length` in bits as 32-bit big-endian.
 */
export function kdfHmacSha2(
  hash: Sha2Hash,
  key: Uint8Array,
  label: Uint8Array,
  length: number,
): SecretBuffer {
  if (length > HASH_LENGTH[hash]) throw new RangeError(`KDF-HMAC-SHA2 gives at most one ${hash} output`);
  const bits = Buffer.alloc(4);
  bits.writeUInt32BE(length * 8, 0);
  const mac = createHmac(hash, key).update(COUNTER_ONE).update(label).update(SEPARATOR).update(bits).digest();
  const out = copySecret(mac, 0, length);
  wipe(mac);
  return out;
}
