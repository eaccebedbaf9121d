import { md4 } from '../../lib/emulated/crypto/md4';
import { Rc4 } from '../../lib/emulated/crypto/rc4';

describe('md4', () => {
  // RFC 1320 appendix A.5, the complete test suite.
  const suite: Array<[string, string]> = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
    [
      '12345678901234567890123456789012345678901234567890123456789012345678901234567890',
      'e33b4ddc9c38f2199c3e7b164fcc0536',
    ],
  ];
  it.each(suite)('MD4(%j) matches RFC 1320', (input, digest) => {
    expect(md4(Buffer.from(input, 'latin1')).toString('hex')).toBe(digest);
  });

  // Lengths that straddle the padding boundaries (55: padding fits one block; 56: it spills into a
  // second). Expected digests computed with OpenSSL's legacy-provider MD4.
  it.each([
    [55, 'c889c81dd86c4d2e025778944ea02881'],
    [56, 'd5f9a9e9257077a5f08b0b92f348b0ad'],
    [64, '52f5076fabd22680234a3fa9f9dc5732'],
    [119, 'e65dd227ccef97fa1d34d70189120f76'],
  ])('MD4 of %i bytes of "a" pads correctly', (len, digest) => {
    expect(md4(Buffer.alloc(len, 0x61)).toString('hex')).toBe(digest);
  });
});

describe('Rc4', () => {
  // RFC 6229 section 2: keystream bytes (the cipher applied to zeros) at offsets 0, 16 and 240.
  it('produces the RFC 6229 keystream for the 40-bit key 0x0102030405', () => {
    const rc4 = new Rc4(Buffer.from('0102030405', 'hex'));
    const stream = rc4.update(Buffer.alloc(256));
    expect(stream.subarray(0, 16).toString('hex')).toBe('b2396305f03dc027ccc3524a0a1118a8');
    expect(stream.subarray(16, 32).toString('hex')).toBe('6982944f18fc82d589c403a47a0d0919');
    expect(stream.subarray(240, 256).toString('hex')).toBe('28cb1132c96ce286421dcaadb8b69eae');
  });

  it('produces the RFC 6229 keystream for the 56-bit key 0x01020304050607', () => {
    const rc4 = new Rc4(Buffer.from('01020304050607', 'hex'));
    const stream = rc4.update(Buffer.alloc(256));
    expect(stream.subarray(0, 16).toString('hex')).toBe('293f02d47f37c9b633f2af5285feb46b');
    expect(stream.subarray(16, 32).toString('hex')).toBe('e620f1390d19bd84e2e0fd752031afc1');
    expect(stream.subarray(240, 256).toString('hex')).toBe('914f02531c9218810df60f67e338154c');
  });

  it('keeps its keystream position across update() calls', () => {
    const key = Buffer.from('0102030405', 'hex');
    const whole = new Rc4(key).update(Buffer.alloc(40));
    const split = new Rc4(key);
    const parts = Buffer.concat([split.update(Buffer.alloc(7)), split.update(Buffer.alloc(33))]);
    expect(parts.equals(whole)).toBe(true);
  });

  it('decrypts what it encrypted with a fresh instance of the same key', () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const plain = Buffer.from('attack at dawn');
    const sealed = new Rc4(key).update(plain);
    expect(sealed.equals(plain)).toBe(false);
    expect(new Rc4(key).update(sealed).equals(plain)).toBe(true);
  });

  it('zeroes its state on dispose', () => {
    const rc4 = new Rc4(Buffer.from('0102030405', 'hex'));
    rc4.dispose();
    // With S all zero every keystream byte is S[0] = 0, so the output equals the input.
    const data = Buffer.from('ffeeddccbbaa', 'hex');
    expect(rc4.update(data).equals(data)).toBe(true);
  });
});
