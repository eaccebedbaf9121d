import { randomBytes } from 'node:crypto';
import { isKerberosCryptoError } from '../../lib/emulated/mechanisms/kerberos/crypto/crypto-error';
import {
  ChecksumType,
  Enctype,
  checksumProfile,
  enctypeProfile,
} from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import { MAX_ITERATION_COUNT } from '../../lib/emulated/mechanisms/kerberos/crypto/s2k-params';

const ALL = Object.values(Enctype).map((enctype) => [enctype] as [number]);

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (isKerberosCryptoError(err)) return err.reason;
    throw err;
  }
  return undefined;
}

describe('the enctype table', () => {
  it('refuses an enctype and a checksum type it does not implement', () => {
    expect(reasonOf(() => enctypeProfile(3))).toBe('unsupported');
    expect(reasonOf(() => checksumProfile(7))).toBe('unsupported');
    expect(checksumProfile(ChecksumType.HMAC_SHA1_96_AES256).enctype).toBe(Enctype.AES256_CTS_HMAC_SHA1_96);
    expect(checksumProfile(ChecksumType.HMAC_MD5).enctype).toBe(Enctype.RC4_HMAC);
  });

  it.each(ALL)(
    'enctype %i round-trips every plaintext length up to 70 bytes and says its overhead',
    (enctype) => {
      const profile = enctypeProfile(enctype);
      const key = profile.randomToKey(randomBytes(profile.keyLength));
      for (let length = 0; length <= 70; length++) {
        const plaintext = randomBytes(length);
        const ciphertext = profile.encrypt(key, KeyUsage.AP_REQ_AUTHENTICATOR, plaintext);
        expect(ciphertext.length).toBe(length + profile.overhead);
        expect(profile.decrypt(key, KeyUsage.AP_REQ_AUTHENTICATOR, ciphertext).equals(plaintext)).toBe(true);
      }
      const sum = profile.checksum(key, KeyUsage.GSS_INITIATOR_SIGN, Buffer.from('data'));
      expect(sum.length).toBe(profile.checksumLength);
    },
  );

  it.each(ALL)(
    'enctype %i reports tampering, another usage and another key as integrity failures',
    (enctype) => {
      const profile = enctypeProfile(enctype);
      const key = profile.randomToKey(randomBytes(profile.keyLength));
      const ciphertext = profile.encrypt(key, KeyUsage.KDC_REP_TICKET, Buffer.from('ticket'));
      for (let at = 0; at < ciphertext.length; at++) {
        const tampered = Buffer.from(ciphertext);
        tampered[at] ^= 0x80;
        expect(reasonOf(() => profile.decrypt(key, KeyUsage.KDC_REP_TICKET, tampered))).toBe('integrity');
      }
      expect(reasonOf(() => profile.decrypt(key, KeyUsage.AS_REP_ENC_PART, ciphertext))).toBe('integrity');
      const otherKey = profile.randomToKey(randomBytes(profile.keyLength));
      expect(reasonOf(() => profile.decrypt(otherKey, KeyUsage.KDC_REP_TICKET, ciphertext))).toBe(
        'integrity',
      );

      const data = Buffer.from('mic');
      const sum = profile.checksum(key, KeyUsage.GSS_ACCEPTOR_SIGN, data);
      expect(reasonOf(() => profile.verifyChecksum(key, KeyUsage.GSS_INITIATOR_SIGN, data, sum))).toBe(
        'integrity',
      );
      expect(
        reasonOf(() => profile.verifyChecksum(key, KeyUsage.GSS_ACCEPTOR_SIGN, data, sum.subarray(1))),
      ).toBe('integrity');
    },
  );

  it.each(ALL)('enctype %i refuses short ciphertext, wrong key lengths and bad usages', (enctype) => {
    const profile = enctypeProfile(enctype);
    const key = profile.randomToKey(randomBytes(profile.keyLength));
    for (let length = 0; length < profile.overhead; length++)
      expect(reasonOf(() => profile.decrypt(key, 1, Buffer.alloc(length)))).toBe('malformed');
    const shortKey = Buffer.alloc(profile.keyLength - 1);
    expect(reasonOf(() => profile.encrypt(shortKey, 1, Buffer.alloc(1)))).toBe('bad-key');
    expect(reasonOf(() => profile.decrypt(shortKey, 1, Buffer.alloc(64)))).toBe('bad-key');
    expect(reasonOf(() => profile.checksum(shortKey, 1, Buffer.alloc(1)))).toBe('bad-key');
    expect(reasonOf(() => profile.randomToKey(shortKey))).toBe('bad-key');
    expect(reasonOf(() => profile.encrypt(key, -1, Buffer.alloc(1)))).toBe('bad-usage');
    expect(reasonOf(() => profile.checksum(key, 2 ** 32, Buffer.alloc(1)))).toBe('bad-usage');
  });

  it('bounds the iteration count a KDC can ask for and refuses malformed s2kparams', () => {
    const aes = enctypeProfile(Enctype.AES256_CTS_HMAC_SHA1_96);
    const params = Buffer.alloc(4);
    params.writeUInt32BE(MAX_ITERATION_COUNT + 1, 0);
    expect(reasonOf(() => aes.stringToKey(Buffer.from('pw'), Buffer.from('salt'), params))).toBe(
      'bad-params',
    );
    expect(reasonOf(() => aes.stringToKey(Buffer.from('pw'), Buffer.from('salt'), Buffer.alloc(4)))).toBe(
      'bad-params',
    );
    expect(reasonOf(() => aes.stringToKey(Buffer.from('pw'), Buffer.from('salt'), Buffer.alloc(3)))).toBe(
      'bad-params',
    );
  });
});
