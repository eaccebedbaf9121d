/**
 * Encrypt-and-MAC over AES-CTS, the shape both AES families share: a 16-byte confounder before the
 * plaintext, AES-CTS under Ke, an HMAC under Ki cut to the checksum length after it (RFC 3961 5.3,
 * RFC 8009 5), and checksums as an HMAC under Kc cut the same way. The families differ in how
 * Kc/Ke/Ki are derived and in what the integrity HMAC covers: RFC 3961's simplified profile MACs
 * the plaintext (confounder included), RFC 8009 MACs the zero IV and the ciphertext, so a receiver
 * checks integrity before it decrypts anything.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { allocSecret, wipe, type SecretBuffer } from '../../../../secret';
import { AES_BLOCK_SIZE, aesCtsDecrypt, aesCtsEncryptPadded, paddedLength } from './aes-cts';
import { KerberosCryptoError } from './crypto-error';
import { KeyPurpose, type KeyDeriver } from './key-derivation';
import { fillRandom } from './random-pool';

/** One AES enctype's parameters and its key derivation. */
export interface AesCtsHmacSuite {
  /** The enctype's name, for messages. */
  readonly name: string;
  /** The protocol key length in bytes: 16 for AES-128, 32 for AES-256. */
  readonly keyLength: number;
  /** The HMAC hash. */
  readonly hash: 'sha1' | 'sha256' | 'sha384';
  /** How many leading bytes of the HMAC are kept, for integrity and for checksums. */
  readonly macLength: number;
  /** True where the integrity HMAC covers IV | ciphertext (RFC 8009 5), false where it covers the plaintext. */
  readonly macCoversCiphertext: boolean;
  /** A deriver of Kc, Ke and Ki of `baseKey` (borrowed), which the caller disposes. */
  keyDeriver(baseKey: Uint8Array): KeyDeriver;
}

/** The confounder is one block of random bytes (RFC 3962 6, RFC 8009 5). */
export const CONFOUNDER_LENGTH = AES_BLOCK_SIZE;

/** The zero IV RFC 8009 5 puts before the ciphertext in the integrity HMAC. */
const ZERO_IV = Buffer.alloc(AES_BLOCK_SIZE);

function checkKey(suite: AesCtsHmacSuite, key: Uint8Array): void {
  if (key.length !== suite.keyLength)
    throw new KerberosCryptoError(
      'bad-key',
      `a ${suite.name} key is ${suite.keyLength} bytes, not ${key.length}`,
    );
}

/** HMAC(key, parts...) cut to the suite's MAC length. */
function truncatedHmac(suite: AesCtsHmacSuite, key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const hmac = createHmac(suite.hash, key);
  for (const part of parts) hmac.update(part);
  return hmac.digest().subarray(0, suite.macLength);
}

/** Constant-time equality of a MAC we computed and one we were given (RFC 3961 5.3: verify). */
function macMatches(expected: Buffer, received: Uint8Array): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/** The Ke and Ki of one usage (RFC 3961 5.3), borrowed from whoever derived them. */
export interface UsageKeys {
  readonly ke: Uint8Array;
  readonly ki: Uint8Array;
}

/** Ke and Ki of `baseKey` for `usage`, through one deriver; the caller wipes both. */
function deriveUsageKeys(suite: AesCtsHmacSuite, baseKey: Uint8Array, usage: number): UsageKeys {
  checkKey(suite, baseKey);
  const deriver = suite.keyDeriver(baseKey);
  try {
    return {
      ke: deriver.derive(usage, KeyPurpose.encryption),
      ki: deriver.derive(usage, KeyPurpose.integrity),
    };
  } finally {
    deriver.dispose();
  }
}

/**
 * Encryption of `plaintext` with the given confounder (a test vector's), else a random one;
 * ciphertext | truncated HMAC.
 */
export function encryptAesCtsHmac(
  suite: AesCtsHmacSuite,
  baseKey: Uint8Array,
  usage: number,
  plaintext: Uint8Array,
  confounder?: Uint8Array,
): Buffer {
  const keys = deriveUsageKeys(suite, baseKey, usage);
  try {
    return sealAesCtsHmac(suite, keys, plaintext, confounder);
  } finally {
    wipe(keys.ke, keys.ki);
  }
}

/**
 * encryptAesCtsHmac() under Ke and Ki already derived, with `confounder`, or one drawn from the
 * random pool when it is left out. The confounder and plaintext are laid out once, in the padded
 * buffer AES-CTS encrypts, which the simplified profile's MAC also covers.
 */
export function sealAesCtsHmac(
  suite: AesCtsHmacSuite,
  { ke, ki }: UsageKeys,
  plaintext: Uint8Array,
  confounder?: Uint8Array,
): Buffer {
  if (confounder && confounder.length !== CONFOUNDER_LENGTH)
    throw new RangeError(`the confounder is ${CONFOUNDER_LENGTH} bytes`);
  const length = CONFOUNDER_LENGTH + plaintext.length;
  const padded = allocSecret(paddedLength(length));
  if (confounder) padded.set(confounder);
  else fillRandom(padded.subarray(0, CONFOUNDER_LENGTH));
  padded.set(plaintext, CONFOUNDER_LENGTH);
  try {
    const ciphertext = aesCtsEncryptPadded(ke, padded, length);
    const mac = suite.macCoversCiphertext
      ? truncatedHmac(suite, ki, ZERO_IV, ciphertext)
      : truncatedHmac(suite, ki, padded.subarray(0, length));
    return Buffer.concat([ciphertext, mac]);
  } finally {
    wipe(padded);
  }
}

/**
 * Decryption of what encryptAesCtsHmac() made: the plaintext without its confounder, in secret
 * memory that only it and the zeroed confounder before it use. Throws `malformed` for input too short to hold a confounder and a MAC, `integrity` when the
 * MAC does not verify (tampered, or another key or usage).
 */
export function decryptAesCtsHmac(
  suite: AesCtsHmacSuite,
  baseKey: Uint8Array,
  usage: number,
  input: Uint8Array,
): SecretBuffer {
  checkLength(suite, input);
  const keys = deriveUsageKeys(suite, baseKey, usage);
  try {
    return openAesCtsHmac(suite, keys, input);
  } finally {
    wipe(keys.ke, keys.ki);
  }
}

function checkLength(suite: AesCtsHmacSuite, input: Uint8Array): void {
  if (input.length < CONFOUNDER_LENGTH + suite.macLength)
    throw new KerberosCryptoError(
      'malformed',
      `${suite.name} ciphertext is at least ${CONFOUNDER_LENGTH + suite.macLength} bytes, not ${input.length}`,
    );
}

/** decryptAesCtsHmac() under Ke and Ki already derived. */
export function openAesCtsHmac(
  suite: AesCtsHmacSuite,
  { ke, ki }: UsageKeys,
  input: Uint8Array,
): SecretBuffer {
  checkLength(suite, input);
  const ciphertext = input.subarray(0, input.length - suite.macLength);
  const receivedMac = input.subarray(input.length - suite.macLength);
  let confounded: SecretBuffer | undefined;
  try {
    if (suite.macCoversCiphertext && !macMatches(truncatedHmac(suite, ki, ZERO_IV, ciphertext), receivedMac))
      throw integrityFailure(suite);
    confounded = aesCtsDecrypt(ke, ciphertext);
    if (!suite.macCoversCiphertext && !macMatches(truncatedHmac(suite, ki, confounded), receivedMac))
      throw integrityFailure(suite);
    // The plaintext stays where it was decrypted, the confounder before it zeroed.
    confounded.fill(0, 0, CONFOUNDER_LENGTH);
    const plaintext = confounded.subarray(CONFOUNDER_LENGTH);
    confounded = undefined;
    return plaintext;
  } finally {
    wipe(confounded);
  }
}

function integrityFailure(suite: AesCtsHmacSuite): KerberosCryptoError {
  return new KerberosCryptoError('integrity', `the ${suite.name} ciphertext failed its integrity check`);
}

/** The checksum of `data`: HMAC under Kc, cut to the MAC length (RFC 3961 5.4, RFC 8009 5). */
export function checksumAesCtsHmac(
  suite: AesCtsHmacSuite,
  baseKey: Uint8Array,
  usage: number,
  data: Uint8Array,
): Buffer {
  checkKey(suite, baseKey);
  const deriver = suite.keyDeriver(baseKey);
  let kc: SecretBuffer | undefined;
  try {
    kc = deriver.derive(usage, KeyPurpose.checksum);
    return macAesCtsHmac(suite, kc, data);
  } finally {
    deriver.dispose();
    wipe(kc);
  }
}

/** checksumAesCtsHmac() under Kc already derived. */
export function macAesCtsHmac(suite: AesCtsHmacSuite, kc: Uint8Array, data: Uint8Array): Buffer {
  return truncatedHmac(suite, kc, data);
}

/** Verifies a checksum in constant time; throws `integrity` when it does not match. */
export function verifyChecksumAesCtsHmac(
  suite: AesCtsHmacSuite,
  baseKey: Uint8Array,
  usage: number,
  data: Uint8Array,
  checksum: Uint8Array,
): void {
  checkChecksum(suite, checksumAesCtsHmac(suite, baseKey, usage, data), checksum);
}

/** Throws `integrity` unless the checksum computed equals the one received, in constant time. */
export function checkChecksum(suite: AesCtsHmacSuite, computed: Buffer, received: Uint8Array): void {
  if (!macMatches(computed, received))
    throw new KerberosCryptoError('integrity', `the ${suite.name} checksum does not verify`);
}
