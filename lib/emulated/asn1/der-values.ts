/**
 * Readers for the values inside primitive elements (X.690 section 8 as restricted by 10 and 11).
 * Each checks the element's tag first, then that the octets are the one DER form of the value.
 */
import { DerError } from './der-error';
import { TagClass, UniversalTag, describeTag, expectUniversal, type DerElement } from './der-reader';

/** X.690 8.3.2: a two's-complement INTEGER (or ENUMERATED) body must be non-empty and minimal. */
function checkedIntegerContent(element: DerElement, tag: number): Buffer {
  expectUniversal(element, tag);
  const c = element.content;
  if (c.length === 0) throw new DerError('an INTEGER with no octets', element.offset);
  if (c.length > 1 && ((c[0] === 0x00 && c[1] < 0x80) || (c[0] === 0xff && c[1] >= 0x80))) {
    throw new DerError('an INTEGER with a redundant leading octet (not minimal)', element.offset);
  }
  return c;
}

function integerValue(element: DerElement, tag: number): number {
  const c = checkedIntegerContent(element, tag);
  // Six octets hold every value of |n| < 2^47, comfortably inside Number's exact range.
  if (c.length > 6) throw new DerError('an INTEGER too large for this field', element.offset);
  let value = c[0] >= 0x80 ? c[0] - 0x100 : c[0];
  for (let i = 1; i < c.length; i++) value = value * 256 + c[i];
  return value;
}

/** An INTEGER that fits in six octets, as a number (negative values allowed). */
export function readInteger(element: DerElement): number {
  return integerValue(element, UniversalTag.Integer);
}

/** An INTEGER of any size, as its minimal two's-complement octets (a view, not a copy). */
export function readIntegerBytes(element: DerElement): Buffer {
  return checkedIntegerContent(element, UniversalTag.Integer);
}

/** An ENUMERATED (X.690 8.4: encoded as an INTEGER). */
export function readEnumerated(element: DerElement): number {
  return integerValue(element, UniversalTag.Enumerated);
}

/** An OCTET STRING's octets (a view, not a copy). */
export function readOctetString(element: DerElement): Buffer {
  expectUniversal(element, UniversalTag.OctetString);
  return element.content;
}

/** A BIT STRING (X.690 8.6, 11.2): the octets and how many trailing bits of the last are unused. */
export function readBitString(element: DerElement): { bytes: Buffer; unusedBits: number } {
  expectUniversal(element, UniversalTag.BitString);
  const c = element.content;
  if (c.length === 0) throw new DerError('a BIT STRING without its unused-bits octet', element.offset);
  const unusedBits = c[0];
  if (unusedBits > 7 || (c.length === 1 && unusedBits !== 0)) {
    throw new DerError(`a BIT STRING with an invalid unused-bits count ${unusedBits}`, element.offset);
  }
  if (unusedBits > 0 && (c[c.length - 1] & ((1 << unusedBits) - 1)) !== 0) {
    throw new DerError('a BIT STRING whose unused bits are not zero', element.offset);
  }
  return { bytes: c.subarray(1), unusedBits };
}

/** An OBJECT IDENTIFIER as a dotted string, e.g. '1.3.6.1.5.5.2' (X.690 8.19). */
export function readOid(element: DerElement): string {
  expectUniversal(element, UniversalTag.ObjectIdentifier);
  const c = element.content;
  if (c.length === 0) throw new DerError('an empty OBJECT IDENTIFIER', element.offset);
  if (c.length > 128) throw new DerError('an OBJECT IDENTIFIER longer than 128 octets', element.offset);
  const arcs: bigint[] = [];
  let value = 0n;
  let startOfArc = true;
  for (const byte of c) {
    // 8.19.2: each subidentifier is minimal, so it never starts with 0x80.
    if (startOfArc && byte === 0x80)
      throw new DerError('an OID arc with a leading 0x80 octet', element.offset);
    value = (value << 7n) | BigInt(byte & 0x7f);
    startOfArc = (byte & 0x80) === 0;
    if (startOfArc) {
      arcs.push(value);
      value = 0n;
    }
  }
  if (!startOfArc) throw new DerError('an OBJECT IDENTIFIER cut off inside an arc', element.offset);
  // 8.19.4: the first subidentifier packs the first two arcs as 40 * X + Y.
  const first = arcs[0];
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF8String, GeneralString (read as UTF-8, as Kerberos-era peers write it), IA5String or PrintableString. */
export function readString(element: DerElement): string {
  const tag = element.tagNumber;
  const allowed: number[] = [
    UniversalTag.Utf8String,
    UniversalTag.GeneralString,
    UniversalTag.Ia5String,
    UniversalTag.PrintableString,
  ];
  if (element.tagClass !== TagClass.Universal || !allowed.includes(tag)) {
    throw new DerError(`expected a string but found ${describeTag(element.tagClass, tag)}`, element.offset);
  }
  expectUniversal(element, tag);
  const c = element.content;
  if (tag === UniversalTag.Ia5String || tag === UniversalTag.PrintableString) {
    const text = c.toString('latin1');
    const ok = tag === UniversalTag.Ia5String ? c.every((b) => b < 0x80) : PRINTABLE.test(text);
    if (!ok) throw new DerError(`characters not allowed in ${describeTag(0, tag)}`, element.offset);
    return text;
  }
  try {
    return utf8Decoder.decode(c);
  } catch {
    throw new DerError(`${describeTag(0, tag)} is not valid UTF-8`, element.offset);
  }
}

/** A BOOLEAN; DER allows only 0x00 and 0xFF (X.690 11.1). */
export function readBoolean(element: DerElement): boolean {
  expectUniversal(element, UniversalTag.Boolean);
  const c = element.content;
  if (c.length !== 1 || (c[0] !== 0x00 && c[0] !== 0xff)) {
    throw new DerError('a BOOLEAN must be one octet, 00 or FF', element.offset);
  }
  return c[0] === 0xff;
}

/** A NULL, which has no content octets. */
export function readNull(element: DerElement): null {
  expectUniversal(element, UniversalTag.Null);
  if (element.content.length !== 0) throw new DerError('a NULL with content octets', element.offset);
  return null;
}
