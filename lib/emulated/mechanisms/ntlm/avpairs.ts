/**
 * AV_PAIR lists (MS-NLMP 2.2.2.1): the TargetInfo of a CHALLENGE and the AV pairs inside an NTLMv2
 * response. Each pair is AvId (2 bytes), AvLen (2 bytes), Value; the list ends with MsvAvEOL.
 */
import { copyOf, invalidToken, readU16 } from './wire';

/** AvId values (MS-NLMP 2.2.2.1). */
export const MsvAvEOL = 0x0000;
export const MsvAvNbComputerName = 0x0001;
export const MsvAvNbDomainName = 0x0002;
export const MsvAvDnsComputerName = 0x0003;
export const MsvAvDnsDomainName = 0x0004;
export const MsvAvDnsTreeName = 0x0005;
export const MsvAvFlags = 0x0006;
export const MsvAvTimestamp = 0x0007;
export const MsvAvSingleHost = 0x0008;
export const MsvAvTargetName = 0x0009;
export const MsvChannelBindings = 0x000a;

/** MsvAvFlags bits (MS-NLMP 2.2.2.1). */
export const AV_FLAG_ACCOUNT_CONSTRAINED = 0x00000001;
/** The AUTHENTICATE carries a MIC. */
export const AV_FLAG_MIC_PRESENT = 0x00000002;
export const AV_FLAG_UNTRUSTED_SPN_SOURCE = 0x00000004;

/** One AV pair; `value` is the raw bytes (text pairs are UTF-16LE). */
export interface AvPair {
  id: number;
  value: Buffer;
}

/** Upper bound on pairs in one list; a real TargetInfo has about a dozen. */
const MAX_PAIRS = 256;

/**
 * Parse an AV pair list up to and excluding MsvAvEOL. Bytes after the EOL are ignored, as the
 * NTLMv2 response's trailing Z(4) requires. A list without an EOL is malformed (MS-NLMP 2.2.2.1:
 * "MUST be the last AV pair").
 */
export function parseAvPairs(data: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let offset = 0;
  for (;;) {
    const id = readU16(data, offset, 'an AV pair');
    const length = readU16(data, offset + 2, 'an AV pair');
    if (id === MsvAvEOL) {
      if (length !== 0) throw invalidToken('MsvAvEOL has a non-zero length');
      return pairs;
    }
    const value = copyOf(data, offset + 4, length, 'an AV pair value');
    if (pairs.length === MAX_PAIRS) throw invalidToken('the AV pair list is too long');
    pairs.push({ id, value });
    offset += 4 + length;
  }
}

/**
 * Encode pairs in the given order and append MsvAvEOL; sized first, written in one allocation.
 * Every byte is written, so the Buffer comes from allocUnsafe's shared pool: a zeroed one of more
 * than 64 bytes would be an ArrayBuffer of its own.
 */
export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  let size = 4; // MsvAvEOL
  for (const pair of pairs) {
    if (pair.value.length > 0xffff) throw new RangeError('AV pair value longer than 65535 bytes');
    size += 4 + pair.value.length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const pair of pairs) {
    out.writeUInt16LE(pair.id, at);
    out.writeUInt16LE(pair.value.length, at + 2);
    at += 4 + pair.value.copy(out, at + 4);
  }
  out.writeUInt32LE(0, at); // MsvAvEOL: AvId 0, AvLen 0
  return out;
}

/** The value of the first pair with `id`, if any. */
export function findAvPair(pairs: readonly AvPair[], id: number): Buffer | undefined {
  return pairs.find((pair) => pair.id === id)?.value;
}

/** A text pair (names are UTF-16LE, MS-NLMP 2.2.2.1). */
export function textAvPair(id: number, text: string): AvPair {
  return { id, value: Buffer.from(text, 'utf16le') };
}

/** The MsvAvFlags value, 0 when the pair is absent or not 4 bytes long. */
export function avFlagsOf(pairs: readonly AvPair[]): number {
  const value = findAvPair(pairs, MsvAvFlags);
  return value && value.length === 4 ? value.readUInt32LE(0) : 0;
}

/** An MsvAvFlags pair. */
export function avFlagsPair(flags: number): AvPair {
  const value = Buffer.alloc(4);
  value.writeUInt32LE(flags >>> 0, 0);
  return { id: MsvAvFlags, value };
}

/** Milliseconds between 1601-01-01 (the FILETIME epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11644473600000;
const TWO_TO_32 = 2 ** 32;

/**
 * A FILETIME (100 ns units since 1601, little-endian 64-bit) as MsvAvTimestamp carries it. The
 * value passes 2^53, so it is built from 32-bit halves, each step exact in Number arithmetic,
 * rather than with BigInt, whose every operation allocates. Dates before 1601 or past what 64
 * bits hold throw a RangeError.
 */
export function fileTime(date: Date): Buffer {
  const ms = date.getTime() + FILETIME_EPOCH_OFFSET_MS;
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError('the date has no FILETIME');
  const low = (ms % TWO_TO_32) * 10000; // below 2^46
  const high = Math.floor(ms / TWO_TO_32) * 10000 + Math.floor(low / TWO_TO_32);
  const value = Buffer.alloc(8);
  value.writeUInt32LE(low % TWO_TO_32, 0);
  value.writeUInt32LE(high, 4);
  return value;
}

/** Windows' integrity level for a medium-integrity process (MS-KILE 2.2.5 TokenIL). */
const TOKEN_IL_MEDIUM = 0x2000;

/**
 * An MsvAvSingleHost pair (MS-NLMP 2.2.2.2 Single_Host_Data): Size 48, Z4, CustomData (8 bytes:
 * flags 0 and the token integrity level, as Windows fills it), MachineID (32 bytes). An acceptor
 * on another machine ignores it; Windows clients always send it.
 */
export function singleHostPair(machineId: Buffer): AvPair {
  const value = Buffer.alloc(48);
  value.writeUInt32LE(48, 0);
  value.writeUInt32LE(TOKEN_IL_MEDIUM, 12);
  machineId.copy(value, 16, 0, 32);
  return { id: MsvAvSingleHost, value };
}
