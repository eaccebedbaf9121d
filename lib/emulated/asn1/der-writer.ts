/**
 * The DER writer: small pure functions that each return one encoded TLV, composed by nesting,
 * e.g. `sequence(contextExplicit(0, integer(6)), contextExplicit(1, octetString(token)))`.
 * Each level is one allocation; for messages built on every handshake, der-tree describes the
 * whole message first and writes it in one.
 * Bad arguments are programming errors and throw Node-style TypeErrors.
 */
import { invalidArgValue } from '../../errors';
import { TagClass, UniversalTag } from './der-reader';
import { encodeTree, identifierOf, treeElement } from './der-tree';

/** One TLV whose content is `parts` back to back, written in one allocation. */
function tlvOf(identifier: number, parts: readonly Buffer[]): Buffer {
  return encodeTree(treeElement(identifier, parts));
}

/** One TLV from an identifier octet and the content. */
export function tlv(identifier: number, content: Buffer): Buffer {
  return tlvOf(identifier, [content]);
}

/** SEQUENCE of already-encoded members, in the order given. */
export function sequence(...members: Buffer[]): Buffer {
  return tlvOf(0x30, members);
}

/**
 * SET: DER orders the members by their encodings (X.690 11.6, SET OF); for the single-member
 * SETs of X.509 names the order is moot.
 */
export function set(...members: Buffer[]): Buffer {
  return tlvOf(0x31, [...members].sort(Buffer.compare));
}

/** `[n] EXPLICIT`: a constructed context tag around one encoded element. */
export function contextExplicit(tagNumber: number, element: Buffer): Buffer {
  return tlv(identifierOf(TagClass.Context, true, tagNumber), element);
}

/** `[n] IMPLICIT`: the context tag replaces the type's own; pass the value's content octets. */
export function contextImplicit(tagNumber: number, content: Buffer, constructed = false): Buffer {
  return tlv(identifierOf(TagClass.Context, constructed, tagNumber), content);
}

/** `[APPLICATION n]`, constructed, around already-encoded content (e.g. the GSS-API token framing). */
export function application(tagNumber: number, ...members: Buffer[]): Buffer {
  return tlvOf(identifierOf(TagClass.Application, true, tagNumber), members);
}

/** Minimal two's complement octets of a bigint (X.690 8.3.2). */
function twosComplement(value: bigint): Buffer {
  const octets: number[] = [];
  let rest = value;
  for (;;) {
    const low = Number(rest & 0xffn);
    octets.unshift(low);
    rest >>= 8n;
    // Stop once the remaining high part is pure sign extension of the octet just written.
    if ((rest === 0n && low < 0x80) || (rest === -1n && low >= 0x80)) break;
  }
  return Buffer.from(octets);
}

/**
 * INTEGER. A Buffer is read as an unsigned big-endian magnitude (a serial number, an RSA
 * modulus); a leading 0x00 is added or redundant zeros dropped so the encoding is minimal.
 */
export function integer(value: number | bigint | Buffer): Buffer {
  return tlv(UniversalTag.Integer, integerContent(value, 'value'));
}

function integerContent(value: number | bigint | Buffer, name: string): Buffer {
  if (Buffer.isBuffer(value)) {
    let start = 0;
    while (start < value.length - 1 && value[start] === 0) start++;
    const magnitude = value.subarray(start);
    if (magnitude.length === 0) return Buffer.from([0]);
    return magnitude[0] >= 0x80 ? Buffer.concat([Buffer.from([0]), magnitude]) : Buffer.from(magnitude);
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw invalidArgValue(name, value, 'must be a safe integer');
    return numberContent(value);
  }
  return twosComplement(value);
}

/**
 * Minimal two's complement octets of a safe integer, without a detour through BigInt for the
 * values protocols use (versions, credTypes, status codes): the fewest octets, up to the six
 * writeIntBE handles, whose signed range holds the value.
 */
function numberContent(value: number): Buffer {
  for (let size = 1; size <= 6; size++) {
    const limit = 2 ** (8 * size - 1);
    if (value >= -limit && value < limit) {
      const out = Buffer.allocUnsafe(size);
      out.writeIntBE(value, 0, size);
      return out;
    }
  }
  return twosComplement(BigInt(value));
}

/** ENUMERATED (encoded like an INTEGER, X.690 8.4). */
export function enumerated(value: number): Buffer {
  return tlv(UniversalTag.Enumerated, integerContent(value, 'value'));
}

/** OCTET STRING. */
export function octetString(bytes: Buffer): Buffer {
  return tlv(UniversalTag.OctetString, bytes);
}

/** BIT STRING; the unused low bits of the last octet are cleared, as DER requires (X.690 11.2.1). */
export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  if (
    !Number.isInteger(unusedBits) ||
    unusedBits < 0 ||
    unusedBits > 7 ||
    (bytes.length === 0 && unusedBits)
  ) {
    throw invalidArgValue('unusedBits', unusedBits, 'must be 0 to 7, and 0 for an empty BIT STRING');
  }
  const body = Buffer.concat([Buffer.from([unusedBits]), bytes]);
  if (unusedBits > 0) body[body.length - 1] &= 0xff << unusedBits;
  return tlv(UniversalTag.BitString, body);
}

/** OBJECT IDENTIFIER from its dotted form, e.g. '1.2.840.113554.1.2.2' (X.690 8.19). */
export function oid(dotted: string): Buffer {
  if (!/^[0-2]\.(0|[1-9]\d*)(\.(0|[1-9]\d*))*$/.test(dotted)) {
    throw invalidArgValue('dotted', dotted, 'must be a dotted object identifier such as 1.2.840.113549');
  }
  const arcs = dotted.split('.').map((arc) => BigInt(arc));
  if (arcs[0] < 2n && arcs[1] > 39n) throw invalidArgValue('dotted', dotted, 'has a second arc above 39');
  const subidentifiers = [arcs[0] * 40n + arcs[1], ...arcs.slice(2)];
  const octets: number[] = [];
  for (const sub of subidentifiers) {
    const base128: number[] = [Number(sub & 0x7fn)];
    for (let rest = sub >> 7n; rest > 0n; rest >>= 7n) base128.unshift(Number(rest & 0x7fn) | 0x80);
    octets.push(...base128);
  }
  return tlv(UniversalTag.ObjectIdentifier, Buffer.from(octets));
}

/** UTF8String. */
export function utf8String(text: string): Buffer {
  return tlv(UniversalTag.Utf8String, Buffer.from(text, 'utf8'));
}

/** PrintableString (X.680 41.4: letters, digits, space and '()+,-./:=?). */
export function printableString(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) {
    throw invalidArgValue('text', text, 'has characters a PrintableString cannot hold');
  }
  return tlv(UniversalTag.PrintableString, Buffer.from(text, 'latin1'));
}

/** IA5String (ASCII). */
export function ia5String(text: string): Buffer {
  if (!/^[\x00-\x7f]*$/.test(text)) throw invalidArgValue('text', text, 'must be ASCII for an IA5String');
  return tlv(UniversalTag.Ia5String, Buffer.from(text, 'latin1'));
}

function checkedDate(date: Date): Date {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw invalidArgValue('date', date, 'must be a valid Date');
  }
  return date;
}

/**
 * The UTC time as [YY]YYMMDDHHMMSSZ (the century's digits when `fullYear`), written digit by digit
 * for a year in 0..9999: Kerberos encodes several times per message.
 */
function timeDigits(date: Date, fullYear: boolean): Buffer {
  const year = date.getUTCFullYear();
  const fields = [
    ...(fullYear ? [Math.floor(year / 100)] : []),
    year % 100,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
  const out = Buffer.allocUnsafe(fields.length * 2 + 1);
  fields.forEach((value, i) => {
    out[2 * i] = 0x30 + Math.floor(value / 10);
    out[2 * i + 1] = 0x30 + (value % 10);
  });
  out[out.length - 1] = 0x5a; // Z
  return out;
}

/** UTCTime 'YYMMDDHHMMSSZ', for years 1950 to 2049 (RFC 5280 4.1.2.5.1). */
export function utcTime(date: Date): Buffer {
  const year = checkedDate(date).getUTCFullYear();
  if (year < 1950 || year > 2049) throw invalidArgValue('date', date, 'must be in 1950..2049 for UTCTime');
  return tlv(UniversalTag.UtcTime, timeDigits(date, false));
}

/** GeneralizedTime 'YYYYMMDDHHMMSSZ', without fractions (RFC 5280 4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  const year = checkedDate(date).getUTCFullYear();
  if (year < 0 || year > 9999) throw invalidArgValue('date', date, 'must have a four-digit year');
  return tlv(UniversalTag.GeneralizedTime, timeDigits(date, true));
}

/** BOOLEAN: FF for true, 00 for false (X.690 11.1). */
export function boolean(value: boolean): Buffer {
  return tlv(UniversalTag.Boolean, Buffer.from([value ? 0xff : 0x00]));
}

/** NULL. */
export function nullValue(): Buffer {
  return tlv(UniversalTag.Null, Buffer.alloc(0));
}
