/**
 * DER elements described as a tree, then written in one allocation (X.690 8.1: identifier octet,
 * length octets, content octets). Messages built on every handshake (TSRequest, TSCredentials,
 * SPNEGO tokens) use it directly: nesting the Buffer-returning functions of der-writer allocates
 * and copies each token once per level, and for TSCredentials leaves behind copies of the
 * password that nobody zeroes. The writer's own functions are built on it too.
 *
 *   encodeTree(treeSequence(treeExplicit(0, integer(6)), treeExplicit(1, treeOctetString(token))))
 */
import { invalidArgValue } from '../../errors';
import { TagClass, UniversalTag } from './der-reader';

/** A content part: a Buffer is copied as it is (content octets, or an element already encoded). */
export type DerPart = Buffer | DerTree;

/** An element not yet written, sized when it is made. */
export interface DerTree {
  readonly identifier: number;
  /** The content, in order. */
  readonly parts: readonly DerPart[];
  readonly contentLength: number;
  /** Identifier, length and content octets together. */
  readonly encodedLength: number;
}

/** How many octets the length field takes (X.690 8.1.3): short form below 128, else 1 + the fewest octets. */
function lengthFieldSize(length: number): number {
  if (length < 0x80) return 1;
  let octets = 1;
  for (let rest = length; rest > 0xff; rest = Math.floor(rest / 256)) octets++;
  return 1 + octets;
}

/** Write the length field of lengthFieldSize(length) octets at `at`; returns the offset after it. */
function writeLength(out: Buffer, at: number, length: number): number {
  const size = lengthFieldSize(length);
  if (size === 1) {
    out[at] = length;
    return at + 1;
  }
  out[at] = 0x80 | (size - 1);
  for (let i = size - 1, rest = length; i > 0; i--, rest = Math.floor(rest / 256)) out[at + i] = rest & 0xff;
  return at + size;
}

/** The identifier octet (X.690 8.1.2) of a low tag number; higher ones are never needed here. */
export function identifierOf(tagClass: TagClass, constructed: boolean, tagNumber: number): number {
  if (!Number.isInteger(tagNumber) || tagNumber < 0 || tagNumber > 30) {
    throw invalidArgValue('tagNumber', tagNumber, 'must be an integer from 0 to 30');
  }
  return (tagClass << 6) | (constructed ? 0x20 : 0) | tagNumber;
}

/** An element with this identifier octet whose content is `parts` back to back. */
export function treeElement(identifier: number, parts: readonly DerPart[]): DerTree {
  let contentLength = 0;
  for (const part of parts) contentLength += Buffer.isBuffer(part) ? part.length : part.encodedLength;
  const encodedLength = 1 + lengthFieldSize(contentLength) + contentLength;
  return { identifier, parts, contentLength, encodedLength };
}

/** SEQUENCE of members (encoded elements or trees), in the order given. */
export function treeSequence(...members: DerPart[]): DerTree {
  return treeElement(0x30, members);
}

/** `[n] EXPLICIT` around one element. */
export function treeExplicit(tagNumber: number, element: DerPart): DerTree {
  return treeElement(identifierOf(TagClass.Context, true, tagNumber), [element]);
}

/**
 * OCTET STRING of `content`: bytes, or a tree whose encoding the string holds (as
 * TSCredentials.credentials holds a DER TSPasswordCreds, MS-CSSP 2.2.1.2).
 */
export function treeOctetString(content: DerPart): DerTree {
  return treeElement(UniversalTag.OctetString, [content]);
}

/** Write `node` at `at`; returns the offset after it. */
function writeTree(node: DerTree, out: Buffer, at: number): number {
  out[at] = node.identifier;
  let pos = writeLength(out, at + 1, node.contentLength);
  for (const part of node.parts)
    pos = Buffer.isBuffer(part) ? pos + part.copy(out, pos) : writeTree(part, out, pos);
  return pos;
}

/**
 * The DER encoding of `root`, in one Buffer from `allocate` (a message that carries secrets asks
 * for secret memory; every byte is written, so the memory need not be zeroed first).
 */
export function encodeTree(root: DerTree, allocate: (length: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const out = allocate(root.encodedLength);
  writeTree(root, out, 0);
  return out;
}
