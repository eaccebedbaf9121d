/**
 * The Kerberos primitive types (RFC 4120 5.2) on top of the strict DER reader and the tree
 * writer, shared by every codec in this folder: Int32, UInt32, Microseconds, KerberosString,
 * KerberosTime, KerberosFlags, [APPLICATION n] wrappers, bounded SEQUENCE OF, and the one place
 * a DerError becomes SspiError SEC_E_INVALID_TOKEN.
 *
 * Sequences: MIT Kerberos models every SEQUENCE as extensible and skips fields it does not know,
 * so we do too (contextFields still insists on ascending, unrepeated tags).
 */
import { invalidArgValue, sspiError } from '../../../../errors';
import {
  DerError,
  TagClass,
  UniversalTag,
  childrenOf,
  contextFields,
  expectTag,
  expectUniversal,
  integer,
  parseDer,
  readBitString,
  readElement,
  readInteger,
  readString,
  generalizedTime,
  treeExplicit,
  treeSequence,
  type DerElement,
  type DerPart,
  type DerTree,
} from '../../../asn1/der';
import { identifierOf, treeElement } from '../../../asn1/der-tree';
import { KRB5_PVNO } from './constants';

/** The `[n]` fields of a SEQUENCE by tag number, each already taken out of its explicit tag. */
export type Fields = Map<number, DerElement>;

/**
 * Run a parser over peer bytes; a DerError from anywhere inside becomes SEC_E_INVALID_TOKEN
 * naming the structure (`what`, e.g. 'AS-REP'). Messages quote no peer bytes, only offsets.
 */
export function parseAs<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof DerError) {
      throw sspiError('SEC_E_INVALID_TOKEN', `The Kerberos ${what} is malformed: ${err.message}.`);
    }
    throw err;
  }
}

/** The fields of a SEQUENCE of `[n]` members (see the note on extensibility above). */
export function fieldsOf(element: DerElement): Fields {
  return contextFields(element);
}

/** A field that must be there. */
export function required(fields: Fields, tag: number, name: string): DerElement {
  const element = fields.get(tag);
  if (!element) throw new DerError(`${name} [${tag}] is missing`);
  return element;
}

/** For each OPTIONAL member of `T` a parser reads: its `[tag]` and how to read it. */
export type OptionalFields<T> = {
  [K in keyof T]?: readonly [tag: number, read: (e: DerElement) => Exclude<T[K], undefined>];
};

/**
 * Read the OPTIONAL fields `readers` lists into `target`, in the order listed (a secret key
 * last, so that nothing read after it can fail and leave its copy unwiped): a field present is
 * set under its name, an absent one is left out rather than set to undefined. Returns `target`.
 */
export function assignOptional<T extends object>(
  fields: Fields,
  target: T,
  readers: NoInfer<OptionalFields<T>>,
): T {
  for (const name in readers) {
    const [tag, read] = readers[name]!;
    const element = fields.get(tag);
    if (element) target[name] = read(element);
  }
  return target;
}

/** The single SEQUENCE inside a constructed [APPLICATION n], parsed from a whole buffer. */
export function applicationSequence(buf: Buffer, tagNumber: number): DerElement {
  return applicationContent(parseDer(buf), tagNumber);
}

/** The single element inside a constructed [APPLICATION n]. */
export function applicationContent(element: DerElement, tagNumber: number): DerElement {
  expectTag(element, TagClass.Application, tagNumber, true);
  const inner = childrenOf(element);
  if (inner.length !== 1) throw new DerError(`[APPLICATION ${tagNumber}] must hold exactly one SEQUENCE`);
  return inner[0];
}

/**
 * The items of a SEQUENCE OF, refused past `max` before any item is decoded: the items are
 * counted first, stopping at max + 1, so a list of 100,000 tiny elements costs no more than 65.
 */
export function boundedList(element: DerElement, max: number, what: string): DerElement[] {
  expectUniversal(element, UniversalTag.Sequence);
  const content = element.content;
  for (let pos = 0, count = 0; pos < content.length; count++) {
    if (count === max) throw new DerError(`${what} has more than ${max} entries`, element.offset);
    pos += readElement(content, pos, content.length, element.depth + 1).encoded.length;
  }
  return childrenOf(element);
}

/** Int32 (RFC 4120 5.2.4). */
export function readInt32(element: DerElement): number {
  const value = readInteger(element);
  if (value < -0x80000000 || value > 0x7fffffff) throw new DerError('an Int32 out of range', element.offset);
  return value;
}

/**
 * UInt32 (RFC 4120 5.2.4): nonce, seq-number, kvno. Some peers write these as a negative Int32
 * (old Heimdal, some Windows versions); MIT accepts both readings and so do we, normalised to
 * the unsigned value.
 */
export function readUInt32(element: DerElement): number {
  const value = readInteger(element);
  if (value < -0x80000000 || value > 0xffffffff) throw new DerError('a UInt32 out of range', element.offset);
  return value >>> 0;
}

/** Microseconds (RFC 4120 5.2.4): 0..999999. */
export function readMicroseconds(element: DerElement): number {
  const value = readInteger(element);
  if (value < 0 || value > 999999) throw new DerError('microseconds out of 0..999999', element.offset);
  return value;
}

/** pvno, tkt-vno, authenticator-vno: INTEGER (5). */
export function expectVersion(element: DerElement, name: string): void {
  if (readInteger(element) !== KRB5_PVNO) throw new DerError(`${name} is not 5`, element.offset);
}

/** msg-type: INTEGER equal to the message's own. */
export function expectMsgType(element: DerElement, expected: number): void {
  const value = readInteger(element);
  if (value !== expected) throw new DerError(`msg-type is ${value}, not ${expected}`, element.offset);
}

/**
 * KerberosString (RFC 4120 5.2.1): a GeneralString, which MIT, Heimdal and Windows fill with
 * ASCII or UTF-8; read as UTF-8, at most `maxChars` UTF-16 units (checked on the octets first).
 */
export function readKerberosString(element: DerElement, maxChars: number): string {
  expectTag(element, TagClass.Universal, UniversalTag.GeneralString, false);
  if (element.content.length > maxChars * 3) throw new DerError('a KerberosString too long', element.offset);
  const text = readString(element);
  if (text.length > maxChars) throw new DerError('a KerberosString too long', element.offset);
  return text;
}

/** The number the ASCII digits `content[from, from + count)` spell, or -1 if one is not a digit. */
function digitsAt(content: Buffer, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = content[i] - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** KerberosTime (RFC 4120 5.2.3): GeneralizedTime 'YYYYMMDDHHMMSSZ', no fraction, UTC. */
export function readKerberosTime(element: DerElement): Date {
  expectTag(element, TagClass.Universal, UniversalTag.GeneralizedTime, false);
  const { content } = element;
  // Read off the octets: this runs for every time in every ticket and authenticator.
  const fields =
    content.length === 15 && content[14] === 0x5a /* Z */
      ? [0, 4, 6, 8, 10, 12].map((at) => digitsAt(content, at, at === 0 ? 4 : 2))
      : [-1];
  if (fields.includes(-1))
    throw new DerError('a KerberosTime not of the form YYYYMMDDHHMMSSZ', element.offset);
  const [year, month, day, hour, minute, second] = fields;
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  const valid =
    month >= 1 && month <= 12 && hour < 24 && minute < 60 && second < 60 && date.getUTCDate() === day;
  if (!valid) throw new DerError('a KerberosTime that is not a real date', element.offset);
  return date;
}

/**
 * KerberosFlags (RFC 4120 5.2.8): a BIT STRING of at least 32 bits, read as the 32-bit number of
 * its first 32 bits. Shorter strings are read as if padded with zeros, as MIT does.
 */
export function readKerberosFlags(element: DerElement): number {
  const { bytes } = readBitString(element);
  let flags = 0;
  for (let i = 0; i < 4; i++) flags = flags * 256 + (i < bytes.length ? bytes[i] : 0);
  return flags;
}

// ---- Writing ----

/** A SEQUENCE of `[tag] EXPLICIT` members; undefined ones (absent OPTIONAL fields) are left out. */
export function fieldsTree(...members: Array<[number, DerPart | undefined]>): DerTree {
  const present: DerTree[] = [];
  for (const [tag, value] of members) if (value !== undefined) present.push(treeExplicit(tag, value));
  return treeSequence(...present);
}

/** `[APPLICATION n]` around one element. */
export function applicationTree(tagNumber: number, inner: DerPart): DerTree {
  return treeElement(identifierOf(TagClass.Application, true, tagNumber), [inner]);
}

/** A SEQUENCE OF the given members. */
export function listTree(members: DerPart[]): DerTree {
  return treeSequence(...members);
}

function checkedInteger(value: number, name: string, min: number, max: number): Buffer {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgValue(name, value, `must be an integer from ${min} to ${max}`);
  }
  return integer(value);
}

/** Int32 (RFC 4120 5.2.4). */
export function int32(value: number, name = 'value'): Buffer {
  return checkedInteger(value, name, -0x80000000, 0x7fffffff);
}

/** UInt32, written unsigned as RFC 4120 5.2.4 says. */
export function uint32(value: number, name = 'value'): Buffer {
  return checkedInteger(value, name, 0, 0xffffffff);
}

/** Microseconds. */
export function microseconds(value: number, name = 'usec'): Buffer {
  return checkedInteger(value, name, 0, 999999);
}

/** pvno and its kin. */
export function version(): Buffer {
  return integer(KRB5_PVNO);
}

/** KerberosString: GeneralString of the UTF-8 octets. */
export function kerberosString(text: string): DerTree {
  return treeElement(UniversalTag.GeneralString, [Buffer.from(text, 'utf8')]);
}

/** KerberosTime of a Date, to the whole second (the fraction is dropped, RFC 4120 5.2.3). */
export function kerberosTime(date: Date): Buffer {
  return generalizedTime(date);
}

/** KerberosFlags: a 32-bit BIT STRING, bit 0 the most significant. */
export function kerberosFlags(flags: number, name = 'flags'): DerTree {
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff) {
    throw invalidArgValue(name, flags, 'must be a 32-bit unsigned integer');
  }
  const content = Buffer.alloc(5);
  content.writeUInt32BE(flags, 1);
  return treeElement(UniversalTag.BitString, [content]);
}
