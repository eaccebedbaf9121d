/**
 * digestOf: the digest of its parts concatenated, whether Node has the one-shot crypto.hash or
 * only createHash (Node before 20.12), and without leaving the parts joined in memory.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';

type DigestOf = (typeof import('../../lib/emulated/crypto/digest'))['digestOf'];

function loadDigestOf(withOneShot: boolean): DigestOf {
  let digestOf: DigestOf | undefined;
  jest.isolateModules(() => {
    if (!withOneShot) {
      jest.doMock('node:crypto', () => ({ ...jest.requireActual('node:crypto'), hash: undefined }));
    }
    digestOf = (require('../../lib/emulated/crypto/digest') as { digestOf: DigestOf }).digestOf;
  });
  jest.dontMock('node:crypto');
  return digestOf!;
}

function expected(algorithm: string, parts: Buffer[]): Buffer {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
}

describe.each([
  ['crypto.hash', true],
  ['createHash fallback', false],
])('digestOf with %s', (_name, withOneShot) => {
  const digestOf = loadDigestOf(withOneShot);

  it.each(['md5', 'sha256'] as const)('%s equals the digest of the concatenation', (algorithm) => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }), (raw) => {
        const parts = raw.map((bytes) => Buffer.from(bytes));
        expect(digestOf(algorithm, ...parts).equals(expected(algorithm, parts))).toBe(true);
      }),
    );
  });

  it('leaves its inputs as they were', () => {
    const key = Buffer.alloc(16, 7);
    const magic = Buffer.from('magic constant\0', 'latin1');
    digestOf('md5', key, magic);
    expect(key.equals(Buffer.alloc(16, 7))).toBe(true);
    expect(magic.toString('latin1')).toBe('magic constant\0');
  });
});

it('the fallback really runs without crypto.hash', () => {
  const spy = jest.fn();
  jest.isolateModules(() => {
    jest.doMock('node:crypto', () => {
      const actual = jest.requireActual('node:crypto');
      const createHash = (algorithm: string): unknown => {
        spy(algorithm);
        return actual.createHash(algorithm);
      };
      return { ...actual, hash: undefined, createHash };
    });
    const { digestOf } = require('../../lib/emulated/crypto/digest') as { digestOf: DigestOf };
    digestOf('sha256', Buffer.from('x'));
  });
  jest.dontMock('node:crypto');
  expect(spy).toHaveBeenCalledWith('sha256');
});
