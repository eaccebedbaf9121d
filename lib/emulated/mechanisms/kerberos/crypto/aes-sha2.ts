/**
 * aes128-cts-hmac-sha256-128 (19) and aes256-cts-hmac-sha384-192 (20), RFC 8009: AES-CTS with
 * HMAC-SHA-256/384 cut to 128/192 bits over IV | ciphertext, every key from KDF-HMAC-SHA2.
 */
import { pbkdf2Sync } from 'node:crypto';
import { copySecret, wipe, type SecretBuffer } from '../../../../secret';
import type { AesCtsHmacSuite } from './aes-cts-hmac';
import { KeyPurpose, usageConstant, type KeyDeriver } from './key-derivation';
import { kdfHmacSha2, type Sha2Hash } from './kdf-hmac-sha2';
import { iterationCount } from './s2k-params';

/** RFC 8009 4: 32768 iterations when the KDC sends no s2kparams. */
export const AES_SHA2_DEFAULT_ITERATIONS = 32768;

/** The KDF label of string-to-key (RFC 8009 4). */
const KERBEROS_LABEL = Buffer.from('kerberos', 'latin1');

/** An RFC 8009 suite with its hash, so string-to-key knows its PRF. */
export interface AesSha2Suite extends AesCtsHmacSuite {
  readonly hash: Sha2Hash;
}

function suite(name: string, keyLength: number, hash: Sha2Hash, macLength: number): AesSha2Suite {
  return {
    name,
    keyLength,
    hash,
    macLength,
    macCoversCiphertext: true,
    // RFC 8009 5: Ke is a whole key; Kc and Ki are as long as the MAC (128 bits, or 192 for -384).
    keyDeriver: (baseKey: Uint8Array): KeyDeriver => ({
      derive(usage, purpose) {
        const length = purpose === KeyPurpose.encryption ? keyLength : macLength;
        return kdfHmacSha2(hash, baseKey, usageConstant(usage, purpose), length);
      },
      dispose() {},
    }),
  };
}

/** aes128-cts-hmac-sha256-128 (RFC 8009 5). */
export const AES128_CTS_HMAC_SHA256_128 = suite('aes128-cts-hmac-sha256-128', 16, 'sha256', 16);
/** aes256-cts-hmac-sha384-192 (RFC 8009 5). */
export const AES256_CTS_HMAC_SHA384_192 = suite('aes256-cts-hmac-sha384-192', 32, 'sha384', 24);

/**
 * string-to-key (RFC 8009 4): PBKDF2 with the suite's hash over the UTF-8 password and
 * saltp = enctype name | 0x00 | salt, then KDF-HMAC-SHA2(.., "kerberos", key length).
 */
export function aesSha2StringToKey(
  aes: AesSha2Suite,
  password: Uint8Array,
  salt: Uint8Array,
  s2kParams?: Uint8Array,
): SecretBuffer {
  const iterations = iterationCount(s2kParams, AES_SHA2_DEFAULT_ITERATIONS);
  const saltp = Buffer.concat([Buffer.from(aes.name, 'latin1'), Buffer.from([0]), salt]);
  const derived = pbkdf2Sync(password, saltp, iterations, aes.keyLength, aes.hash);
  const tkey = copySecret(derived);
  wipe(derived);
  try {
    return kdfHmacSha2(aes.hash, tkey, KERBEROS_LABEL, aes.keyLength);
  } finally {
    wipe(tkey);
  }
}
