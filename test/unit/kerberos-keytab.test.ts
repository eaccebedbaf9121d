/**
 * The keytab codec on hand-built files: both versions, holes, the end marker, the 32-bit kvno,
 * bounds, and MIT's choice of key (keysFor). MIT's own files are in test/interop/keytab-mit.test.ts.
 */
import { SspiError } from '../../lib/errors';
import {
  KEYTAB_LIMITS,
  encodeKeytab,
  keysFor,
  parseKeytab,
  wipeKeytab,
  type KeytabEntry,
} from '../../lib/emulated/mechanisms/kerberos/files/keytab';

const entry = (over: Partial<KeytabEntry> = {}): KeytabEntry => ({
  principal: { nameType: 1, nameString: ['alice'] },
  realm: 'EXAMPLE.COM',
  timestamp: new Date(1_600_000_000_000),
  kvno: 2,
  key: { keyType: 18, keyValue: Buffer.alloc(32, 0xab) },
  ...over,
});

function expectMalformed(file: Buffer, pattern: RegExp): void {
  let caught: unknown;
  try {
    parseKeytab(file);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SspiError);
  expect((caught as SspiError).code).toBe('SEC_E_INVALID_TOKEN');
  expect((caught as SspiError).message).toMatch(pattern);
}

/** A record length (big-endian int32) then the record. */
const record = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

describe('parseKeytab / encodeKeytab', () => {
  test('round-trips entries, the 32-bit kvno and the signed name type included', () => {
    const entries = [
      entry(),
      entry({ kvno: 70_000, principal: { nameType: -130, nameString: ['HTTP', 'h.example.com'] } }),
    ];
    expect(parseKeytab(encodeKeytab(entries))).toEqual(entries);
  });

  test('keys are copied into memory of their own, and wipeKeytab zeroes them', () => {
    const file = encodeKeytab([entry()]);
    const [parsed] = parseKeytab(file);
    const key = parsed.key.keyValue;
    expect(key.byteOffset).toBe(0);
    expect(key.buffer.byteLength).toBe(32);
    expect(file.byteOffset).toBe(0);
    expect(file.buffer.byteLength).toBe(file.length); // the encoded file too: it holds the keys
    wipeKeytab([parsed]);
    expect(key.every((b) => b === 0)).toBe(true);
    expect(file.includes(Buffer.alloc(32, 0xab))).toBe(true); // the file is the caller's to wipe
  });

  test('writes the 8-bit kvno as the low byte and the 32-bit one after the key', () => {
    const file = encodeKeytab([entry({ kvno: 0x1234 })]);
    const size = file.readInt32BE(2);
    expect(file.readUInt32BE(2 + 4 + size - 4)).toBe(0x1234);
    expect(parseKeytab(file)[0].kvno).toBe(0x1234);
  });

  test('a zero 32-bit kvno is zero fill: the 8-bit kvno stands', () => {
    const file = encodeKeytab([entry({ kvno: 9 })]);
    file.writeUInt32BE(0, file.length - 4);
    expect(parseKeytab(file)[0].kvno).toBe(9);
  });

  test('an entry shorter than its record (a reused hole) reads, the rest of the record skipped', () => {
    const one = encodeKeytab([entry()]).subarray(6);
    const padded = Buffer.concat([one.subarray(0, one.length - 4), Buffer.alloc(12)]);
    const file = Buffer.concat([
      Buffer.from([5, 2]),
      record(padded),
      encodeKeytab([entry({ kvno: 3 })]).subarray(2),
    ]);
    expect(parseKeytab(file).map((e) => e.kvno)).toEqual([2, 3]);
  });

  test('skips holes and stops at a zero record length', () => {
    const hole = Buffer.alloc(4 + 20);
    hole.writeInt32BE(-20);
    const body = encodeKeytab([entry()]).subarray(2);
    const file = Buffer.concat([
      Buffer.from([5, 2]),
      hole,
      body,
      Buffer.alloc(4),
      Buffer.from('junk after the end'),
    ]);
    expect(parseKeytab(file)).toHaveLength(1);
  });

  test('reads version 0x0501: native (little-endian) integers, the count including the realm, no name type', () => {
    const le16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);
    const str = (s: string) => Buffer.concat([le16(s.length), Buffer.from(s)]);
    const time = Buffer.alloc(4);
    time.writeUInt32LE(1_600_000_000);
    const body = Buffer.concat([
      le16(2),
      str('EXAMPLE.COM'),
      str('bob'),
      time,
      Buffer.from([4]),
      le16(17),
      le16(16),
      Buffer.alloc(16, 7),
    ]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(body.length);
    const [parsed] = parseKeytab(Buffer.concat([Buffer.from([5, 1]), size, body]));
    expect(parsed).toEqual({
      principal: { nameType: 0, nameString: ['bob'] },
      realm: 'EXAMPLE.COM',
      timestamp: new Date(1_600_000_000_000),
      kvno: 4,
      key: { keyType: 17, keyValue: Buffer.alloc(16, 7) },
    });
  });

  test('an empty keytab (version only) has no entries', () => {
    expect(parseKeytab(Buffer.from([5, 2]))).toEqual([]);
  });

  test.each([
    ['no version', Buffer.alloc(0), /version/],
    ['version 0x0503', Buffer.from([5, 3]), /version/],
    ['a record past the end', Buffer.from([5, 2, 0, 0, 0, 50, 0]), /runs past the end/],
    ['a hole of -2^31', Buffer.from([5, 2, 0x80, 0, 0, 0]), /-2\^31/],
    ['a torn record length', Buffer.from([5, 2, 0, 0]), /inside a record length/],
  ])('refuses %s with SEC_E_INVALID_TOKEN', (_name, file, pattern) => expectMalformed(file, pattern));

  test('refuses a principal of no components, an empty realm, a key of 0 or 65 bytes, text not UTF-8', () => {
    const base = encodeKeytab([entry()]);
    const at = (offset: number, bytes: number[]) => {
      const copy = Buffer.from(base);
      Buffer.from(bytes).copy(copy, offset);
      return copy;
    };
    expectMalformed(at(6, [0, 0]), /no components/);
    expectMalformed(at(8, [0, 0]), /empty realm/);
    const keyLengthAt = 6 + 2 + 2 + 11 + 2 + 5 + 4 + 4 + 1 + 2;
    expectMalformed(at(keyLengthAt, [0, 0]), /key is 0 bytes/);
    expectMalformed(at(keyLengthAt, [0, 65]), /key is 65 bytes/);
    expectMalformed(at(10, [0xff]), /not UTF-8/);
  });

  test('bounds the file size, the entry count and the components', () => {
    expectMalformed(
      Buffer.concat([Buffer.from([5, 2]), Buffer.alloc(KEYTAB_LIMITS.fileBytes)]),
      /over the limit/,
    );
    const many = encodeKeytab(Array.from({ length: KEYTAB_LIMITS.entries + 1 }, () => entry()));
    expectMalformed(many, /more than 4096 entries/);
    const deep = encodeKeytab([entry({ principal: { nameType: 1, nameString: Array(17).fill('x') } })]);
    expectMalformed(deep, /17 principal components is over the limit/);
  });

  test('encodeKeytab refuses what the format cannot hold, with SEC_E_INVALID_PARAMETER', () => {
    for (const bad of [
      entry({ principal: { nameType: 1, nameString: [] } }),
      entry({ principal: { nameType: 1, nameString: ['HTTP', ''] } }),
      entry({ realm: '' }),
      entry({ kvno: -1 }),
      entry({ kvno: 2 ** 32 }),
      entry({ realm: 'R'.repeat(70_000) }),
      entry({ key: { keyType: 70_000, keyValue: Buffer.alloc(16) } }),
    ]) {
      expect(() => encodeKeytab([bad])).toThrow(expect.objectContaining({ code: 'SEC_E_INVALID_PARAMETER' }));
    }
  });
});

describe('keysFor: the key MIT would choose', () => {
  const alice = { nameType: 1, nameString: ['alice'] };
  const at = (kvno: number, keyType = 18, seconds = 1000) =>
    entry({ kvno, timestamp: new Date(seconds * 1000), key: { keyType, keyValue: Buffer.alloc(16, kvno) } });

  test('the highest kvno per enctype, name type ignored, other realms and names not', () => {
    const entries = [at(2), at(5), at(3), at(4, 17), at(1, 17), entry({ realm: 'OTHER', kvno: 9 })];
    expect(
      keysFor(entries, { nameType: 0, nameString: ['alice'] }, 'EXAMPLE.COM').map((e) => [
        e.kvno,
        e.key.keyType,
      ]),
    ).toEqual([
      [5, 18],
      [4, 17],
    ]);
    expect(keysFor(entries, { nameType: 1, nameString: ['bob'] }, 'EXAMPLE.COM')).toEqual([]);
  });

  test('an exact kvno, else the first whose kvno is its low 8 bits', () => {
    const entries = [at(1), at(0x2c), at(0x12c), at(0x22c)];
    expect(keysFor(entries, alice, 'EXAMPLE.COM', 0x12c, 18).map((e) => e.kvno)).toEqual([0x12c]);
    expect(keysFor(entries, alice, 'EXAMPLE.COM', 0x32c, 18).map((e) => e.kvno)).toEqual([0x2c]);
    expect(keysFor(entries, alice, 'EXAMPLE.COM', 7, 18)).toEqual([]);
  });

  test('wraparound: a small kvno written no earlier than a kvno over 240 is the newer', () => {
    expect(keysFor([at(250, 18, 1000), at(3, 18, 2000)], alice, 'EXAMPLE.COM')[0].kvno).toBe(3);
    expect(keysFor([at(3, 18, 1000), at(250, 18, 2000)], alice, 'EXAMPLE.COM')[0].kvno).toBe(250);
  });
});
