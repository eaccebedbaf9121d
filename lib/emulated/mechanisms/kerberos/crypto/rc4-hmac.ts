/**
 * rc4-hmac (23) and its checksum hmac-md5 (-138), RFC 4757: the NT hash as the key, RC4 for
 * secrecy and HMAC-MD5 for integrity. Windows is retiring it; the enctype table marks it weak and
 * the protocol layer offers it only when a caller asks. The exportable variant (24) is not here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { copySecret, wipe, type SecretBuffer } from '../../../../secret';
import { utf16leOfUtf8 } from '../../../../secret-text';
import { hmacMd5 } from '../../../crypto/hmac-md5';
import { md4 } from '../../../crypto/md4';
import { rc4Once } from '../../../crypto/rc4';
import { KerberosCryptoError } from './crypto-error';
import { KeyUsage } from './key-usage';
import { checkUsage } from './key-derivation';

/** rc4-hmac keys are 16 bytes: an NT hash (RFC 4757 5). */
export const RC4_KEY_LENGTH = 16;
/** The HMAC-MD5 that leads the ciphertext and is the checksum (RFC 4757 4, 5). */
export const RC4_CHECKSUM_LENGTH = 16;
/** The confounder before the plaintext (RFC 4757 5). */
export const RC4_CONFOUNDER_LENGTH = 8;

/** RFC 4757 4: the checksum key is HMAC-MD5(key, "signaturekey" with its terminating NUL). */
const SIGNATURE_KEY_CONSTANT = Buffer.from('signaturekey\0', 'latin1');

function checkKey(key: Uint8Array): void {
  if (key.length !== RC4_KEY_LENGTH)
    throw new KerberosCryptoError('bad-key', `an rc4-hmac key is ${RC4_KEY_LENGTH} bytes, not ${key.length}`);
}

/**
 * The usage number as RC4-HMAC hashes it: 32-bit little-endian, with the AS-REP encrypted part sent
 * under 8 as Windows does (RFC 4757 3; MIT krb5 maps the same). The RFC 4757 7 GSS tokens carry
 * their own numbers and are built elsewhere.
 */
function messageType(usage: number): Buffer {
  checkUsage(usage);
  const translated = usage === KeyUsage.AS_REP_ENC_PART ? KeyUsage.TGS_REP_ENC_PART_SESSION_KEY : usage;
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(translated, 0);
  return bytes;
}

/** string-to-key (RFC 4757 5): MD4 of the UTF-16LE password; the salt and parameters play no part. */
export function rc4StringToKey(password: Uint8Array): SecretBuffer {
  const utf16 = utf16leOfUtf8(password);
  if (utf16 === undefined)
    throw new KerberosCryptoError('bad-password', 'the password is not well-formed UTF-8');
  try {
    return md4(utf16);
  } finally {
    wipe(utf16);
  }
}

/**
 * RFC 4757 5 encryption with the given confounder: K1 = HMAC-MD5(key, usage), the checksum
 * HMAC-MD5(K1, confounder | plaintext) first, then RC4 under K3 = HMAC-MD5(K1, checksum).
 */
export function rc4HmacEncrypt(
  key: Uint8Array,
  usage: number,
  plaintext: Uint8Array,
  confounder: Uint8Array,
): Buffer {
  checkKey(key);
  if (confounder.length !== RC4_CONFOUNDER_LENGTH)
    throw new RangeError(`the confounder is ${RC4_CONFOUNDER_LENGTH} bytes`);
  const k1 = hmacMd5(key, messageType(usage));
  const confounded = Buffer.concat([confounder, plaintext]);
  const checksum = hmacMd5(k1, confounded);
  const k3 = hmacMd5(k1, checksum);
  try {
    return Buffer.concat([checksum, rc4Once(k3, confounded)]);
  } finally {
    wipe(k1, k3, confounded);
  }
}

/**
 * RFC 4757 5 decryption, the plaintext without its confounder in memory of its own. Throws
 * `malformed` for input shorter than checksum and confounder, `integrity` when the HMAC fails.
 */
export function rc4HmacDecrypt(key: Uint8Array, usage: number, input: Uint8Array): SecretBuffer {
  checkKey(key);
  if (input.length < RC4_CHECKSUM_LENGTH + RC4_CONFOUNDER_LENGTH)
    throw new KerberosCryptoError(
      'malformed',
      `rc4-hmac ciphertext is at least ${RC4_CHECKSUM_LENGTH + RC4_CONFOUNDER_LENGTH} bytes, not ${input.length}`,
    );
  const checksum = input.subarray(0, RC4_CHECKSUM_LENGTH);
  const k1 = hmacMd5(key, messageType(usage));
  const k3 = hmacMd5(k1, checksum);
  const decrypted = rc4Once(k3, input.subarray(RC4_CHECKSUM_LENGTH));
  const confounded = copySecret(decrypted);
  wipe(decrypted, k3);
  try {
    const expected = hmacMd5(k1, confounded);
    const matches = timingSafeEqual(expected, checksum);
    wipe(expected);
    if (!matches)
      throw new KerberosCryptoError('integrity', 'the rc4-hmac ciphertext failed its integrity check');
    return copySecret(confounded, RC4_CONFOUNDER_LENGTH);
  } finally {
    wipe(k1, confounded);
  }
}

/**
 * The hmac-md5 checksum (RFC 4757 4): HMAC-MD5(Ksign, MD5(usage | data)), Ksign from "signaturekey".
 * `data` may come in parts (a GSS token's header, then the message), hashed without joining them.
 */
export function rc4HmacChecksum(key: Uint8Array, usage: number, ...data: Uint8Array[]): Buffer {
  checkKey(key);
  const ksign = hmacMd5(key, SIGNATURE_KEY_CONSTANT);
  try {
    const hash = createHash('md5').update(messageType(usage));
    for (const part of data) hash.update(part);
    const digest = hash.digest();
    return hmacMd5(ksign, digest);
  } finally {
    wipe(ksign);
  }
}

/** Verifies an hmac-md5 checksum in constant time; throws `integrity` when it does not match. */
export function rc4HmacVerifyChecksum(
  key: Uint8Array,
  usage: number,
  data: Uint8Array,
  checksum: Uint8Array,
): void {
  const expected = rc4HmacChecksum(key, usage, data);
  if (checksum.length !== expected.length || !timingSafeEqual(expected, checksum))
    throw new KerberosCryptoError('integrity', 'the hmac-md5 checksum does not verify');
}
