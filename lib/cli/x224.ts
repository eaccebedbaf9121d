/**
 * The RDP connection preamble (MS-RDPBCGR 2.2.1.1 and 2.2.1.2): a TPKT-framed X.224 Connection
 * Request carrying RDP_NEG_REQ, answered by a Connection Confirm carrying RDP_NEG_RSP or
 * RDP_NEG_FAILURE. Pure encode/parse, no I/O. Everything that arrives from the network is
 * bounds-checked; malformed input throws SEC_E_INVALID_TOKEN.
 */
import { sspiError } from '../errors';

/** Security protocol bits of requestedProtocols / selectedProtocol (MS-RDPBCGR 2.2.1.1.1). */
export const PROTOCOL = Object.freeze({
  RDP: 0x00000000,
  SSL: 0x00000001,
  HYBRID: 0x00000002,
  RDSTLS: 0x00000004,
  HYBRID_EX: 0x00000008,
  RDSAAD: 0x00000010,
} as const);

/** failureCode values of RDP_NEG_FAILURE (MS-RDPBCGR 2.2.1.2.2). */
export const NEG_FAILURE = Object.freeze({
  SSL_REQUIRED_BY_SERVER: 0x00000001,
  SSL_NOT_ALLOWED_BY_SERVER: 0x00000002,
  SSL_CERT_NOT_ON_SERVER: 0x00000003,
  INCONSISTENT_FLAGS: 0x00000004,
  HYBRID_REQUIRED_BY_SERVER: 0x00000005,
  SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER: 0x00000006,
} as const);

/** TPKT header (T.123 section 8): version 3, reserved, 16-bit big-endian length of the whole packet. */
const TPKT_VERSION = 3;
const TPKT_HEADER_LENGTH = 4;
/** X.224 class 0 CR/CC fixed part: LI, code, DST-REF, SRC-REF, class (X.224 13.3, 13.4). */
const X224_FIXED_LENGTH = 7;
/** Where the variable part (cookie, negotiation data) starts in a TPKT packet. */
const VARIABLE_PART_OFFSET = TPKT_HEADER_LENGTH + X224_FIXED_LENGTH;
/**
 * The longest TPKT packet an X.224 Connection Request or Confirm can be. MS-RDPBCGR 2.2.1.1 and
 * 2.2.1.2 count everything after the TPKT header (the cookie or routing token, RDP_NEG_REQ,
 * RDP_CORRELATION_INFO) in the TPDU's one-byte length indicator, whose largest value is 254
 * (X.224 13.2.1 reserves 255); with the LI byte itself and the TPKT header, 4 + 1 + 254 bytes.
 * A longer claim cannot be a connection PDU, so it is refused before any byte of it is awaited.
 */
export const MAX_CONNECTION_PDU_LENGTH = TPKT_HEADER_LENGTH + 1 + 254;
const X224_CONNECTION_REQUEST = 0xe0;
const X224_CONNECTION_CONFIRM = 0xd0;
/** MS-RDPBCGR 3.3.5.3.2: the server sets the Source reference of its confirm to 0x1234. */
const CONFIRM_SOURCE_REFERENCE = 0x1234;

const TYPE_RDP_NEG_REQ = 0x01;
const TYPE_RDP_NEG_RSP = 0x02;
const TYPE_RDP_NEG_FAILURE = 0x03;
const TYPE_RDP_CORRELATION_INFO = 0x06;
/** RDP_NEG_REQ flag saying an RDP_CORRELATION_INFO follows (MS-RDPBCGR 2.2.1.1.1). */
const CORRELATION_INFO_PRESENT = 0x08;
const NEG_STRUCT_LENGTH = 8;
const CORRELATION_INFO_LENGTH = 36;

/** The line that starts a routing token or cookie and the CR LF that ends it (MS-RDPBCGR 2.2.1.1). */
const COOKIE_PREFIX = 'Cookie: mstshash=';
const TOKEN_PREFIX = 'Cookie: ';
const CRLF = Buffer.from('\r\n', 'latin1');

/** What a client asks for in its X.224 Connection Request. */
export interface ConnectionRequest {
  /** The user name of "Cookie: mstshash=USER\r\n", when the request carries that cookie. */
  cookie?: string;
  /** A load-balancing routing token line (without CR LF), when the request carries one instead. */
  routingToken?: string;
  /** RDP_NEG_REQ, absent for a client that only speaks Standard RDP Security. */
  negotiation?: { flags: number; requestedProtocols: number };
}

/** What a server answered in its X.224 Connection Confirm. */
export type ConnectionConfirm =
  | { kind: 'response'; flags: number; selectedProtocol: number }
  | { kind: 'failure'; failureCode: number }
  /** A confirm without rdpNegData: the server only does Standard RDP Security. */
  | { kind: 'none' };

/**
 * How many bytes the TPKT packet at the start of `data` spans, or undefined while its header
 * has not fully arrived. Throws when the header is not a TPKT header, so a reader never waits
 * for bytes that will not come.
 */
export function tpktPacketLength(data: Buffer): number | undefined {
  if (data.length >= 1 && data[0] !== TPKT_VERSION) {
    throw invalid(`it does not start with a TPKT header (version byte 0x${hex(data[0])}, expected 0x03)`);
  }
  if (data.length < TPKT_HEADER_LENGTH) return undefined;
  const length = data.readUInt16BE(2);
  if (length < VARIABLE_PART_OFFSET) {
    throw invalid(`its TPKT length ${length} is too short for an X.224 connection PDU`);
  }
  if (length > MAX_CONNECTION_PDU_LENGTH) {
    throw invalid(
      `its TPKT length ${length} is longer than the ${MAX_CONNECTION_PDU_LENGTH} bytes an X.224 connection PDU can span`,
    );
  }
  return length;
}

/**
 * Encode a Client X.224 Connection Request PDU (MS-RDPBCGR 2.2.1.1), with the optional
 * "Cookie: mstshash=USER" line and an RDP_NEG_REQ.
 */
export function encodeConnectionRequest(opts: { requestedProtocols: number; cookie?: string }): Buffer {
  const parts: Buffer[] = [];
  if (opts.cookie !== undefined) {
    // The cookie is a CR LF-terminated ASCII line: a user name that could end it early or carry
    // bytes outside ASCII would corrupt the request, so such names are left out of it.
    if (!/^[\x21-\x7e]{1,64}$/.test(opts.cookie)) {
      throw new RangeError('The cookie user name must be 1 to 64 printable ASCII characters without spaces');
    }
    parts.push(Buffer.from(`${COOKIE_PREFIX}${opts.cookie}\r\n`, 'latin1'));
  }
  const negReq = Buffer.alloc(NEG_STRUCT_LENGTH);
  negReq.writeUInt8(TYPE_RDP_NEG_REQ, 0);
  negReq.writeUInt8(0, 1);
  negReq.writeUInt16LE(NEG_STRUCT_LENGTH, 2);
  negReq.writeUInt32LE(opts.requestedProtocols >>> 0, 4);
  parts.push(negReq);
  return frame(X224_CONNECTION_REQUEST, 0, Buffer.concat(parts));
}

/** Parse a Client X.224 Connection Request PDU: exactly one TPKT packet. */
export function parseConnectionRequest(packet: Buffer): ConnectionRequest {
  const variable = unframe(packet, X224_CONNECTION_REQUEST, 'X.224 Connection Request');
  const request: ConnectionRequest = {};
  let offset = 0;
  // routingToken or cookie: one line starting "Cookie: " and ending CR LF (MS-RDPBCGR 2.2.1.1).
  if (variable.subarray(0, TOKEN_PREFIX.length).toString('latin1') === TOKEN_PREFIX) {
    const end = variable.indexOf(CRLF);
    if (end < 0) throw invalid('its cookie line does not end with CR LF');
    const line = variable.subarray(0, end).toString('latin1');
    if (line.startsWith(COOKIE_PREFIX)) request.cookie = line.slice(COOKIE_PREFIX.length);
    else request.routingToken = line;
    offset = end + CRLF.length;
  }
  if (offset === variable.length) return request;
  const negReq = readNegStruct(variable, offset, 'RDP_NEG_REQ');
  if (negReq.type !== TYPE_RDP_NEG_REQ) {
    throw invalid(`it carries negotiation data of type 0x${hex(negReq.type)} where RDP_NEG_REQ belongs`);
  }
  request.negotiation = { flags: negReq.flags, requestedProtocols: negReq.value };
  offset += NEG_STRUCT_LENGTH;
  if (negReq.flags & CORRELATION_INFO_PRESENT) {
    // RDP_CORRELATION_INFO (MS-RDPBCGR 2.2.1.1.2): read for its framing only, its content is diagnostics.
    if (variable.length - offset < CORRELATION_INFO_LENGTH)
      throw invalid('its RDP_CORRELATION_INFO is cut short');
    if (
      variable[offset] !== TYPE_RDP_CORRELATION_INFO ||
      variable.readUInt16LE(offset + 2) !== CORRELATION_INFO_LENGTH
    ) {
      throw invalid('its RDP_CORRELATION_INFO header is malformed');
    }
    offset += CORRELATION_INFO_LENGTH;
  }
  if (offset !== variable.length)
    throw invalid(`it has ${variable.length - offset} unexpected trailing bytes`);
  return request;
}

/**
 * Encode a Server X.224 Connection Confirm PDU (MS-RDPBCGR 2.2.1.2) carrying RDP_NEG_RSP
 * (2.2.1.2.1) or RDP_NEG_FAILURE (2.2.1.2.2). Selecting HYBRID gives the 19 bytes
 * 03 00 00 13 0e d0 00 00 12 34 00 02 00 08 00 02 00 00 00.
 */
export function encodeConnectionConfirm(
  answer: { selectedProtocol: number; flags?: number } | { failureCode: number },
): Buffer {
  const neg = Buffer.alloc(NEG_STRUCT_LENGTH);
  if ('failureCode' in answer) {
    neg.writeUInt8(TYPE_RDP_NEG_FAILURE, 0);
    neg.writeUInt8(0, 1);
    neg.writeUInt32LE(answer.failureCode >>> 0, 4);
  } else {
    neg.writeUInt8(TYPE_RDP_NEG_RSP, 0);
    neg.writeUInt8((answer.flags ?? 0) & 0xff, 1);
    neg.writeUInt32LE(answer.selectedProtocol >>> 0, 4);
  }
  neg.writeUInt16LE(NEG_STRUCT_LENGTH, 2);
  return frame(X224_CONNECTION_CONFIRM, CONFIRM_SOURCE_REFERENCE, neg);
}

/** Parse a Server X.224 Connection Confirm PDU: exactly one TPKT packet. */
export function parseConnectionConfirm(packet: Buffer): ConnectionConfirm {
  const variable = unframe(packet, X224_CONNECTION_CONFIRM, 'X.224 Connection Confirm');
  if (variable.length === 0) return { kind: 'none' };
  if (variable.length !== NEG_STRUCT_LENGTH) {
    throw invalid(`its negotiation data is ${variable.length} bytes where 8 belong`);
  }
  const neg = readNegStruct(variable, 0, 'negotiation response');
  if (neg.type === TYPE_RDP_NEG_RSP)
    return { kind: 'response', flags: neg.flags, selectedProtocol: neg.value };
  if (neg.type === TYPE_RDP_NEG_FAILURE) return { kind: 'failure', failureCode: neg.value };
  throw invalid(`its negotiation data has type 0x${hex(neg.type)}, neither RDP_NEG_RSP nor RDP_NEG_FAILURE`);
}

/** A readable name for a failureCode, e.g. 'HYBRID_REQUIRED_BY_SERVER'. */
export function negFailureName(code: number): string {
  const entry = Object.entries(NEG_FAILURE).find(([, value]) => value === code);
  return entry ? entry[0] : `failure code 0x${code.toString(16)}`;
}

/** TPKT header + X.224 TPDU header with the given code and SRC-REF (DST-REF and class 0), then `variable`. */
function frame(code: number, sourceReference: number, variable: Buffer): Buffer {
  const total = VARIABLE_PART_OFFSET + variable.length;
  const out = Buffer.alloc(total);
  out.writeUInt8(TPKT_VERSION, 0);
  out.writeUInt8(0, 1);
  out.writeUInt16BE(total, 2);
  // Length indicator: the TPDU header length without the LI byte itself; the RDP negotiation
  // data counts as part of it (MS-RDPBCGR 2.2.1.1 and 2.2.1.2).
  out.writeUInt8(total - TPKT_HEADER_LENGTH - 1, 4);
  out.writeUInt8(code, 5);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(sourceReference, 8);
  out.writeUInt8(0, 10);
  variable.copy(out, VARIABLE_PART_OFFSET);
  return out;
}

/** Check TPKT and X.224 headers of one packet and return the bytes after the fixed part. */
function unframe(packet: Buffer, code: number, what: string): Buffer {
  const length = tpktPacketLength(packet);
  if (length === undefined || packet.length !== length) {
    throw invalid(
      `the ${what} is ${packet.length} bytes but its TPKT header says ${length ?? 'nothing'}`,
      what,
    );
  }
  const lengthIndicator = packet[4];
  // MS-RDPBCGR 3.3.5.3.1: embedded lengths must agree with the data received.
  if (lengthIndicator !== length - TPKT_HEADER_LENGTH - 1) {
    throw invalid(
      `its X.224 length indicator ${lengthIndicator} disagrees with its TPKT length ${length}`,
      what,
    );
  }
  // The high nibble is the TPDU code; the low nibble holds CDT, zero in class 0 (X.224 13.3.2).
  if (packet[5] !== code)
    throw invalid(`its X.224 TPDU code is 0x${hex(packet[5])}, expected 0x${hex(code)}`, what);
  if ((packet[10] & 0xf0) !== 0) throw invalid('it asks for an X.224 class other than class 0', what);
  return packet.subarray(VARIABLE_PART_OFFSET);
}

/** Read the type/flags/length/32-bit value shape shared by RDP_NEG_REQ, RSP and FAILURE. */
function readNegStruct(
  data: Buffer,
  offset: number,
  what: string,
): { type: number; flags: number; value: number } {
  if (data.length - offset < NEG_STRUCT_LENGTH) throw invalid(`its ${what} is cut short`);
  const declared = data.readUInt16LE(offset + 2);
  if (declared !== NEG_STRUCT_LENGTH)
    throw invalid(`its ${what} declares length ${declared}, which must be 8`);
  return { type: data[offset], flags: data[offset + 1], value: data.readUInt32LE(offset + 4) };
}

function invalid(reason: string, what = 'RDP connection PDU') {
  return sspiError('SEC_E_INVALID_TOKEN', `The ${what} is malformed: ${reason}.`);
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}
