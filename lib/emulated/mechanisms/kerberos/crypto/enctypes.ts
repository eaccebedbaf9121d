/**
 * The enctype table: what the Kerberos protocol code calls, by the etype number a KDC or a ticket
 * names (RFC 3961 3: the operations of an encryption type and its checksum type). Confounders come
 * from node:crypto's CSPRNG through the random pool: rc4-hmac's are drawn here, the AES family
 * draws its own straight into the buffer it encrypts; both families' functions also take one as
 * an argument so the RFCs' vectors can be replayed.
 */
import { copySecret, wipe, type SecretBuffer } from '../../../../secret';
import {
  CONFOUNDER_LENGTH,
  checksumAesCtsHmac,
  decryptAesCtsHmac,
  encryptAesCtsHmac,
  verifyChecksumAesCtsHmac,
  type AesCtsHmacSuite,
} from './aes-cts-hmac';
import { AES128_CTS_HMAC_SHA1_96, AES256_CTS_HMAC_SHA1_96, aesSha1StringToKey } from './aes-sha1';
import { AES128_CTS_HMAC_SHA256_128, AES256_CTS_HMAC_SHA384_192, aesSha2StringToKey } from './aes-sha2';
import { bindAesKey, type BoundKey } from './bound-key';
import { KerberosCryptoError } from './crypto-error';
import { randomSecret } from './random-pool';
import {
  RC4_CHECKSUM_LENGTH,
  RC4_CONFOUNDER_LENGTH,
  RC4_KEY_LENGTH,
  rc4HmacChecksum,
  rc4HmacDecrypt,
  rc4HmacEncrypt,
  rc4HmacVerifyChecksum,
  rc4StringToKey,
} from './rc4-hmac';

/** Encryption type numbers (IANA Kerberos parameters; RFC 3962 7, RFC 8009 8, RFC 4757). */
export const Enctype = {
  AES128_CTS_HMAC_SHA1_96: 17,
  AES256_CTS_HMAC_SHA1_96: 18,
  AES128_CTS_HMAC_SHA256_128: 19,
  AES256_CTS_HMAC_SHA384_192: 20,
  RC4_HMAC: 23,
} as const;

/**
 * Checksum type numbers. RFC 8009 8 assigns 19 and 20 to its checksums (not 21/22); hmac-md5 is
 * Microsoft's -138 (RFC 4757 4).
 */
export const ChecksumType = {
  HMAC_SHA1_96_AES128: 15,
  HMAC_SHA1_96_AES256: 16,
  HMAC_SHA256_128_AES128: 19,
  HMAC_SHA384_192_AES256: 20,
  HMAC_MD5: -138,
} as const;

/** One encryption type's parameters and operations (RFC 3961 3). Keys are `keyLength` bytes. */
export interface EnctypeProfile {
  /** The etype number. */
  readonly enctype: number;
  /** The RFC's name, e.g. 'aes256-cts-hmac-sha1-96'. */
  readonly name: string;
  /** Protocol key length in bytes; also the length random-to-key takes. */
  readonly keyLength: number;
  /** The message block size (RFC 3961 3): 1 for the stream-like enctypes, AES-CTS and RC4 alike. */
  readonly blockSize: number;
  /** The checksum type this enctype's keys make (RFC 3961 3: the associated checksum). */
  readonly checksumType: number;
  /** Length of that checksum in bytes. */
  readonly checksumLength: number;
  /** Bytes encrypt() adds to the plaintext: confounder and integrity MAC. */
  readonly overhead: number;
  /** True for enctypes a caller must enable explicitly (rc4-hmac: RFC 8429 deprecates it). */
  readonly weak: boolean;
  /** string-to-key of a UTF-8 password and a salt, with the KDC's s2kparams if it sent any. */
  stringToKey(password: Uint8Array, salt: Uint8Array, s2kParams?: Uint8Array): SecretBuffer;
  /** random-to-key of `keyLength` random bytes. */
  randomToKey(random: Uint8Array): SecretBuffer;
  /** encrypt(key, usage, plaintext) with a fresh random confounder. */
  encrypt(key: Uint8Array, usage: number, plaintext: Uint8Array): Buffer;
  /** decrypt(); throws KerberosCryptoError `integrity` or `malformed` for ciphertext that is not ours. */
  decrypt(key: Uint8Array, usage: number, ciphertext: Uint8Array): SecretBuffer;
  /** The keyed checksum of `data`. */
  checksum(key: Uint8Array, usage: number, data: Uint8Array): Buffer;
  /** Verifies a keyed checksum in constant time; throws KerberosCryptoError `integrity` if it does not match. */
  verifyChecksum(key: Uint8Array, usage: number, data: Uint8Array, checksum: Uint8Array): void;
  /**
   * These operations bound to a copy of `key`, the keys derived from it kept until the bound key's
   * dispose(), which the caller must call; throws KerberosCryptoError `bad-key` for a key of
   * another length.
   */
  bind(key: Uint8Array): BoundKey;
}

/** random-to-key for the enctypes whose keys are any `keyLength` bytes (RFC 3962 6, RFC 8009 5, RFC 4757). */
function identityRandomToKey(name: string, keyLength: number): (random: Uint8Array) => SecretBuffer {
  return (random) => {
    if (random.length !== keyLength)
      throw new KerberosCryptoError(
        'bad-key',
        `${name} random-to-key takes ${keyLength} bytes, not ${random.length}`,
      );
    return copySecret(random);
  };
}

function checkKeyLength(name: string, keyLength: number, key: Uint8Array): void {
  if (key.length !== keyLength)
    throw new KerberosCryptoError('bad-key', `a ${name} key is ${keyLength} bytes, not ${key.length}`);
}

function aesProfile(
  enctype: number,
  checksumType: number,
  suite: AesCtsHmacSuite,
  stringToKey: EnctypeProfile['stringToKey'],
): EnctypeProfile {
  return {
    enctype,
    name: suite.name,
    keyLength: suite.keyLength,
    blockSize: 1,
    checksumType,
    checksumLength: suite.macLength,
    overhead: CONFOUNDER_LENGTH + suite.macLength,
    weak: false,
    stringToKey,
    randomToKey: identityRandomToKey(suite.name, suite.keyLength),
    encrypt: (key, usage, plaintext) => encryptAesCtsHmac(suite, key, usage, plaintext),
    decrypt: (key, usage, ciphertext) => decryptAesCtsHmac(suite, key, usage, ciphertext),
    checksum: (key, usage, data) => checksumAesCtsHmac(suite, key, usage, data),
    verifyChecksum: (key, usage, data, checksum) =>
      verifyChecksumAesCtsHmac(suite, key, usage, data, checksum),
    bind(key) {
      checkKeyLength(suite.name, suite.keyLength, key);
      return bindAesKey(suite, key);
    },
  };
}

const RC4_HMAC_PROFILE: EnctypeProfile = {
  enctype: Enctype.RC4_HMAC,
  name: 'rc4-hmac',
  keyLength: RC4_KEY_LENGTH,
  blockSize: 1,
  checksumType: ChecksumType.HMAC_MD5,
  checksumLength: RC4_CHECKSUM_LENGTH,
  overhead: RC4_CHECKSUM_LENGTH + RC4_CONFOUNDER_LENGTH,
  weak: true,
  stringToKey: (password) => rc4StringToKey(password),
  randomToKey: identityRandomToKey('rc4-hmac', RC4_KEY_LENGTH),
  encrypt(key, usage, plaintext) {
    const confounder = randomSecret(RC4_CONFOUNDER_LENGTH);
    try {
      return rc4HmacEncrypt(key, usage, plaintext, confounder);
    } finally {
      wipe(confounder);
    }
  },
  decrypt: rc4HmacDecrypt,
  checksum: rc4HmacChecksum,
  verifyChecksum: rc4HmacVerifyChecksum,
  // RFC 4757 derives per message (K1 from the usage, K3 from the checksum): nothing worth keeping.
  bind(key) {
    checkKeyLength('rc4-hmac', RC4_KEY_LENGTH, key);
    const copy = copySecret(key);
    let disposed = false;
    const live = (): SecretBuffer => {
      if (disposed) throw new KerberosCryptoError('bad-key', 'the rc4-hmac key was disposed');
      return copy;
    };
    return {
      encrypt: (usage, plaintext) => RC4_HMAC_PROFILE.encrypt(live(), usage, plaintext),
      decrypt: (usage, ciphertext) => rc4HmacDecrypt(live(), usage, ciphertext),
      checksum: (usage, data) => rc4HmacChecksum(live(), usage, data),
      verifyChecksum: (usage, data, checksum) => rc4HmacVerifyChecksum(live(), usage, data, checksum),
      dispose() {
        disposed = true;
        wipe(copy);
      },
    };
  },
};

const PROFILES: ReadonlyMap<number, EnctypeProfile> = new Map(
  [
    aesProfile(
      Enctype.AES128_CTS_HMAC_SHA1_96,
      ChecksumType.HMAC_SHA1_96_AES128,
      AES128_CTS_HMAC_SHA1_96,
      (p, s, q) => aesSha1StringToKey(AES128_CTS_HMAC_SHA1_96, p, s, q),
    ),
    aesProfile(
      Enctype.AES256_CTS_HMAC_SHA1_96,
      ChecksumType.HMAC_SHA1_96_AES256,
      AES256_CTS_HMAC_SHA1_96,
      (p, s, q) => aesSha1StringToKey(AES256_CTS_HMAC_SHA1_96, p, s, q),
    ),
    aesProfile(
      Enctype.AES128_CTS_HMAC_SHA256_128,
      ChecksumType.HMAC_SHA256_128_AES128,
      AES128_CTS_HMAC_SHA256_128,
      (p, s, q) => aesSha2StringToKey(AES128_CTS_HMAC_SHA256_128, p, s, q),
    ),
    aesProfile(
      Enctype.AES256_CTS_HMAC_SHA384_192,
      ChecksumType.HMAC_SHA384_192_AES256,
      AES256_CTS_HMAC_SHA384_192,
      (p, s, q) => aesSha2StringToKey(AES256_CTS_HMAC_SHA384_192, p, s, q),
    ),
    RC4_HMAC_PROFILE,
  ].map((profile) => [profile.enctype, profile]),
);

const PROFILES_BY_CHECKSUM_TYPE: ReadonlyMap<number, EnctypeProfile> = new Map(
  [...PROFILES.values()].map((profile) => [profile.checksumType, profile]),
);

/** The profile of etype `enctype`; throws KerberosCryptoError `unsupported` for one we do not implement. */
export function enctypeProfile(enctype: number): EnctypeProfile {
  const profile = PROFILES.get(enctype);
  if (!profile) throw new KerberosCryptoError('unsupported', `encryption type ${enctype} is not supported`);
  return profile;
}

/**
 * The profile whose keyed checksum is `checksumType`, for verifying a Checksum a peer labelled;
 * throws `unsupported` for any other, the unkeyed ones (CRC32, MD5) included.
 */
export function checksumProfile(checksumType: number): EnctypeProfile {
  const profile = PROFILES_BY_CHECKSUM_TYPE.get(checksumType);
  if (!profile)
    throw new KerberosCryptoError('unsupported', `checksum type ${checksumType} is not supported`);
  return profile;
}
