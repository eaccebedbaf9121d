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

/** The result of cutting input at record boundaries. */
export interface RecordSplit {
  /** Whole records, each header included, in order. */
  records: Buffer[];
  /** Bytes after the last whole record: the start of a record that has not fully arrived. */
  partial: Buffer;
  /** With a non-empty `partial`: how many more bytes finish that record (at least its header). */
  missing: number;
}

/**
 * Cut `input` into whole TLS records. Throws SEC_E_INVALID_TOKEN when a header is not a TLS
 * record header at all (wrong content type, not version 3.x, oversized), so garbage is refused
 * at once instead of waiting for bytes that will never come.
 */
export function splitRecords(input: Buffer): RecordSplit {
  const records: Buffer[] = [];
  let pos = 0;
  while (pos < input.length) {
    const available = input.length - pos;
    checkHeaderPrefix(input, pos, available);
    if (available < TLS_RECORD_HEADER_LENGTH) {
      return { records, partial: input.subarray(pos), missing: TLS_RECORD_HEADER_LENGTH - available };
    }
    const bodyLength = input.readUInt16BE(pos + 3);
    const total = TLS_RECORD_HEADER_LENGTH + bodyLength;
    if (available < total) {
      return { records, partial: input.subarray(pos), missing: total - available };
    }
    records.push(input.subarray(pos, pos + total));
    pos += total;
  }
  return { records, partial: Buffer.alloc(0), missing: 0 };
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
