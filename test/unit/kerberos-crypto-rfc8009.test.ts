import {
  AES128_CTS_HMAC_SHA256_128,
  AES256_CTS_HMAC_SHA384_192,
  aesSha2StringToKey,
} from '../../lib/emulated/mechanisms/kerberos/crypto/aes-sha2';
import {
  decryptAesCtsHmac,
  encryptAesCtsHmac,
} from '../../lib/emulated/mechanisms/kerberos/crypto/aes-cts-hmac';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyPurpose } from '../../lib/emulated/mechanisms/kerberos/crypto/key-derivation';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');
// RFC 8009 appendix A: every sample uses key usage 2 and these base keys.
const USAGE = 2;
const BASE128 = hex('3705d96080c17728a0e800eab6e0d23c');
const BASE256 = hex('6d404d37faf79f9df0d33568d320669800eb4836472ea8a026d16b7182460c52');

describe('RFC 8009 string-to-key', () => {
  const salt = Buffer.concat([hex('10df9dd783e5bc8acea1730e74355f61'), Buffer.from('ATHENA.MIT.EDUraeburn')]);
  const params = hex('00008000');
  it('derives the appendix A keys (32768 iterations)', () => {
    const password = Buffer.from('password');
    expect(aesSha2StringToKey(AES128_CTS_HMAC_SHA256_128, password, salt, params).toString('hex')).toBe(
      '089bca48b105ea6ea77ca5d2f39dc5e7',
    );
    expect(aesSha2StringToKey(AES256_CTS_HMAC_SHA384_192, password, salt, params).toString('hex')).toBe(
      '45bd806dbf6a833a9cffc1c94589a222367a79bc21c413718906e9f578a78467',
    );
    // 32768 is also the default when the KDC sends no s2kparams (RFC 8009 4).
    expect(aesSha2StringToKey(AES128_CTS_HMAC_SHA256_128, password, salt).toString('hex')).toBe(
      '089bca48b105ea6ea77ca5d2f39dc5e7',
    );
  });
});

describe('RFC 8009 key derivation', () => {
  it.each([
    [
      'Kc',
      KeyPurpose.checksum,
      'b31a018a48f54776f403e9a396325dc3',
      'ef5718be86cc84963d8bbb5031e9f5c4ba41f28faf69e73d',
    ],
    [
      'Ke',
      KeyPurpose.encryption,
      '9b197dd1e8c5609d6e67c3e37c62c72e',
      '56ab22bee63d82d7bc5227f6773f8ea7a5eb1c825160c38312980c442e5c7e49',
    ],
    [
      'Ki',
      KeyPurpose.integrity,
      '9fda0e56ab2d85e1569a688696c26a6c',
      '69b16514e3cd8e56b82010d5c73012b622c4d00ffc23ed1f',
    ],
  ])('derives %s as appendix A gives it', (_name, purpose, key128, key256) => {
    expect(AES128_CTS_HMAC_SHA256_128.keyDeriver(BASE128).derive(USAGE, purpose).toString('hex')).toBe(
      key128,
    );
    expect(AES256_CTS_HMAC_SHA384_192.keyDeriver(BASE256).derive(USAGE, purpose).toString('hex')).toBe(
      key256,
    );
  });
});

describe('RFC 8009 encryption', () => {
  // Appendix A sample encryptions: plaintext, confounder, ciphertext (AES output | HMAC output).
  const samples128: Array<[string, string, string]> = [
    [
      '',
      '7e5895eaf2672435bad817f545a37148',
      'ef85fb890bb8472f4dab20394dca781dad877eda39d50c870c0d5a0a8e48c718',
    ],
    [
      '000102030405',
      '7bca285e2fd4130fb55b1a5c83bc5b24',
      '84d7f30754ed987bab0bf3506beb09cfb55402cef7e6877ce99e247e52d16ed4421dfdf8976c',
    ],
    [
      '000102030405060708090a0b0c0d0e0f',
      '56ab21713ff62c0a1457200f6fa9948f',
      '3517d640f50ddc8ad3628722b3569d2ae07493fa8263254080ea65c1008e8fc295fb4852e7d83e1e7c48c37eebe6b0d3',
    ],
    [
      '000102030405060708090a0b0c0d0e0f1011121314',
      'a7a4e29a4728ce10664fb64e49ad3fac',
      '720f73b18d9859cd6ccb4346115cd336c70f58edc0c4437c5573544c31c813bce1e6d072c186b39a413c2f92ca9b8334a287ffcbfc',
    ],
  ];
  const samples256: Array<[string, string, string]> = [
    [
      '',
      'f764e9fa15c276478b2c7d0c4e5f58e4',
      '41f53fa5bfe7026d91faf9be959195a058707273a96a40f0a01960621ac612748b9bbfbe7eb4ce3c',
    ],
    [
      '000102030405',
      'b80d3251c1f6471494256ffe712d0b9a',
      '4ed7b37c2bcac8f74f23c1cf07e62bc7b75fb3f637b9f559c7f664f69eab7b6092237526ea0d1f61cb20d69d10f2',
    ],
    [
      '000102030405060708090a0b0c0d0e0f',
      '53bf8a0d105265d4e276428624ce5e63',
      'bc47ffec7998eb91e8115cf8d19dac4bbbe2e163e87dd37f49beca92027764f68cf51f14d798c2273f35df574d1f932e40c4ff255b36a266',
    ],
    [
      '000102030405060708090a0b0c0d0e0f1011121314',
      '763e65367e864f02f55153c7e3b58af1',
      '40013e2df58e8751957d2878bcd2d6fe101ccfd556cb1eae79db3c3ee86429f2b2a602ac86fef6ecb647d6295fae077a1feb517508d2c16b4192e01f62',
    ],
  ];
  it.each(samples128)(
    'aes128-cts-hmac-sha256-128 encrypts %j to the appendix A ciphertext',
    (plain, confounder, ct) => {
      const out = encryptAesCtsHmac(AES128_CTS_HMAC_SHA256_128, BASE128, USAGE, hex(plain), hex(confounder));
      expect(out.toString('hex')).toBe(ct);
      expect(decryptAesCtsHmac(AES128_CTS_HMAC_SHA256_128, BASE128, USAGE, hex(ct)).toString('hex')).toBe(
        plain,
      );
    },
  );
  it.each(samples256)(
    'aes256-cts-hmac-sha384-192 encrypts %j to the appendix A ciphertext',
    (plain, confounder, ct) => {
      const out = encryptAesCtsHmac(AES256_CTS_HMAC_SHA384_192, BASE256, USAGE, hex(plain), hex(confounder));
      expect(out.toString('hex')).toBe(ct);
      expect(decryptAesCtsHmac(AES256_CTS_HMAC_SHA384_192, BASE256, USAGE, hex(ct)).toString('hex')).toBe(
        plain,
      );
    },
  );
});

describe('RFC 8009 checksums', () => {
  const data = hex('000102030405060708090a0b0c0d0e0f1011121314');
  it('makes and verifies the appendix A checksums (types 19 and 20)', () => {
    const aes128 = enctypeProfile(Enctype.AES128_CTS_HMAC_SHA256_128);
    const aes256 = enctypeProfile(Enctype.AES256_CTS_HMAC_SHA384_192);
    expect(aes128.checksumType).toBe(19);
    expect(aes256.checksumType).toBe(20);
    expect(aes128.checksum(BASE128, USAGE, data).toString('hex')).toBe('d78367186643d67b411cba9139fc1dee');
    expect(aes256.checksum(BASE256, USAGE, data).toString('hex')).toBe(
      '45ee791567eefca37f4ac1e0222de80d43c3bfa06699672a',
    );
    expect(() =>
      aes128.verifyChecksum(BASE128, USAGE, data, hex('d78367186643d67b411cba9139fc1dee')),
    ).not.toThrow();
  });
});
