/**
 * The TypeScript MD5 and HMAC-MD5 that NTLM uses: the published test suites (RFC 1321 A.5,
 * RFC 2202 section 2), the padding boundaries, and agreement with node:crypto over random keys,
 * messages and ways of splitting a message into parts.
 */
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { HmacMd5Key, hmacMd5 } from '../../lib/emulated/crypto/hmac-md5';
import { md5 } from '../../lib/emulated/crypto/md5';

function nodeMd5(parts: Uint8Array[]): Buffer {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function nodeHmacMd5(key: Uint8Array, parts: Uint8Array[]): Buffer {
  const hmac = createHmac('md5', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/** Cut `message` at the given points (taken modulo its length, sorted) into consecutive parts. */
function split(message: Uint8Array, cuts: number[]): Buffer[] {
  const points = cuts.map((cut) => cut % (message.length + 1)).sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const point of [...points, message.length]) {
    parts.push(Buffer.from(message.subarray(start, point)));
    start = point;
  }
  return parts;
}

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('md5', () => {
  it.each([
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['abc', '900150983cd24fb0d6963f7d28e17f72'],
    ['message digest', 'f96b697d7cb7938d525a2f31aaf161d0'],
    ['abcdefghijklmnopqrstuvwxyz', 'c3fcd3d76192e4007dfb496cca67e13b'],
    ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 'd174ab98d277d9f5a5611c2c9f419d9f'],
    ['1234567890'.repeat(8), '57edf4a22be3c955ac49da2e2107b67a'],
  ])('RFC 1321 A.5: MD5 ("%s")', (message, digest) => {
    expect(md5(ascii(message)).toString('hex')).toBe(digest);
  });

  // 55 is the longest message whose padding fits its last block; 56 to 63 spill into another one.
  it.each([55, 56, 57, 63, 64, 65, 119, 120, 128])('pads a %i-byte message as node:crypto does', (length) => {
    const message = Buffer.alloc(length);
    for (let i = 0; i < length; i++) message[i] = (i * 37 + 11) & 0xff;
    expect(md5(message).equals(nodeMd5([message]))).toBe(true);
  });

  it('equals node:crypto over random messages cut into random parts', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 1000 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (message, cuts) => {
          expect(md5(...split(message, cuts)).equals(nodeMd5([message]))).toBe(true);
        },
      ),
    );
  });

  it('hashes Uint8Array views at any offset and leaves its input unchanged', () => {
    const backing = Buffer.from(Array.from({ length: 200 }, (_, i) => i));
    const view = backing.subarray(3, 190);
    const before = Buffer.from(backing);
    expect(md5(view).equals(nodeMd5([view]))).toBe(true);
    expect(backing.equals(before)).toBe(true);
  });

  it('returns a fresh Buffer each time', () => {
    const first = md5(ascii('abc'));
    const second = md5(ascii('abc'));
    first.fill(0);
    expect(second.toString('hex')).toBe('900150983cd24fb0d6963f7d28e17f72');
  });
});

describe('hmacMd5', () => {
  const repeated = (byte: number, length: number): Buffer => Buffer.alloc(length, byte);
  it.each([
    [1, repeated(0x0b, 16), ascii('Hi There'), '9294727a3638bb1c13f48ef8158bfc9d'],
    [2, ascii('Jefe'), ascii('what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738'],
    [3, repeated(0xaa, 16), repeated(0xdd, 50), '56be34521d144c88dbb8c733f0e8b3f6'],
    [
      4,
      Buffer.from(Array.from({ length: 25 }, (_, i) => i + 1)),
      repeated(0xcd, 50),
      '697eaf0aca3a3aea3a75164746ffaa79',
    ],
    [5, repeated(0x0c, 16), ascii('Test With Truncation'), '56461ef2342edc00f9bab995690efd4c'],
    [
      6,
      repeated(0xaa, 80),
      ascii('Test Using Larger Than Block-Size Key - Hash Key First'),
      '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd',
    ],
    [
      7,
      repeated(0xaa, 80),
      ascii('Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data'),
      '6f630fad67cda0ee1fb1f562db3aa53e',
    ],
  ])('RFC 2202 test case %i, one-shot and keyed', (_case, key, data, digest) => {
    expect(hmacMd5(key, data).toString('hex')).toBe(digest);
    const keyed = new HmacMd5Key(key);
    expect(keyed.mac(data).toString('hex')).toBe(digest);
    keyed.dispose();
  });

  it('RFC 2202 test case 5 truncated to 96 bits is the first 12 bytes', () => {
    const mac = hmacMd5(repeated(0x0c, 16), ascii('Test With Truncation'));
    expect(mac.subarray(0, 12).toString('hex')).toBe('56461ef2342edc00f9bab995');
  });

  it('equals createHmac for random keys (0 to 200 bytes) and random message splits', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 1000 }),
        fc.array(fc.nat(), { maxLength: 5 }),
        (key, message, cuts) => {
          const expected = nodeHmacMd5(key, [message]);
          expect(hmacMd5(key, ...split(message, cuts)).equals(expected)).toBe(true);
        },
      ),
    );
  });

  it('a keyed HmacMd5Key gives createHmac results message after message, interleaved with other hashing', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 1000 }), fc.array(fc.nat(), { maxLength: 4 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (key, otherKey, messages) => {
          const keyed = new HmacMd5Key(key);
          const otherKeyed = new HmacMd5Key(otherKey);
          for (const [message, cuts] of messages) {
            // The one-shot functions and a second key share the module's scratch state.
            expect(otherKeyed.mac(message).equals(nodeHmacMd5(otherKey, [message]))).toBe(true);
            expect(keyed.mac(...split(message, cuts)).equals(nodeHmacMd5(key, [message]))).toBe(true);
            expect(md5(message).equals(nodeMd5([message]))).toBe(true);
          }
          keyed.dispose();
          otherKeyed.dispose();
        },
      ),
    );
  });

  it('leaves the key and the message unchanged, and a keyed object survives its key Buffer being zeroed', () => {
    const key = repeated(0x0b, 16);
    const message = ascii('Hi There');
    hmacMd5(key, message);
    const keyed = new HmacMd5Key(key);
    expect(key.equals(repeated(0x0b, 16))).toBe(true);
    expect(message.toString('latin1')).toBe('Hi There');
    key.fill(0);
    expect(keyed.mac(message).toString('hex')).toBe('9294727a3638bb1c13f48ef8158bfc9d');
    keyed.dispose();
  });

  it('macInto writes the RFC 2202 test case 2 MAC where it is told, touching nothing else', () => {
    const keyed = new HmacMd5Key(ascii('Jefe'));
    const out = Buffer.alloc(20, 0xee);
    keyed.macInto(out, 3, ascii('what do ya '), ascii('want for nothing?'));
    expect(out.subarray(3, 19).toString('hex')).toBe('750c783e6ab0b503eaa86e310a5db738');
    expect([...out.subarray(0, 3), out[19]]).toEqual([0xee, 0xee, 0xee, 0xee]);
    expect(() => keyed.macInto(out, 5, ascii('x'))).toThrow(RangeError);
    keyed.dispose();
    expect(() => keyed.macInto(out, 0, ascii('x'))).toThrow('after dispose');
  });

  it('a disposed HmacMd5Key refuses to compute, dispose is idempotent, and other keys are unaffected', () => {
    const keyed = new HmacMd5Key(ascii('Jefe'));
    const other = new HmacMd5Key(ascii('Jefe'));
    keyed.dispose();
    keyed.dispose();
    expect(() => keyed.mac(ascii('what do ya want for nothing?'))).toThrow('after dispose');
    expect(other.mac(ascii('what do ya want for nothing?')).toString('hex')).toBe(
      '750c783e6ab0b503eaa86e310a5db738',
    );
    other.dispose();
  });
});
