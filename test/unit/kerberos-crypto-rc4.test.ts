import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { rc4StringToKey } from '../../lib/emulated/mechanisms/kerberos/crypto/rc4-hmac';

const hex = (text: string): Buffer => Buffer.from(text, 'hex');
const rc4 = enctypeProfile(Enctype.RC4_HMAC);

describe('rc4-hmac', () => {
  it('is marked weak, so the protocol layer offers it only when asked', () => {
    expect(rc4.weak).toBe(true);
    expect(rc4.checksumType).toBe(-138);
  });

  // RFC 4757 publishes no vectors. The NT hash of "password" is the well-known MS-NLMP one.
  it('string-to-key is MD4 of the UTF-16LE password, ignoring the salt', () => {
    expect(rc4StringToKey(Buffer.from('password')).toString('hex')).toBe('8846f7eaee8fb117ad06bdd830b7586c');
    expect(rc4.stringToKey(Buffer.from('password'), Buffer.from('ANY.REALMuser')).toString('hex')).toBe(
      '8846f7eaee8fb117ad06bdd830b7586c',
    );
    expect(() => rc4StringToKey(Buffer.from([0xc3]))).toThrow(
      expect.objectContaining({ reason: 'bad-password' }),
    );
  });

  // MIT krb5 known answers (t_decrypt.c): ciphertexts MIT's rc4-hmac made; usage 3 checks the
  // AS-REP usage translation to 8 (RFC 4757 3).
  const mit: Array<[string, number, string, string]> = [
    ['', 0, 'f81fec39255f5784e850c4377c88bd85', '02c1eb15586144122ec717763dd348bf00434ddc6585954c'],
    ['1', 1, '67d1300d281223867f9647ff48721273', '6156e0cc04e0a0874f9fda008f498a7adbbc80b70b14dddbc0'],
    [
      '9 bytesss',
      2,
      '3e40ab6093695281b3ac1a9304224d98',
      '0f9ad121d99d4a09448e4f1f718c4f5cbe6096262c66f29df232a87c9f98755d55',
    ],
    [
      '13 bytes byte',
      3,
      '4ba2fbf0379faed87a254d3b353d5a7e',
      '612c57568b17a70352bae8cf26fb9459a6f3353cd35fd439db3107cbec765d326dfc04c1dd',
    ],
    [
      '30 bytes bytes bytes bytes byt',
      4,
      '68f263db3fce15d031c9eab02d67107a',
      '95f9047c3ad75891c2e9b04b16566dc8b6eb9ce4231afb2542ef87a7b5a0f260a99f0460508de0cecc632d07c354124e46c5d2234eb8',
    ],
  ];
  it.each(mit)('decrypts MIT krb5 ciphertext of %j (usage %i)', (plaintext, usage, key, ciphertext) => {
    expect(rc4.decrypt(hex(key), usage, hex(ciphertext)).toString('latin1')).toBe(plaintext);
  });

  it('round-trips and refuses a flipped bit as an integrity failure', () => {
    const key = hex('68f263db3fce15d031c9eab02d67107a');
    const ct = rc4.encrypt(key, 3, Buffer.from('secret'));
    expect(rc4.decrypt(key, 3, ct).toString()).toBe('secret');
    ct[ct.length - 1] ^= 1;
    expect(() => rc4.decrypt(key, 3, ct)).toThrow(expect.objectContaining({ reason: 'integrity' }));
  });

  it('makes the hmac-md5 checksum MIT krb5 makes (t_cksums.c)', () => {
    const key = hex('f7d3a155af5e238a0b7a871a96ba2ab2');
    const data = Buffer.from('seventeen eighteen nineteen twenty');
    expect(rc4.checksum(key, 6, data).toString('hex')).toBe('eb38cc97e2230f59da4117dc5859d7ec');
    expect(() => rc4.verifyChecksum(key, 6, data, hex('eb38cc97e2230f59da4117dc5859d7ed'))).toThrow(
      expect.objectContaining({ reason: 'integrity' }),
    );
  });
});
