import { aesCtsDecrypt, aesCtsEncrypt } from '../../lib/emulated/mechanisms/kerberos/crypto/aes-cts';
import { isKerberosCryptoError } from '../../lib/emulated/mechanisms/kerberos/crypto/crypto-error';
import { nfold } from '../../lib/emulated/mechanisms/kerberos/crypto/nfold';

describe('n-fold', () => {
  // RFC 3961 appendix A.1, every vector: [input, output bits, output].
  const vectors: Array<[string, number, string]> = [
    ['012345', 64, 'be072631276b1955'],
    ['password', 56, '78a07b6caf85fa'],
    ['Rough Consensus, and Running Code', 64, 'bb6ed30870b7f0e0'],
    ['password', 168, '59e4a8ca7c0385c3c37b3f6d2000247cb6e6bd5b3e'],
    ['MASSACHVSETTS INSTITVTE OF TECHNOLOGY', 192, 'db3b0d8f0b061e603282b308a50841229ad798fab9540c1b'],
    ['Q', 168, '518a54a215a8452a518a54a215a8452a518a54a215'],
    ['ba', 168, 'fb25d531ae8974499f52fd92ea9857c4ba24cf297e'],
    ['kerberos', 64, '6b65726265726f73'],
    ['kerberos', 128, '6b65726265726f737b9b5b2b93132b93'],
    ['kerberos', 168, '8372c236344e5f1550cd0747e15d62ca7a5a3bcea4'],
    ['kerberos', 256, '6b65726265726f737b9b5b2b93132b935c9bdcdad95c9899c4cae4dee6d6cae4'],
  ];
  it.each(vectors)('%j folded to %i bits matches RFC 3961 A.1', (input, bits, output) => {
    expect(nfold(Buffer.from(input, 'latin1'), bits / 8).toString('hex')).toBe(output);
  });

  it('gives each caller a Buffer of its own: writing into one leaves the next n-fold right', () => {
    const first = nfold(Buffer.from('012345', 'latin1'), 8);
    first.fill(0);
    expect(nfold(Buffer.from('012345', 'latin1'), 8).toString('hex')).toBe('be072631276b1955');
    // The same bytes seen through a view at an offset n-fold alike.
    const backing = Buffer.from('xx012345', 'latin1');
    expect(nfold(backing.subarray(2), 8).toString('hex')).toBe('be072631276b1955');
  });
});

describe('AES-CTS', () => {
  // RFC 3962 appendix B: the key "chicken teriyaki", a zero IV, and this plaintext cut to six lengths.
  const key = Buffer.from('chicken teriyaki', 'latin1');
  const plaintext = Buffer.from("I would like the General Gau's Chicken, please, and wonton soup.", 'latin1');
  const vectors: Array<[number, string]> = [
    [17, 'c6353568f2bf8cb4d8a580362da7ff7f97'],
    [31, 'fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5'],
    [32, '39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584'],
    [47, '97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5'],
    [48, '97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8'],
    [
      64,
      '97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a8' +
        '4807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8',
    ],
  ];
  it.each(vectors)('encrypts and decrypts the %i-byte RFC 3962 B vector', (length, ciphertext) => {
    const input = plaintext.subarray(0, length);
    expect(aesCtsEncrypt(key, input).toString('hex')).toBe(ciphertext);
    expect(aesCtsDecrypt(key, Buffer.from(ciphertext, 'hex')).equals(input)).toBe(true);
  });

  it('round-trips every length from one block to four, for both key sizes', () => {
    for (const size of [16, 32]) {
      const k = Buffer.alloc(size, 7);
      for (let length = 16; length <= 64; length++) {
        const input = Buffer.alloc(length, length);
        const output = aesCtsEncrypt(k, input);
        expect(output.length).toBe(length);
        expect(aesCtsDecrypt(k, output).equals(input)).toBe(true);
      }
    }
  });

  it('refuses ciphertext shorter than a block as malformed, and a key of the wrong size', () => {
    expect(() => aesCtsDecrypt(key, Buffer.alloc(15))).toThrow(
      expect.objectContaining({ name: 'KerberosCryptoError', reason: 'malformed' }),
    );
    let caught: unknown;
    try {
      aesCtsEncrypt(Buffer.alloc(24), Buffer.alloc(16));
    } catch (err) {
      caught = err;
    }
    expect(isKerberosCryptoError(caught, 'bad-key')).toBe(true);
  });
});
