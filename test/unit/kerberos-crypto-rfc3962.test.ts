import {
  AES128_CTS_HMAC_SHA1_96,
  AES256_CTS_HMAC_SHA1_96,
  aesSha1StringToKey,
} from '../../lib/emulated/mechanisms/kerberos/crypto/aes-sha1';
import { encryptAesCtsHmac } from '../../lib/emulated/mechanisms/kerberos/crypto/aes-cts-hmac';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const iterations = (count: number): Buffer => {
  const params = Buffer.alloc(4);
  params.writeUInt32BE(count, 0);
  return params;
};

describe('aes-cts-hmac-sha1-96 string-to-key', () => {
  // RFC 3962 appendix B, every string-to-key vector: iterations, pass phrase, salt, AES-128 key, AES-256 key.
  const athena = Buffer.from('ATHENA.MIT.EDUraeburn', 'latin1');
  const vectors: Array<[number, string, Buffer, string, string]> = [
    [
      1,
      'password',
      athena,
      '42263c6e89f4fc28b8df68ee09799f15',
      'fe697b52bc0d3ce14432ba036a92e65bbb52280990a2fa27883998d72af30161',
    ],
    [
      2,
      'password',
      athena,
      'c651bf29e2300ac27fa469d693bdda13',
      'a2e16d16b36069c135d5e9d2e25f896102685618b95914b467c67622225824ff',
    ],
    [
      1200,
      'password',
      athena,
      '4c01cd46d632d01e6dbe230a01ed642a',
      '55a6ac740ad17b4846941051e1e8b0a7548d93b0ab30a8bc3ff16280382b8c2a',
    ],
    [
      5,
      'password',
      hex('1234567878563412'),
      'e9b23d52273747dd5c35cb55be619d8e',
      '97a4e786be20d81a382d5ebc96d5909cabcdadc87ca48f574504159f16c36e31',
    ],
    [
      1200,
      'X'.repeat(64),
      Buffer.from('pass phrase equals block size', 'latin1'),
      '59d1bb789a828b1aa54ef9c2883f69ed',
      '89adee3608db8bc71f1bfbfe459486b05618b70cbae22092534e56c553ba4b34',
    ],
    [
      1200,
      'X'.repeat(65),
      Buffer.from('pass phrase exceeds block size', 'latin1'),
      'cb8005dc5f90179a7f02104c0018751d',
      'd78c5c9cb872a8c9dad4697f0bb5b2d21496c82beb2caeda2112fceea057401b',
    ],
    // U+1D11E MUSICAL SYMBOL G CLEF, as UTF-8.
    [
      50,
      '\u{1d11e}',
      Buffer.from('EXAMPLE.COMpianist', 'latin1'),
      'f149c1f2e154a73452d43e7fe62a56e5',
      '4b6d9839f84406df1f09cc166db4b83c571848b784a3d6bdc346589a3e393f9e',
    ],
  ];
  it.each(vectors)('%i iterations of %j match RFC 3962 B', (count, password, salt, key128, key256) => {
    const utf8 = Buffer.from(password, 'utf8');
    expect(aesSha1StringToKey(AES128_CTS_HMAC_SHA1_96, utf8, salt, iterations(count)).toString('hex')).toBe(
      key128,
    );
    expect(aesSha1StringToKey(AES256_CTS_HMAC_SHA1_96, utf8, salt, iterations(count)).toString('hex')).toBe(
      key256,
    );
  });

  it('runs 4096 iterations when there are no s2kparams (RFC 3962 4)', () => {
    const password = Buffer.from('password');
    const salt = Buffer.from('EXAMPLE.COMuser');
    expect(
      aesSha1StringToKey(AES128_CTS_HMAC_SHA1_96, password, salt).equals(
        aesSha1StringToKey(AES128_CTS_HMAC_SHA1_96, password, salt, iterations(4096)),
      ),
    ).toBe(true);
  });
});

// MIT krb5's known-answer tests (src/lib/crypto/crypto_tests/t_decrypt.c and t_cksums.c): ciphertexts
// and checksums MIT's own implementation made, an independent check of key derivation, CTS and HMAC.
const mitDecrypt: Array<[number, string, number, string, string]> = [
  [17, '', 0, '5a5c0f0ba54f3828b2195e66ca24a289', '49ff8e11c173d9583a3254fbe7b1f1df36c538e8416784a1672e6676'],
  [
    17,
    '1',
    1,
    '98450e3f3baa13f5c99beb936981b06f',
    'f86742f537b35dc2174a4dbaa920faf9042090b065e1ebb1cad9a65394',
  ],
  [
    17,
    '9 bytesss',
    2,
    '9062430c8cda3388922e6d6a509f5b7a',
    '68fb9679601f45c78857b2bf820fd6e53eca8d42fd4b1d7024a09205abb7cd2ec26c355d2f',
  ],
  [
    17,
    '13 bytes byte',
    3,
    '033ee6502c54fd23e27791e987983827',
    'ec366d0327a933bf49330e650e49bc6b974637fe80bf532fe51795b4809718e6194724db948d1fd637',
  ],
  [
    17,
    '30 bytes bytes bytes bytes byt',
    4,
    'dceeb70b3de76562e689226c76429148',
    'c96081032d5d8eeb7e32b4089f789d0faa481dea74c0f97cbf3146ddfcf8e800156ecb532fc203e30ff600b63b350939fece510f02d7ff1e7bac',
  ],
  [
    18,
    '',
    0,
    '17f275f2954f2ed1f90c377ba7f4d6a369aa0136e0bf0c927ad6133c693759a9',
    'e5094c55ee7b38262e2b044280b069379a95bf95bd8376fb3281b435',
  ],
  [
    18,
    '1',
    1,
    'b9477e1ff0329c0050e20ce6c72d2dff27e8fe541ab0954429a9cb5b4f7b1e2a',
    '406150b97aeb76d43b36b62cc1ecdfbe6f40e95755e0beb5c27825f3a4',
  ],
  [
    18,
    '9 bytesss',
    2,
    'b1ae4cd8462aff1677053cc9279aac30b796fb81ce21474dd3ddbcfea4ec76d7',
    '09957aa25fcaf88f7b39e4406e633012d5fea21853f6478da7065caef41fd454a40824eec5',
  ],
  [
    18,
    '13 bytes byte',
    3,
    'e5a72be9b7926c1225bafef9c1872e7ba4cdb2b17893d84abd90acdd8764d966',
    'd8f1aafeec84587cc3e700a774e56651a6d693e174ec4473b5e6d96f80297a653fb818ad893e719f96',
  ],
  [
    18,
    '30 bytes bytes bytes bytes byt',
    4,
    'f1c795e9248a09338d82c3f8d5b567040b0110736845041347235b1404231398',
    'd1137a4d634cfece924dbc3bf6790648bd5cff7de0e7b99460211d0daef3d79a295c688858f3b34b9cbd6eebae81daf6b734d4d498b6714f1c1d',
  ],
];

describe('aes-cts-hmac-sha1-96 encryption', () => {
  it.each(mitDecrypt)(
    'enctype %i decrypts MIT krb5 ciphertext of %j (usage %i)',
    (enctype, plaintext, usage, key, ciphertext) => {
      expect(enctypeProfile(enctype).decrypt(hex(key), usage, hex(ciphertext)).toString('latin1')).toBe(
        plaintext,
      );
    },
  );

  // The confounders MIT drew for two of those ciphertexts (the first block of their decryption):
  // with them our encryption must give MIT's bytes exactly.
  it('encrypts to MIT krb5 ciphertext given its confounder', () => {
    const [, plain128, usage128, key128, ct128] = mitDecrypt[2];
    expect(
      encryptAesCtsHmac(
        AES128_CTS_HMAC_SHA1_96,
        hex(key128),
        usage128,
        Buffer.from(plain128),
        hex('94b491f481485b9a0678cd3c4ea386ad'),
      ).toString('hex'),
    ).toBe(ct128);
    const [, plain256, usage256, key256, ct256] = mitDecrypt[9];
    expect(
      encryptAesCtsHmac(
        AES256_CTS_HMAC_SHA1_96,
        hex(key256),
        usage256,
        Buffer.from(plain256),
        hex('e45ca518b42e266ad98e165e706ffb60'),
      ).toString('hex'),
    ).toBe(ct256);
  });

  it('checksums as MIT krb5 does (hmac-sha1-96-aes128 and -aes256)', () => {
    const aes128 = enctypeProfile(Enctype.AES128_CTS_HMAC_SHA1_96);
    const aes256 = enctypeProfile(Enctype.AES256_CTS_HMAC_SHA1_96);
    const sum128 = aes128.checksum(
      hex('9062430c8cda3388922e6d6a509f5b7a'),
      3,
      Buffer.from('eight nine ten eleven twelve thirteen'),
    );
    expect(sum128.toString('hex')).toBe('01a4b088d45628f6946614e3');
    const key256 = hex('b1ae4cd8462aff1677053cc9279aac30b796fb81ce21474dd3ddbcfea4ec76d7');
    expect(aes256.checksum(key256, 4, Buffer.from('fourteen')).toString('hex')).toBe(
      'e08739e3279e2903ec8e3836',
    );
    expect(() =>
      aes256.verifyChecksum(key256, 4, Buffer.from('fourteen'), hex('e08739e3279e2903ec8e3836')),
    ).not.toThrow();
  });
});
