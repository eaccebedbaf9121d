import fc from 'fast-check';
import {
  DerError,
  MAX_DER_DEPTH,
  TagClass,
  bitString,
  boolean,
  childrenOf,
  contextExplicit,
  contextFields,
  contextImplicit,
  application,
  enumerated,
  explicitContent,
  generalizedTime,
  ia5String,
  integer,
  nullValue,
  octetString,
  oid,
  parseDer,
  printableString,
  readBitString,
  readBoolean,
  readElement,
  readEnumerated,
  readInteger,
  readIntegerBytes,
  readNull,
  readOctetString,
  readOid,
  readString,
  sequence,
  set,
  utcTime,
  utf8String,
  type DerElement,
} from '../../lib/emulated/asn1/der';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('DER writer: known encodings (X.690 examples and well-known OIDs)', () => {
  test.each([
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [256, '02020100'],
    [-1, '0201ff'],
    [-128, '020180'],
    [-129, '0202ff7f'],
    [0xc000006d, '020500c000006d'],
  ])('INTEGER %d', (value, expected) => {
    expect(integer(value).toString('hex')).toBe(expected);
    expect(integer(BigInt(value)).toString('hex')).toBe(expected);
  });

  test('INTEGER from an unsigned Buffer gets a 00 when the high bit is set and loses redundant zeros', () => {
    expect(integer(hex('80')).toString('hex')).toBe('02020080');
    expect(integer(hex('00007f')).toString('hex')).toBe('02017f');
    expect(integer(hex('0000')).toString('hex')).toBe('020100');
    expect(integer(Buffer.alloc(0)).toString('hex')).toBe('020100');
  });

  test.each([
    // Kerberos V5 (RFC 1964 1.1), SPNEGO (RFC 4178 3), NTLMSSP (MS-NLMP 1.9), MS Kerberos.
    ['1.2.840.113554.1.2.2', '06092a864886f712010202'],
    ['1.3.6.1.5.5.2', '06062b0601050502'],
    ['1.3.6.1.4.1.311.2.2.10', '060a2b06010401823702020a'],
    ['1.2.840.48018.1.2.2', '06092a864882f712010202'],
    ['2.5.4.3', '0603550403'],
    ['2.999.3', '0603883703'],
  ])('OID %s', (dotted, expected) => {
    expect(oid(dotted).toString('hex')).toBe(expected);
    expect(readOid(parseDer(hex(expected)))).toBe(dotted);
  });

  test('long lengths use 0x81 and 0x82 forms only when needed', () => {
    expect(octetString(Buffer.alloc(127)).subarray(0, 2).toString('hex')).toBe('047f');
    expect(octetString(Buffer.alloc(128)).subarray(0, 3).toString('hex')).toBe('048180');
    expect(octetString(Buffer.alloc(200)).subarray(0, 3).toString('hex')).toBe('0481c8');
    expect(octetString(Buffer.alloc(300)).subarray(0, 4).toString('hex')).toBe('0482012c');
    expect(octetString(Buffer.alloc(70000)).subarray(0, 5).toString('hex')).toBe('0483011170');
  });

  test('other types', () => {
    expect(boolean(true).toString('hex')).toBe('0101ff');
    expect(boolean(false).toString('hex')).toBe('010100');
    expect(nullValue().toString('hex')).toBe('0500');
    expect(enumerated(1).toString('hex')).toBe('0a0101');
    expect(bitString(hex('80'), 7).toString('hex')).toBe('03020780');
    expect(bitString(hex('ff'), 1).toString('hex')).toBe('030201fe');
    expect(bitString(Buffer.alloc(0)).toString('hex')).toBe('030100');
    expect(utf8String('é').toString('hex')).toBe('0c02c3a9');
    expect(printableString('Test CA').toString('hex')).toBe('130754657374204341');
    expect(ia5String('a.b').toString('hex')).toBe('1603612e62');
    expect(utcTime(new Date('2024-01-02T03:04:05.678Z')).toString('latin1').slice(2)).toBe('240102030405Z');
    expect(generalizedTime(new Date('2050-12-31T23:59:59Z')).toString('latin1').slice(2)).toBe(
      '20501231235959Z',
    );
    expect(sequence(integer(1), nullValue()).toString('hex')).toBe('30050201010500');
    expect(contextExplicit(3, integer(2)).toString('hex')).toBe('a303020102');
    expect(contextImplicit(2, Buffer.from('h')).toString('hex')).toBe('820168');
    expect(application(0, oid('1.3.6.1.5.5.2')).toString('hex')).toBe('60080' + '6062b0601050502');
  });

  test('SET sorts its members by encoding', () => {
    expect(set(integer(2), integer(1)).toString('hex')).toBe('3106020101020102');
  });

  test('writer refuses values it cannot encode', () => {
    expect(() => integer(2 ** 60)).toThrow(TypeError);
    expect(() => oid('3.1')).toThrow(TypeError);
    expect(() => oid('1.40')).toThrow(TypeError);
    expect(() => oid('1.2.03')).toThrow(TypeError);
    expect(() => bitString(Buffer.alloc(0), 1)).toThrow(TypeError);
    expect(() => printableString('a@b')).toThrow(TypeError);
    expect(() => utcTime(new Date('2050-01-01T00:00:00Z'))).toThrow(TypeError);
    expect(() => utcTime(new Date(NaN))).toThrow(TypeError);
    expect(() => contextExplicit(31, nullValue())).toThrow(TypeError);
  });
});

describe('DER reader', () => {
  test('reads a SEQUENCE of explicit context fields', () => {
    const bytes = sequence(contextExplicit(0, integer(6)), contextExplicit(2, octetString(hex('abcd'))));
    const fields = contextFields(parseDer(bytes));
    expect([...fields.keys()]).toEqual([0, 2]);
    expect(readInteger(fields.get(0)!)).toBe(6);
    expect(readOctetString(fields.get(2)!).toString('hex')).toBe('abcd');
    expect(fields.get(2)!.offset).toBe(9); // 30 0d | a0 03 02 01 06 | a2 06 [04 ..]
  });

  test('element.encoded is the exact TLV, for MICs over received encodings', () => {
    const inner = sequence(oid('1.3.6.1.4.1.311.2.2.10'));
    const outer = contextExplicit(0, inner);
    expect(explicitContent(parseDer(outer), 0).encoded.equals(inner)).toBe(true);
  });

  test('value round trips', () => {
    expect(readBoolean(parseDer(boolean(true)))).toBe(true);
    expect(readNull(parseDer(nullValue()))).toBeNull();
    expect(readEnumerated(parseDer(enumerated(3)))).toBe(3);
    expect(readInteger(parseDer(integer(-129)))).toBe(-129);
    expect(readIntegerBytes(parseDer(integer(hex('ff01')))).toString('hex')).toBe('00ff01');
    expect(readBitString(parseDer(bitString(hex('a0'), 5)))).toEqual({ bytes: hex('a0'), unusedBits: 5 });
    expect(readString(parseDer(utf8String('żółw')))).toBe('żółw');
    expect(readString(parseDer(printableString('CN 1')))).toBe('CN 1');
    expect(readString(parseDer(hex('1b0461626364')))).toBe('abcd'); // GeneralString
  });

  test.each([
    ['indefinite length', '0480000000'],
    ['length beyond the buffer', '040501020304'],
    ['non-minimal long length (0x81 for < 128)', '048105 0102030405'],
    ['long length with a leading zero', '0482008001'],
    ['more than 4 length octets', '048500000000010000'],
    ['identifier only', '30'],
    ['empty input', ''],
    ['length octets cut off', '048201'],
    ['high tag number form', '1f2100'],
    ['trailing bytes after the element', '050000'],
  ])('rejects %s', (_name, input) => {
    expect(() => parseDer(hex(input))).toThrow(DerError);
  });

  test.each([
    ['INTEGER with a redundant 00', '0202007f', readInteger],
    ['INTEGER with a redundant ff', '0202ff80', readInteger],
    ['empty INTEGER', '0200', readInteger],
    ['INTEGER too large for a number', '02080100000000000000', readInteger],
    ['BOOLEAN other than 00/ff', '010101', readBoolean],
    ['NULL with content', '050100', readNull],
    ['constructed OCTET STRING (BER only)', '2403040100', readOctetString],
    ['BIT STRING with 8 unused bits', '03020800', readBitString],
    ['BIT STRING with set unused bits', '03020101', readBitString],
    ['OID ending inside an arc', '06022b86', readOid],
    ['OID arc with a leading 0x80', '06032b8001', readOid],
    ['invalid UTF-8', '0c01ff', readString],
    ['PrintableString with @', '130140', readString],
    ['IA5String with a high byte', '160180', readString],
    ['string read from an INTEGER', '020100', readString],
  ])('rejects %s', (_name, input, reader: (e: DerElement) => unknown) => {
    expect(() => reader(parseDer(hex(input)))).toThrow(DerError);
  });

  test('rejects context fields out of order or repeated, and explicit tags holding two elements', () => {
    const outOfOrder = sequence(contextExplicit(1, nullValue()), contextExplicit(0, nullValue()));
    const repeated = sequence(contextExplicit(0, nullValue()), contextExplicit(0, nullValue()));
    const two = sequence(contextExplicit(0, Buffer.concat([nullValue(), nullValue()])));
    for (const bytes of [outOfOrder, repeated, two])
      expect(() => contextFields(parseDer(bytes))).toThrow(DerError);
  });

  test(`caps nesting at ${MAX_DER_DEPTH} levels`, () => {
    const nest = (levels: number): Buffer => {
      let b = nullValue();
      for (let i = 0; i < levels; i++) b = sequence(b);
      return b;
    };
    const walkAll = (e: DerElement): void => {
      if (e.constructed) childrenOf(e).forEach(walkAll);
    };
    expect(() => walkAll(parseDer(nest(MAX_DER_DEPTH)))).not.toThrow();
    expect(() => walkAll(parseDer(nest(MAX_DER_DEPTH + 1)))).toThrow(/nesting/);
  });

  test('readElement honours an offset and a limit', () => {
    const bytes = Buffer.concat([hex('ffff'), octetString(hex('0102'))]);
    const e = readElement(bytes, 2);
    expect(e.tagClass).toBe(TagClass.Universal);
    expect(e.content.toString('hex')).toBe('0102');
    expect(() => readElement(bytes, 2, 5)).toThrow(DerError);
    expect(() => readElement(bytes, 6)).toThrow(DerError);
  });
});

describe('DER properties', () => {
  test('times are written as the ISO 8601 digits of their UTC second', () => {
    const digitsOf = (date: Date) => date.toISOString().slice(0, 19).replace(/[-:T]/g, '');
    const anyYear = fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z') });
    fc.assert(
      fc.property(anyYear, (date) => {
        expect(generalizedTime(date).toString('latin1').slice(2)).toBe(`${digitsOf(date)}Z`);
      }),
    );
    const utcYears = fc.date({
      min: new Date('1950-01-01T00:00:00Z'),
      max: new Date('2049-12-31T23:59:59Z'),
    });
    fc.assert(
      fc.property(utcYears, (date) => {
        expect(utcTime(date).toString('latin1').slice(2)).toBe(`${digitsOf(date).slice(2)}Z`);
      }),
    );
  });

  test('integers round trip through the writer and reader', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 47), max: 2 ** 47 - 1 }), (n) => {
        expect(readInteger(parseDer(integer(n)))).toBe(n);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (n) => {
        const bytes = readIntegerBytes(parseDer(integer(n)));
        expect(BigInt.asIntN(bytes.length * 8, BigInt(`0x${bytes.toString('hex')}`))).toBe(n);
      }),
    );
  });

  test('OIDs and octet strings round trip', () => {
    const arc = fc.bigInt({ min: 0n, max: 2n ** 70n });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 39 }), fc.array(arc, { maxLength: 8 }), (second, rest) => {
        const dotted = ['1', String(second), ...rest.map(String)].join('.');
        expect(readOid(parseDer(oid(dotted)))).toBe(dotted);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        const b = Buffer.from(bytes);
        expect(readOctetString(parseDer(octetString(b))).equals(b)).toBe(true);
      }),
    );
  });

  test('random bytes never throw anything but DerError', () => {
    const readers = [readInteger, readIntegerBytes, readEnumerated, readOctetString, readBitString, readOid];
    const moreReaders = [
      readString,
      readBoolean,
      readNull,
      (e: DerElement) => explicitContent(e, e.tagNumber),
    ];
    const walk = (e: DerElement): void => {
      for (const read of [...readers, ...moreReaders]) {
        try {
          read(e);
        } catch (err) {
          if (!(err instanceof DerError)) throw err;
        }
      }
      if (e.constructed) childrenOf(e).forEach(walk);
    };
    // Bias towards plausible structure: random trees of valid TLVs with random bytes spliced in.
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.uint8Array({ maxLength: 12 }).map((b) => octetString(Buffer.from(b))),
        fc.array(tie('node'), { maxLength: 4 }).map((kids) => sequence(...(kids as Buffer[]))),
      ),
    })).node as fc.Arbitrary<Buffer>;
    const mutated = fc
      .tuple(tree, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 }))
      .map(([b, at, junk]) =>
        Buffer.concat([b.subarray(0, at % (b.length + 1)), junk, b.subarray(at % (b.length + 1))]),
      );
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      mutated,
    );
    fc.assert(
      fc.property(input, (bytes) => {
        try {
          walk(parseDer(bytes));
        } catch (err) {
          if (!(err instanceof DerError)) throw err;
        }
      }),
      { numRuns: 3000 },
    );
  });
});
