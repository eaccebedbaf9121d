/**
 * The strict DER reader for structure: identifiers, lengths, children (X.690 sections 8 and 10). Every length is checked against the bytes
 * that are really there, nesting is capped, and anything BER allows but DER does not is refused:
 * indefinite lengths, non-minimal lengths, non-minimal INTEGERs, constructed strings, BOOLEANs
 * other than 00/FF, non-zero unused bits. The only exception thrown is DerError.
 */
import { DerError } from './der-error';

/** The two class bits of an identifier octet (X.690 8.1.2.2). */
export const TagClass = { Universal: 0, Application: 1, Context: 2, Private: 3 } as const;
export type TagClass = (typeof TagClass)[keyof typeof TagClass];

/** The universal tag numbers these protocols use (X.680 8.4). */
export const UniversalTag = {
  Boolean: 1,
  Integer: 2,
  BitString: 3,
  OctetString: 4,
  Null: 5,
  ObjectIdentifier: 6,
  Enumerated: 10,
  Utf8String: 12,
  Sequence: 16,
  Set: 17,
  PrintableString: 19,
  Ia5String: 22,
  UtcTime: 23,
  GeneralizedTime: 24,
  GeneralString: 27,
} as const;

/** Deeper than any structure we read (X.509 is the deepest, around 10); stops stack-exhaustion inputs. */
export const MAX_DER_DEPTH = 32;

/** One parsed TLV. `content` and `encoded` are views into the buffer that was parsed, not copies. */
export interface DerElement {
  readonly tagClass: TagClass;
  readonly constructed: boolean;
  readonly tagNumber: number;
  /** The value octets. */
  readonly content: Buffer;
  /** The whole TLV, identifier and length included (what a MIC over an encoding must cover). */
  readonly encoded: Buffer;
  /** Offset of the identifier octet in the buffer the outermost element was read from. */
  readonly offset: number;
  /** 0 for an outermost element, parent depth + 1 for a child. */
  readonly depth: number;
}

const CLASS_NAMES = ['UNIVERSAL', 'APPLICATION', 'CONTEXT', 'PRIVATE'];
const UNIVERSAL_NAMES = new Map<number, string>(Object.entries(UniversalTag).map(([k, v]) => [v, k]));

/** A tag for error messages, e.g. '[2]', 'OctetString'. */
export function describeTag(tagClass: number, tagNumber: number): string {
  if (tagClass === TagClass.Universal) return UNIVERSAL_NAMES.get(tagNumber) ?? `UNIVERSAL ${tagNumber}`;
  if (tagClass === TagClass.Context) return `[${tagNumber}]`;
  return `[${CLASS_NAMES[tagClass]} ${tagNumber}]`;
}

/**
 * DerElement as the reader makes it. `encoded` is a view made on first use: most elements are
 * only looked into through `content`, and every Buffer view costs an object.
 */
class ParsedElement implements DerElement {
  private encodedView: Buffer | undefined;

  constructor(
    readonly tagClass: TagClass,
    readonly constructed: boolean,
    readonly tagNumber: number,
    readonly content: Buffer,
    /** The buffer the TLV was read from, and where in it the TLV starts and ends. */
    private readonly source: Buffer,
    private readonly start: number,
    private readonly end: number,
    readonly offset: number,
    readonly depth: number,
  ) {}

  get encoded(): Buffer {
    this.encodedView ??= this.source.subarray(this.start, this.end);
    return this.encodedView;
  }

  /** encoded.length, without making the view. */
  get encodedLength(): number {
    return this.end - this.start;
  }
}

/** The whole TLV's length; for the reader's own elements without making the `encoded` view. */
function encodedLength(element: DerElement): number {
  return element instanceof ParsedElement ? element.encodedLength : element.encoded.length;
}

/**
 * Read one TLV starting at `offset`, which must end at or before `limit` (default: the buffer's
 * end). X.690 8.1.3 (lengths) as restricted by 10.1: definite form only, minimal, at most 4 octets.
 */
export function readElement(buf: Buffer, offset = 0, limit = buf.length, depth = 0): DerElement {
  return readElementAt(buf, offset, limit, depth, 0);
}

/**
 * readElement for a buffer that starts `base` bytes into the outermost one (a parent's content):
 * the result's `offset` counts from the outermost buffer, so childrenOf need not copy each child.
 */
function readElementAt(
  buf: Buffer,
  offset: number,
  limit: number,
  depth: number,
  base: number,
): ParsedElement {
  if (depth > MAX_DER_DEPTH) throw new DerError(`nesting deeper than ${MAX_DER_DEPTH} levels`, offset);
  if (!Number.isInteger(offset) || offset < 0 || limit > buf.length || offset >= limit) {
    throw new DerError('expected an element but the data ended', offset);
  }
  const identifier = buf[offset];
  const tagNumber = identifier & 0x1f;
  // High-tag-number form (X.690 8.1.2.4): no structure we read uses tag numbers above 30.
  if (tagNumber === 0x1f) throw new DerError('tag numbers above 30 are not used here', offset);
  let pos = offset + 1;
  if (pos >= limit) throw new DerError('the length octet is missing', offset);
  const first = buf[pos++];
  let length: number;
  if (first < 0x80) {
    length = first;
  } else if (first === 0x80) {
    throw new DerError('indefinite lengths are not allowed in DER', offset);
  } else {
    const count = first & 0x7f;
    if (count > 4) throw new DerError(`a length of ${count} octets is too long`, offset);
    if (pos + count > limit) throw new DerError('the length octets run past the end', offset);
    if (buf[pos] === 0) throw new DerError('the length has a leading zero octet (not minimal)', offset);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[pos++];
    if (length < 0x80) throw new DerError('a short length was written in long form (not minimal)', offset);
  }
  if (length > limit - pos) {
    throw new DerError(`the length ${length} runs past the end of the data (${limit - pos} left)`, offset);
  }
  const end = pos + length;
  return new ParsedElement(
    (identifier >> 6) as TagClass,
    (identifier & 0x20) !== 0,
    tagNumber,
    buf.subarray(pos, end),
    buf,
    offset,
    end,
    base + offset,
    depth,
  );
}

/** Read a buffer that must hold exactly one element, with nothing after it. */
export function parseDer(buf: Buffer): DerElement {
  const element = readElementAt(buf, 0, buf.length, 0, 0);
  if (element.encodedLength !== buf.length) {
    throw new DerError(`${buf.length - element.encodedLength} unexpected bytes after the element`);
  }
  return element;
}

/** The elements inside a constructed element, in order. */
export function childrenOf(element: DerElement): DerElement[] {
  if (!element.constructed) {
    throw new DerError(
      `${describeTag(element.tagClass, element.tagNumber)} is not constructed`,
      element.offset,
    );
  }
  const content = element.content;
  const base = element.offset + (encodedLength(element) - content.length);
  const children: DerElement[] = [];
  let pos = 0;
  while (pos < content.length) {
    const child = readElementAt(content, pos, content.length, element.depth + 1, base);
    children.push(child);
    pos += child.encodedLength;
  }
  return children;
}

/** Throw unless the element has this class and number (and, if given, this constructed bit). */
export function expectTag(
  element: DerElement,
  tagClass: TagClass,
  tagNumber: number,
  constructed?: boolean,
): void {
  if (element.tagClass !== tagClass || element.tagNumber !== tagNumber) {
    throw new DerError(
      `expected ${describeTag(tagClass, tagNumber)} but found ${describeTag(element.tagClass, element.tagNumber)}`,
      element.offset,
    );
  }
  if (constructed !== undefined && element.constructed !== constructed) {
    const form = constructed ? 'constructed' : 'primitive';
    throw new DerError(`${describeTag(tagClass, tagNumber)} must be ${form} in DER`, element.offset);
  }
}

/** A universal type; SEQUENCE and SET must be constructed, everything else primitive (X.690 10.2). */
export function expectUniversal(element: DerElement, tag: number): void {
  expectTag(element, TagClass.Universal, tag, tag === UniversalTag.Sequence || tag === UniversalTag.Set);
}

/** Check for a SEQUENCE and return its children. */
export function expectSequence(element: DerElement): DerElement[] {
  expectUniversal(element, UniversalTag.Sequence);
  return childrenOf(element);
}

/** The single element inside an explicit tag such as `[n] EXPLICIT` (class defaults to context). */
export function explicitContent(
  element: DerElement,
  tagNumber: number,
  tagClass: TagClass = TagClass.Context,
): DerElement {
  expectTag(element, tagClass, tagNumber, true);
  const inner = childrenOf(element);
  if (inner.length !== 1) {
    throw new DerError(`${describeTag(tagClass, tagNumber)} must hold exactly one element`, element.offset);
  }
  return inner[0];
}

/**
 * The fields of a SEQUENCE whose members are all explicitly tagged `[n]`, keyed by n and already
 * unwrapped. DER writes them in ascending tag order, each at most once (X.690 10.3 via the type's
 * definition order); anything else is refused. Unknown tags are kept so a caller may skip them.
 */
export function contextFields(sequenceElement: DerElement): Map<number, DerElement> {
  const fields = new Map<number, DerElement>();
  let previous = -1;
  for (const child of expectSequence(sequenceElement)) {
    if (child.tagClass !== TagClass.Context) {
      throw new DerError(
        `expected a [n] field but found ${describeTag(child.tagClass, child.tagNumber)}`,
        child.offset,
      );
    }
    if (child.tagNumber <= previous) {
      throw new DerError(`field [${child.tagNumber}] is repeated or out of order`, child.offset);
    }
    previous = child.tagNumber;
    fields.set(child.tagNumber, explicitContent(child, child.tagNumber));
  }
  return fields;
}
