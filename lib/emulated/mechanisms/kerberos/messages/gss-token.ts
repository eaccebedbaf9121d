/**
 * The Kerberos GSS-API mechanism's own framing (RFC 4121 4.1): context tokens inside the
 * InitialContextToken of RFC 2743 3.1, with the 2-byte TOK_ID before the Kerberos message; and
 * the authenticator checksum of type 0x8003 that carries the channel-binding hash, the context
 * flags and a delegated TGT (RFC 4121 4.1.1).
 *
 *   [APPLICATION 0] IMPLICIT SEQUENCE { thisMech OBJECT IDENTIFIER, innerContextToken ANY }
 *   innerContextToken = TOK_ID (2 octets, big-endian) || AP-REQ | AP-REP | KRB-ERROR
 */
import { invalidArgValue, peerText, sspiError } from '../../../../errors';
import {
  DerError,
  TagClass,
  encodeTree,
  expectTag,
  oid,
  parseDer,
  readElement,
  readOid,
} from '../../../asn1/der';
import { identifierOf, treeElement } from '../../../asn1/der-tree';
import { digestOf } from '../../../crypto/digest';
import { GssFlag, KRB5_OID, MS_KRB5_OID } from './constants';
import { parseAs } from './fields';
import type { GssChecksum } from './types';

export { GSS_CHECKSUM_TYPE } from './constants';

/** The two OIDs' DER, encoded once. */
const OID_DER = new Map([KRB5_OID, MS_KRB5_OID].map((dotted) => [dotted, oid(dotted)]));

/**
 * Frame a context token: [APPLICATION 0] around the mechanism OID, TOK_ID (GssTokenId) and
 * `inner`. MIT and Windows frame AP-REP and KRB-ERROR tokens too, and accept them framed; an
 * acceptor answers under the OID the initiator used (`mechOid`, the krb5 one by default).
 */
export function wrapInitialContextToken(tokId: number, inner: Buffer, mechOid: string = KRB5_OID): Buffer {
  if (!Number.isInteger(tokId) || tokId < 0 || tokId > 0xffff) {
    throw invalidArgValue('tokId', tokId, 'must be a 16-bit TOK_ID');
  }
  const oidDer = OID_DER.get(mechOid);
  if (!oidDer) throw invalidArgValue('mechOid', mechOid, `must be ${KRB5_OID} or ${MS_KRB5_OID}`);
  const tokIdBytes = Buffer.from([tokId >> 8, tokId & 0xff]);
  return encodeTree(treeElement(identifierOf(TagClass.Application, true, 0), [oidDer, tokIdBytes, inner]));
}

/**
 * Take a framed context token apart. The mechanism must be Kerberos under either OID (Windows
 * still answers with the Microsoft one when the initiator offered it). `inner` is a view into `buf`.
 */
export function unwrapInitialContextToken(buf: Buffer): { oid: string; tokId: number; inner: Buffer } {
  return parseAs('GSS-API context token (RFC 2743 3.1)', () => {
    const outer = parseDer(buf);
    expectTag(outer, TagClass.Application, 0, true);
    const content = outer.content;
    const mech = readElement(content, 0, content.length, 1);
    const mechOid = readOid(mech);
    if (mechOid !== KRB5_OID && mechOid !== MS_KRB5_OID) {
      throw new DerError(`the mechanism ${peerText(mechOid)} is not Kerberos`);
    }
    const rest = content.subarray(mech.encoded.length);
    if (rest.length < 2) throw new DerError('the TOK_ID is missing');
    return { oid: mechOid, tokId: rest.readUInt16BE(0), inner: rest.subarray(2) };
  });
}

/** Lgth: the channel-binding hash is always 16 octets (RFC 4121 4.1.1). */
const BINDINGS_LENGTH = 16;
/** DlgOpt: the only delegation option defined, a KRB-CRED (RFC 4121 4.1.1.1). */
const DELEGATION_OPTION = 1;

/**
 * The 0x8003 checksum: Lgth (4, LE) = 16 | Bnd (16) | Flags (4, LE)
 * [ | DlgOpt (2, LE) = 1 | Dlgth (2, LE) | Deleg (Dlgth) ]  [ | Exts ]   — RFC 4121 4.1.1.
 * `delegation` requires GSS_C_DELEG_FLAG in `flags`.
 */
export function encodeGssChecksum(c: GssChecksum): Buffer {
  if (c.bindingsHash.length !== BINDINGS_LENGTH) {
    throw invalidArgValue('bindingsHash', c.bindingsHash, 'must be 16 bytes');
  }
  if (!Number.isInteger(c.flags) || c.flags < 0 || c.flags > 0xffffffff) {
    throw invalidArgValue('flags', c.flags, 'must be a 32-bit unsigned integer');
  }
  const head = Buffer.alloc(24);
  head.writeUInt32LE(BINDINGS_LENGTH, 0);
  c.bindingsHash.copy(head, 4);
  head.writeUInt32LE(c.flags, 20);
  const parts: Buffer[] = [head];
  if (c.delegation) {
    if (!(c.flags & GssFlag.DELEG))
      throw invalidArgValue('flags', c.flags, 'must have DELEG with a delegation');
    if (c.delegation.length > 0xffff) {
      throw invalidArgValue('delegation', c.delegation, 'must be at most 65535 bytes');
    }
    const option = Buffer.alloc(4);
    option.writeUInt16LE(DELEGATION_OPTION, 0);
    option.writeUInt16LE(c.delegation.length, 2);
    parts.push(option, c.delegation);
  }
  if (c.extensions) parts.push(c.extensions);
  return Buffer.concat(parts);
}

/**
 * Read a 0x8003 checksum. As MIT does, delegation fields are read only when GSS_C_DELEG_FLAG is
 * set and there are bytes after the flags; what follows is kept as `extensions`.
 */
export function parseGssChecksum(buf: Buffer): GssChecksum {
  const fail = (why: string) =>
    sspiError(
      'SEC_E_INVALID_TOKEN',
      `The Kerberos authenticator checksum (RFC 4121 4.1.1) is malformed: ${why}.`,
    );
  if (buf.length < 24) throw fail(`${buf.length} bytes, fewer than 24`);
  const lgth = buf.readUInt32LE(0);
  if (lgth !== BINDINGS_LENGTH) throw fail(`the bindings length is ${lgth}, not 16`);
  const c: GssChecksum = { bindingsHash: Buffer.from(buf.subarray(4, 20)), flags: buf.readUInt32LE(20) };
  let pos = 24;
  if (c.flags & GssFlag.DELEG && buf.length > pos) {
    if (buf.length < pos + 4) throw fail('the delegation option is cut short');
    const option = buf.readUInt16LE(pos);
    if (option !== DELEGATION_OPTION) throw fail(`the delegation option is ${option}, not 1`);
    const length = buf.readUInt16LE(pos + 2);
    pos += 4;
    if (length > buf.length - pos)
      throw fail(`the delegation claims ${length} bytes, ${buf.length - pos} remain`);
    c.delegation = Buffer.from(buf.subarray(pos, pos + length));
    pos += length;
  }
  if (pos < buf.length) c.extensions = Buffer.from(buf.subarray(pos));
  return c;
}

/** gss_channel_bindings_struct (RFC 2744 3.11); absent parts are type 0 (GSS_C_AF_UNSPEC), empty. */
export interface ChannelBindings {
  initiatorAddrType?: number;
  initiatorAddress?: Buffer;
  acceptorAddrType?: number;
  acceptorAddress?: Buffer;
  /** What TLS-bound protocols use: 'tls-server-end-point:' and the certificate hash (RFC 5929). */
  applicationData?: Buffer;
}

/**
 * Bnd of the 0x8003 checksum (RFC 4121 4.1.1.2, RFC 1964 1.1.1): MD5 over the initiator's and the
 * acceptor's address (each: type, length, bytes) and the application data (length, bytes), the
 * numbers 32-bit little-endian as MIT and Windows write them; 16 zero bytes without bindings.
 */
export function channelBindingsHash(bindings: ChannelBindings | undefined): Buffer {
  if (!bindings) return Buffer.alloc(BINDINGS_LENGTH);
  const u32 = (value: number) => {
    const out = Buffer.alloc(4);
    out.writeUInt32LE(value, 0);
    return out;
  };
  const field = (bytes: Buffer | undefined) => [u32(bytes?.length ?? 0), bytes ?? Buffer.alloc(0)];
  return digestOf(
    'md5',
    u32(bindings.initiatorAddrType ?? 0),
    ...field(bindings.initiatorAddress),
    u32(bindings.acceptorAddrType ?? 0),
    ...field(bindings.acceptorAddress),
    ...field(bindings.applicationData),
  );
}
