/**
 * The DER writer sizes each element first and writes it in one allocation; these check that the
 * bytes are exactly what the identifier-length-content definition (X.690 8.1) gives, at every
 * length-form boundary, and that numbers and bigints encode alike across the whole safe range.
 */
import fc from 'fast-check';
import {
  application,
  contextExplicit,
  encodeTree,
  integer,
  octetString,
  parseDer,
  readInteger,
  sequence,
  set,
  treeExplicit,
  treeOctetString,
  treeSequence,
  type DerTree,
} from '../../lib/emulated/asn1/der';

/** X.690 8.1.3 written out independently: short form, or 0x80|n then n big-endian octets. */
function referenceLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

function referenceTlv(identifier: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([identifier]), referenceLength(content.length), content]);
}

describe('DER writer layout', () => {
  test.each([0, 1, 127, 128, 255, 256, 65535, 65536, 70000])(
    'an OCTET STRING of %i bytes is identifier, minimal length, content',
    (size) => {
      const content = Buffer.alloc(size, 0xa5);
      const encoded = octetString(content);
      expect(encoded.equals(referenceTlv(0x04, content))).toBe(true);
      expect(parseDer(encoded).content.equals(content)).toBe(true);
    },
  );

  test('SEQUENCE, SET and APPLICATION hold their members back to back', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (raw) => {
        const members = raw.map((bytes) => octetString(Buffer.from(bytes)));
        const joined = Buffer.concat(members);
        expect(sequence(...members).equals(referenceTlv(0x30, joined))).toBe(true);
        expect(application(0, ...members).equals(referenceTlv(0x60, joined))).toBe(true);
        const sorted = Buffer.concat([...members].sort(Buffer.compare));
        expect(set(...members).equals(referenceTlv(0x31, sorted))).toBe(true);
      }),
    );
  });

  test('a nested element is the same as one built from the reference encoding', () => {
    const token = Buffer.alloc(200, 1);
    const expected = referenceTlv(
      0x30,
      Buffer.concat([
        referenceTlv(0xa0, referenceTlv(0x02, Buffer.from([6]))),
        referenceTlv(0xa1, referenceTlv(0x04, token)),
      ]),
    );
    expect(sequence(contextExplicit(0, integer(6)), contextExplicit(1, octetString(token)))).toEqual(
      expected,
    );
  });

  test('a number and the same bigint encode identically across the safe range', () => {
    const boundaries = [0, 1, 127, 128, 255, 256, 32767, 32768, 2 ** 31, 2 ** 47, 2 ** 53 - 1].flatMap((n) =>
      [n, -n, n - 1, -n - 1].filter(Number.isSafeInteger),
    );
    for (const n of boundaries) {
      expect(integer(n).toString('hex')).toBe(integer(BigInt(n)).toString('hex'));
    }
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(integer(n).toString('hex')).toBe(integer(BigInt(n)).toString('hex'));
      }),
    );
  });

  test('a status code written as a signed 32-bit number reads back', () => {
    expect(integer(0xc000006d | 0).toString('hex')).toBe('0204c000006d');
    expect(readInteger(parseDer(integer(-1)))).toBe(-1);
  });
});

describe('DER trees', () => {
  /** The same message through the tree writer and through the Buffer-returning writer. */
  function both(tokens: Buffer[]): [Buffer, Buffer] {
    const tree = treeSequence(
      treeExplicit(0, integer(6)),
      treeExplicit(1, treeSequence(...tokens.map((t) => treeSequence(treeExplicit(0, treeOctetString(t)))))),
      treeExplicit(3, treeOctetString(treeSequence(treeExplicit(2, treeOctetString(Buffer.from('pw')))))),
    );
    const buffers = sequence(
      contextExplicit(0, integer(6)),
      contextExplicit(1, sequence(...tokens.map((t) => sequence(contextExplicit(0, octetString(t)))))),
      contextExplicit(3, octetString(sequence(contextExplicit(2, octetString(Buffer.from('pw')))))),
    );
    return [encodeTree(tree), buffers];
  }

  test('write exactly what nesting the Buffer writer gives, at every length form', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 70000 }), { maxLength: 3 }), (sizes) => {
        const [fromTree, fromBuffers] = both(sizes.map((size) => Buffer.alloc(size, size & 0xff)));
        expect(fromTree.equals(fromBuffers)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  test('know their size before they are written', () => {
    const tree: DerTree = treeExplicit(1, treeOctetString(Buffer.alloc(300)));
    expect(tree.encodedLength).toBe(encodeTree(tree).length);
    expect(tree.encodedLength).toBe(1 + 3 + (1 + 3 + 300));
  });

  test('refuse a tag number the identifier octet cannot hold', () => {
    expect(() => treeExplicit(31, integer(1))).toThrow(TypeError);
  });
});
