/**
 * The three NTLM messages on the wire (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE and AUTHENTICATE, with
 * the VERSION structure (2.2.2.10). Fixed header fields come first; variable fields are described by
 * (Len, MaxLen, BufferOffset) triples that point into the payload behind the header.
 */
import { NTLMSSP_NEGOTIATE_UNICODE, NTLMSSP_NEGOTIATE_VERSION, hasFlag } from './flags';
import { checkRange, copyOf, invalidToken, readU16, readU32 } from './wire';

/** "NTLMSSP\0", the Signature of every message (MS-NLMP 2.2.1). */
const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** MessageType values (MS-NLMP 2.2.1). */
export const NtLmNegotiate = 1;
export const NtLmChallenge = 2;
export const NtLmAuthenticate = 3;

/** The VERSION structure (MS-NLMP 2.2.2.10): for debugging only, never for decisions. */
export interface NtlmVersion {
  major: number;
  minor: number;
  build: number;
  /** NTLMRevisionCurrent: 0x0F (NTLMSSP_REVISION_W2K3) for every current Windows. */
  revision: number;
}

/** What we announce: Windows 10/Server 2022 era, NTLM revision 15. */
export const OUR_VERSION: NtlmVersion = { major: 10, minor: 0, build: 20348, revision: 0x0f };

export interface NegotiateMessage {
  flags: number;
  version?: NtlmVersion;
}

export interface ChallengeMessage {
  flags: number;
  /** The server's name or domain (TargetName field). */
  targetName: string;
  /** The 8-byte nonce. */
  serverChallenge: Buffer;
  /** The raw AV pair list (TargetInfo field); empty when absent. */
  targetInfo: Buffer;
  version?: NtlmVersion;
}

export interface AuthenticateMessage {
  flags: number;
  lmChallengeResponse: Buffer;
  ntChallengeResponse: Buffer;
  domainName: string;
  userName: string;
  workstation: string;
  encryptedRandomSessionKey: Buffer;
  version?: NtlmVersion;
  /**
   * The 16 bytes at the MIC position (offset 72), when the header is long enough to hold them.
   * Whether they are a MIC is for the NTLMv2 response's MsvAvFlags to say (MS-NLMP 3.2.5.1.2).
   */
  mic?: Buffer;
}

/** Offset of the MIC field in an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3). */
export const AUTHENTICATE_MIC_OFFSET = 72;
const NEGOTIATE_HEADER = 40;
const CHALLENGE_HEADER = 56;
const AUTHENTICATE_HEADER_NO_MIC = 72;
const AUTHENTICATE_HEADER = 88;
/** An empty field's value; zero-length, so sharing it is safe. */
const NO_BYTES = Buffer.alloc(0);

/** The MessageType of a token that starts with the NTLMSSP signature; throws otherwise. */
export function messageTypeOf(token: Buffer): number {
  // compare() rather than subarray().equals(): this runs on every token and needs no view.
  if (token.length < 12 || token.compare(SIGNATURE, 0, 8, 0, 8) !== 0) {
    throw invalidToken('it does not start with the NTLMSSP signature');
  }
  return token.readUInt32LE(8);
}

function expectType(token: Buffer, type: number, name: string): void {
  if (messageTypeOf(token) !== type) throw invalidToken(`expected a ${name} message`);
}

function parseVersion(token: Buffer, offset: number): NtlmVersion {
  checkRange(token, offset, 8, 'the VERSION field');
  return {
    major: token[offset],
    minor: token[offset + 1],
    build: token.readUInt16LE(offset + 2),
    revision: token[offset + 7],
  };
}

/** A (Len, MaxLen, BufferOffset) field as read from a header. */
interface FieldRef {
  length: number;
  offset: number;
}

function readField(token: Buffer, at: number, what: string): FieldRef {
  const length = readU16(token, at, what);
  const offset = readU32(token, at + 4, what);
  // Bounds-check now so a field pointing outside the token fails before anything uses it. An empty
  // field's offset means nothing (MS-NLMP 2.2.1: "SHOULD be ignored"), so it is not checked.
  if (length > 0) checkRange(token, offset, length, what);
  return { length, offset };
}

/** A copy of a field's bytes (already bounds-checked by readField), so the result outlives `token`. */
function fieldBytes(token: Buffer, field: FieldRef): Buffer {
  return field.length === 0 ? NO_BYTES : copyOf(token, field.offset, field.length, 'a field');
}

/** The lowest offset of a non-empty field: where the payload starts, hence how long the header is. */
function payloadStart(token: Buffer, fields: FieldRef[]): number {
  let start = token.length;
  for (const field of fields) if (field.length > 0) start = Math.min(start, field.offset);
  return start;
}

/** A text field decoded straight from `token` (already bounds-checked by readField), without a copy. */
function fieldText(token: Buffer, field: FieldRef, flags: number, what: string): string {
  if (field.length === 0) return '';
  const end = field.offset + field.length;
  // Without NTLMSSP_NEGOTIATE_UNICODE strings are OEM; Latin-1 is the closest portable reading.
  if (!hasFlag(flags, NTLMSSP_NEGOTIATE_UNICODE)) return token.toString('latin1', field.offset, end);
  if (field.length % 2 !== 0) throw invalidToken(`${what} has an odd length for UTF-16 text`);
  return token.toString('utf16le', field.offset, end);
}

/** The bytes of one payload field: raw, or text written straight into the message. */
type FieldValue = Buffer | { text: string; encoding: 'utf16le' | 'latin1' };

/**
 * Lays out a header and a payload, filling the (Len, MaxLen, BufferOffset) triples. Fields are
 * collected first and the message is written into one allocation by finish(): no header Buffer
 * to join to the payload, and text goes straight into the message, not through a Buffer of its own.
 */
class MessageWriter {
  private readonly headerLength: number;
  private readonly type: number;
  private readonly at: number[] = [];
  private readonly values: FieldValue[] = [];
  private length: number;

  constructor(headerLength: number, type: number) {
    this.headerLength = headerLength;
    this.type = type;
    this.length = headerLength;
  }

  field(at: number, value: Buffer): void {
    this.add(at, value, value.length);
  }

  /** A text field: UTF-16LE takes two bytes per code unit, Latin-1 one, as Buffer.from writes them. */
  textField(at: number, text: string, encoding: 'utf16le' | 'latin1'): void {
    this.add(at, { text, encoding }, encoding === 'utf16le' ? 2 * text.length : text.length);
  }

  private add(at: number, value: FieldValue, length: number): void {
    if (length > 0xffff) throw new RangeError('NTLM message field longer than 65535 bytes');
    this.at.push(at);
    this.values.push(value);
    this.length += length;
  }

  /** The message: a zeroed header with Signature, MessageType and the field triples, then the payload. */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.length);
    out.fill(0, 0, this.headerLength);
    SIGNATURE.copy(out, 0);
    out.writeUInt32LE(this.type, 8);
    let cursor = this.headerLength;
    for (let n = 0; n < this.values.length; n++) {
      const value = this.values[n];
      const length = Buffer.isBuffer(value)
        ? value.copy(out, cursor)
        : out.write(value.text, cursor, value.encoding);
      const at = this.at[n];
      out.writeUInt16LE(length, at);
      out.writeUInt16LE(length, at + 2);
      out.writeUInt32LE(cursor, at + 4);
      cursor += length;
    }
    return out;
  }
}

/** The VERSION structure (MS-NLMP 2.2.2.10), written in place into a zeroed header. */
function writeVersion(out: Buffer, at: number, version: NtlmVersion): void {
  out[at] = version.major;
  out[at + 1] = version.minor;
  out.writeUInt16LE(version.build, at + 2);
  out[at + 7] = version.revision;
}

/**
 * NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1). With NTLMSSP_NEGOTIATE_VERSION the DomainName and
 * Workstation fields are empty (3.1.5.1.1); like Windows we point their offsets at the payload start.
 */
export function encodeNegotiate(message: NegotiateMessage): Buffer {
  const writer = new MessageWriter(NEGOTIATE_HEADER, NtLmNegotiate);
  writer.field(16, NO_BYTES);
  writer.field(24, NO_BYTES);
  const out = writer.finish();
  out.writeUInt32LE(message.flags >>> 0, 12);
  writeVersion(out, 32, message.version ?? OUR_VERSION);
  return out;
}

/** Parse a NEGOTIATE_MESSAGE. Its DomainName/Workstation hints are not used, so not decoded. */
export function parseNegotiate(token: Buffer): NegotiateMessage {
  expectType(token, NtLmNegotiate, 'NEGOTIATE');
  const flags = readU32(token, 12, 'NegotiateFlags');
  const message: NegotiateMessage = { flags };
  if (hasFlag(flags, NTLMSSP_NEGOTIATE_VERSION) && token.length >= NEGOTIATE_HEADER) {
    message.version = parseVersion(token, 32);
  }
  return message;
}

/** CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2); the payload holds TargetName then TargetInfo. */
export function encodeChallenge(message: ChallengeMessage): Buffer {
  const writer = new MessageWriter(CHALLENGE_HEADER, NtLmChallenge);
  const unicode = hasFlag(message.flags, NTLMSSP_NEGOTIATE_UNICODE);
  writer.textField(12, message.targetName, unicode ? 'utf16le' : 'latin1');
  writer.field(40, message.targetInfo);
  const out = writer.finish();
  out.writeUInt32LE(message.flags >>> 0, 20);
  message.serverChallenge.copy(out, 24, 0, 8);
  writeVersion(out, 48, message.version ?? OUR_VERSION);
  return out;
}

export function parseChallenge(token: Buffer): ChallengeMessage {
  expectType(token, NtLmChallenge, 'CHALLENGE');
  if (token.length < 32) throw invalidToken('the CHALLENGE header is truncated');
  const targetNameField = readField(token, 12, 'TargetName');
  const flags = readU32(token, 20, 'NegotiateFlags');
  // Servers from before NTLMv2 end the header at 32 or 40 bytes, without TargetInfoFields.
  const targetInfoField = token.length >= 48 ? readField(token, 40, 'TargetInfo') : { length: 0, offset: 0 };
  const message: ChallengeMessage = {
    flags,
    targetName: fieldText(token, targetNameField, flags, 'TargetName'),
    serverChallenge: copyOf(token, 24, 8, 'ServerChallenge'),
    targetInfo: fieldBytes(token, targetInfoField),
  };
  if (
    hasFlag(flags, NTLMSSP_NEGOTIATE_VERSION) &&
    payloadStart(token, [targetNameField, targetInfoField]) >= CHALLENGE_HEADER
  ) {
    message.version = parseVersion(token, 48);
  }
  return message;
}

/**
 * AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3). The payload order is Windows': DomainName, UserName,
 * Workstation, LmChallengeResponse, NtChallengeResponse, EncryptedRandomSessionKey. Strings are
 * UTF-16LE (we only ever negotiate Unicode). Without `mic` the header stops after VERSION.
 */
export function encodeAuthenticate(message: AuthenticateMessage): Buffer {
  const withMic = message.mic !== undefined;
  const writer = new MessageWriter(
    withMic ? AUTHENTICATE_HEADER : AUTHENTICATE_HEADER_NO_MIC,
    NtLmAuthenticate,
  );
  writer.textField(28, message.domainName, 'utf16le');
  writer.textField(36, message.userName, 'utf16le');
  writer.textField(44, message.workstation, 'utf16le');
  writer.field(12, message.lmChallengeResponse);
  writer.field(20, message.ntChallengeResponse);
  writer.field(52, message.encryptedRandomSessionKey);
  const out = writer.finish();
  out.writeUInt32LE(message.flags >>> 0, 60);
  writeVersion(out, 64, message.version ?? OUR_VERSION);
  if (message.mic) message.mic.copy(out, AUTHENTICATE_MIC_OFFSET, 0, 16);
  return out;
}

export function parseAuthenticate(token: Buffer): AuthenticateMessage {
  expectType(token, NtLmAuthenticate, 'AUTHENTICATE');
  if (token.length < 64) throw invalidToken('the AUTHENTICATE header is truncated');
  const lm = readField(token, 12, 'LmChallengeResponse');
  const nt = readField(token, 20, 'NtChallengeResponse');
  const domain = readField(token, 28, 'DomainName');
  const user = readField(token, 36, 'UserName');
  const workstation = readField(token, 44, 'Workstation');
  const sessionKey = readField(token, 52, 'EncryptedRandomSessionKey');
  const flags = readU32(token, 60, 'NegotiateFlags');
  const headerEnd = payloadStart(token, [lm, nt, domain, user, workstation, sessionKey]);
  const message: AuthenticateMessage = {
    flags,
    lmChallengeResponse: fieldBytes(token, lm),
    ntChallengeResponse: fieldBytes(token, nt),
    domainName: fieldText(token, domain, flags, 'DomainName'),
    userName: fieldText(token, user, flags, 'UserName'),
    workstation: fieldText(token, workstation, flags, 'Workstation'),
    encryptedRandomSessionKey: fieldBytes(token, sessionKey),
  };
  if (hasFlag(flags, NTLMSSP_NEGOTIATE_VERSION) && headerEnd >= AUTHENTICATE_HEADER_NO_MIC) {
    message.version = parseVersion(token, 64);
  }
  if (headerEnd >= AUTHENTICATE_HEADER) {
    message.mic = copyOf(token, AUTHENTICATE_MIC_OFFSET, 16, 'the MIC');
  }
  return message;
}
