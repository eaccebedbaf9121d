import { AES256_CTS_HMAC_SHA1_96 } from '../../lib/emulated/mechanisms/kerberos/crypto/aes-sha1';
import { AES128_CTS_HMAC_SHA256_128 } from '../../lib/emulated/mechanisms/kerberos/crypto/aes-sha2';
import type { AesCtsHmacSuite } from '../../lib/emulated/mechanisms/kerberos/crypto/aes-cts-hmac';
import { DERIVED_KEY_CAP } from '../../lib/emulated/mechanisms/kerberos/crypto/bound-key';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyPurpose } from '../../lib/emulated/mechanisms/kerberos/crypto/key-derivation';
import { CfxProtection, cfxCipherOf, KG_USAGE } from '../../lib/emulated/mechanisms/kerberos/cfx';

const KEY256 = Buffer.from('fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161', 'hex');
const KEY128 = Buffer.from('3705d96080c17728a0e800eab6e0d23c', 'hex');
const MESSAGE = Buffer.from('a message sealed and signed more than once');

/** Every derive() call through `suite`'s derivers, with the key each one returned. */
function countDerivations(suite: AesCtsHmacSuite): Array<{ usage: number; purpose: number; key: Buffer }> {
  const calls: Array<{ usage: number; purpose: number; key: Buffer }> = [];
  const original = suite.keyDeriver.bind(suite);
  jest.spyOn(suite, 'keyDeriver').mockImplementation((baseKey) => {
    const deriver = original(baseKey);
    return {
      derive(usage, purpose) {
        const key = deriver.derive(usage, purpose);
        calls.push({ usage, purpose, key });
        return key;
      },
      dispose: () => deriver.dispose(),
    };
  });
  return calls;
}

afterEach(() => jest.restoreAllMocks());

describe.each([
  ['aes256-cts-hmac-sha1-96', Enctype.AES256_CTS_HMAC_SHA1_96, AES256_CTS_HMAC_SHA1_96, KEY256],
  ['aes128-cts-hmac-sha256-128', Enctype.AES128_CTS_HMAC_SHA256_128, AES128_CTS_HMAC_SHA256_128, KEY128],
])('a bound %s key', (_name, enctype, suite, key) => {
  const profile = enctypeProfile(enctype);

  it('agrees with the unbound operations both ways', () => {
    const bound = profile.bind(key);
    try {
      expect(profile.decrypt(key, 24, bound.encrypt(24, MESSAGE)).equals(MESSAGE)).toBe(true);
      expect(bound.decrypt(22, profile.encrypt(key, 22, MESSAGE)).equals(MESSAGE)).toBe(true);
      expect(bound.checksum(25, MESSAGE).equals(profile.checksum(key, 25, MESSAGE))).toBe(true);
      expect(() => bound.verifyChecksum(25, MESSAGE, profile.checksum(key, 25, MESSAGE))).not.toThrow();
      expect(() => bound.verifyChecksum(23, MESSAGE, profile.checksum(key, 25, MESSAGE))).toThrow(
        expect.objectContaining({ reason: 'integrity' }),
      );
    } finally {
      bound.dispose();
    }
  });

  it('decrypts into memory that holds the plaintext and zeros, no confounder', () => {
    const bound = profile.bind(key);
    try {
      for (const plain of [
        bound.decrypt(22, profile.encrypt(key, 22, MESSAGE)),
        profile.decrypt(key, 24, bound.encrypt(24, MESSAGE)),
      ]) {
        expect(plain.equals(MESSAGE)).toBe(true);
        const memory = Buffer.from(plain.buffer);
        memory.fill(0, plain.byteOffset, plain.byteOffset + plain.length);
        expect(memory.every((b) => b === 0)).toBe(true);
      }
    } finally {
      bound.dispose();
    }
  });

  it('derives each usage key once however many messages use it', () => {
    const calls = countDerivations(suite);
    const bound = profile.bind(key);
    for (let i = 0; i < 3; i++) {
      expect(bound.decrypt(24, bound.encrypt(24, MESSAGE)).equals(MESSAGE)).toBe(true);
      bound.checksum(25, MESSAGE);
    }
    expect(calls.map(({ usage, purpose }) => [usage, purpose])).toEqual([
      [24, KeyPurpose.encryption],
      [24, KeyPurpose.integrity],
      [25, KeyPurpose.checksum],
    ]);
    bound.dispose();
  });

  it('wipes every derived key on dispose() and refuses use afterwards', () => {
    const calls = countDerivations(suite);
    const bound = profile.bind(key);
    bound.encrypt(24, MESSAGE);
    bound.checksum(25, MESSAGE);
    expect(calls.every(({ key: derived }) => derived.some((byte) => byte !== 0))).toBe(true);
    bound.dispose();
    bound.dispose();
    expect(calls).toHaveLength(3);
    expect(calls.every(({ key: derived }) => derived.every((byte) => byte === 0))).toBe(true);
    expect(() => bound.encrypt(24, MESSAGE)).toThrow(expect.objectContaining({ reason: 'bad-key' }));
    expect(key.some((byte) => byte !== 0)).toBe(true);
  });

  it(`keeps at most ${DERIVED_KEY_CAP} derived keys, wiping the least recently used`, () => {
    const expected = profile.checksum(key, 1, MESSAGE);
    const calls = countDerivations(suite);
    const bound = profile.bind(key);
    const usages = DERIVED_KEY_CAP + 4;
    for (let usage = 1; usage <= usages; usage++) bound.checksum(usage, MESSAGE);
    const wiped = calls.filter(({ key: derived }) => derived.every((byte) => byte === 0));
    expect(wiped.map(({ usage }) => usage)).toEqual([1, 2, 3, 4]);
    // The first usage was dropped: using it again derives it again, and still agrees.
    expect(bound.checksum(1, MESSAGE).equals(expected)).toBe(true);
    expect(calls).toHaveLength(usages + 1);
    bound.dispose();
  });
});

describe('a bound key refuses', () => {
  it('a key of the wrong length', () => {
    expect(() => enctypeProfile(Enctype.AES256_CTS_HMAC_SHA1_96).bind(KEY128)).toThrow(
      expect.objectContaining({ reason: 'bad-key' }),
    );
  });
});

describe('cfxCipherOf', () => {
  it('binds the context key once and wipes its derived keys on dispose()', () => {
    const calls = countDerivations(AES256_CTS_HMAC_SHA1_96);
    const cipher = cfxCipherOf(enctypeProfile(Enctype.AES256_CTS_HMAC_SHA1_96), KEY256);
    for (let i = 0; i < 2; i++)
      cipher.decrypt(KG_USAGE.INITIATOR_SEAL, cipher.encrypt(KG_USAGE.INITIATOR_SEAL, MESSAGE));
    expect(calls).toHaveLength(2);
    cipher.dispose();
    expect(calls.every(({ key: derived }) => derived.every((byte) => byte === 0))).toBe(true);
  });
});

describe('CfxProtection.dispose', () => {
  it('wipes its cipher’s derived keys', () => {
    const calls = countDerivations(AES256_CTS_HMAC_SHA1_96);
    const protection = new CfxProtection({
      role: 'initiator',
      cipher: cfxCipherOf(enctypeProfile(Enctype.AES256_CTS_HMAC_SHA1_96), KEY256),
      acceptorSubkey: false,
      sendSequence: 0n,
      receiveSequence: 0n,
    });
    protection.wrap(MESSAGE);
    protection.getMic(MESSAGE);
    expect(calls).toHaveLength(3);
    protection.dispose();
    expect(calls.every(({ key: derived }) => derived.every((byte) => byte === 0))).toBe(true);
    expect(() => protection.wrap(MESSAGE)).toThrow(expect.objectContaining({ reason: 'bad-key' }));
  });
});
