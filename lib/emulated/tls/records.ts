/**
 * TLS record framing (RFC 5246 6.2, RFC 8446 5.1): every record starts with a 5-byte header —
 * content type, legacy version (3.x), 16-bit length — so a byte stream can be cut at record
 * boundaries without decrypting anything. CredSSP needs this to behave like Schannel: a token that
 * ends inside a record is SEC_E_INCOMPLETE_MESSAGE (with how many bytes are missing), and bytes
 * past the records that make up a message are handed back as SECBUFFER_EXTRA.
 */
import { sspiError } from '../../errors';

/** type(1) + legacy_record_version(2) + length(2). */
export const TLS_RECORD_HEADER_LENGTH = 5;

/**
 * The largest record body a peer may send: TLSCiphertext is at most 2^14 + 2048 bytes
 * (RFC 5246 6.2.3; TLS 1.3 lowers it to 2^14 + 256, so this bound covers both).
 */
export const MAX_TLS_RECORD_BODY = 16384 + 2048;

/** Content types (RFC 8446 5.1; 24 is heartbeat, RFC 6520). */
const CONTENT_TYPES = new Set([20, 21, 22, 23, 24]);

/** Where the whole records of some input end, found without copying or keeping any of them. */
export interface RecordScan {
  /** Their total length, headers included: the input up to here is whole records. */
  length: number;
  /** When the input goes on past them: how many more bytes finish the record it ends in (at least its header). */
  missing: number;
}

/**
 * Walk the record headers of `input`. Nothing is allocated per record, so a token of a million
 * tiny records costs a walk over its headers and no more. Throws SEC_E_INVALID_TOKEN when a
 * header is not a TLS record header at all (wrong content type, not version 3.x, oversized), so
 * garbage is refused at once instead of waiting for bytes that will never come.
 */
export function scanRecords(input: Buffer): RecordScan {
  let pos = 0;
  while (pos < input.length) {
    const available = input.length - pos;
    checkHeaderPrefix(input, pos, available);
    if (available < TLS_RECORD_HEADER_LENGTH) {
      return { length: pos, missing: TLS_RECORD_HEADER_LENGTH - available };
    }
    const total = recordLengthAt(input, pos);
    if (available < total) return { length: pos, missing: total - available };
    pos += total;
  }
  return { length: pos, missing: 0 };
}

/** The length, header included, of the record whose header starts at `pos` (already scanned). */
export function recordLengthAt(input: Buffer, pos: number): number {
  return TLS_RECORD_HEADER_LENGTH + input.readUInt16BE(pos + 3);
}

/** Validate as much of a record header as has arrived. */
function checkHeaderPrefix(input: Buffer, pos: number, available: number): void {
  if (!CONTENT_TYPES.has(input[pos])) {
    throw sspiError(
      'SEC_E_INVALID_TOKEN',
      `The token is not a TLS record (content type ${input[pos]}); CredSSP tokens are TLS records.`,
    );
  }
  if (available >= 2 && input[pos + 1] !== 3) {
    throw sspiError('SEC_E_INVALID_TOKEN', 'The token is not a TLS record (record version is not 3.x).');
  }
  if (available >= TLS_RECORD_HEADER_LENGTH && input.readUInt16BE(pos + 3) > MAX_TLS_RECORD_BODY) {
    throw sspiError('SEC_E_INVALID_TOKEN', 'The TLS record is longer than TLS allows.');
  }
}
