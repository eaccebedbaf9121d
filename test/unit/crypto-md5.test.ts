/**
 * The HMAC-MD5 that NTLM uses (node:crypto underneath): RFC 2202 section 2, parts fed without
 * joining them, and HmacMd5Key's own copy of the key, macInto bounds and dispose.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { HmacMd5Key, hmacMd5 } from '../../lib/emulated/crypto/hmac-md5';

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
            expect(otherKeyed.mac(message).equals(nodeHmacMd5(otherKey, [message]))).toBe(true);
            expect(keyed.mac(...split(message, cuts)).equals(nodeHmacMd5(key, [message]))).toBe(true);
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
