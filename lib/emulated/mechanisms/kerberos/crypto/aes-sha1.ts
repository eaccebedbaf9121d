/**
 * aes128-cts-hmac-sha1-96 (17) and aes256-cts-hmac-sha1-96 (18), RFC 3962: RFC 3961's simplified
 * profile over AES-CTS with HMAC-SHA1 cut to 96 bits, keys derived with DK(), and string-to-key as
 * DK(PBKDF2-HMAC-SHA1(password, salt, iterations), "kerberos") (RFC 3962 4).
 */
import { pbkdf2Sync } from 'node:crypto';
import { copySecret, wipe, type SecretBuffer } from '../../../../secret';
import type { AesCtsHmacSuite } from './aes-cts-hmac';
import { aesDkDeriver, deriveKeyAes } from './key-derivation';
import { iterationCount } from './s2k-params';

/** RFC 3962 4: 4096 iterations when the KDC sends no s2kparams. */
export const AES_SHA1_DEFAULT_ITERATIONS = 4096;

/** The DK() constant of string-to-key (RFC 3962 4). */
const KERBEROS_CONSTANT = Buffer.from('kerberos', 'latin1');

function suite(name: string, keyLength: number): AesCtsHmacSuite {
  return {
    name,
    keyLength,
    hash: 'sha1',
    macLength: 12,
    macCoversCiphertext: false,
    keyDeriver: aesDkDeriver,
  };
}

/** aes128-cts-hmac-sha1-96 (RFC 3962 7). */
export const AES128_CTS_HMAC_SHA1_96 = suite('aes128-cts-hmac-sha1-96', 16);
/** aes256-cts-hmac-sha1-96 (RFC 3962 7). */
export const AES256_CTS_HMAC_SHA1_96 = suite('aes256-cts-hmac-sha1-96', 32);

/**
 * string-to-key (RFC 3962 4): the UTF-8 password and the salt (normally realm | principal name
 * components, RFC 4120 4) through PBKDF2-HMAC-SHA1, then DK(.., "kerberos").
 */
export function aesSha1StringToKey(
  aes: AesCtsHmacSuite,
  password: Uint8Array,
  salt: Uint8Array,
  s2kParams?: Uint8Array,
): SecretBuffer {
  const iterations = iterationCount(s2kParams, AES_SHA1_DEFAULT_ITERATIONS);
  const derived = pbkdf2Sync(password, salt, iterations, aes.keyLength, 'sha1');
  const tkey = copySecret(derived);
  wipe(derived);
  try {
    return deriveKeyAes(tkey, KERBEROS_CONSTANT);
  } finally {
    wipe(tkey);
  }
}
