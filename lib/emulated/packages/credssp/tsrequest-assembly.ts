/**
 * One TSRequest put back together from the plaintext of the TLS records that carry it. The peer
 * chooses how its message is cut into records, down to one byte per record, so each piece is kept
 * as it comes and the message is joined once, when its last byte is in: the cost is linear in the
 * bytes however the message was cut. The outer DER length is checked against
 * MAX_TSREQUEST_LENGTH as soon as it has arrived, so a peer cannot make us hold more than that.
 */
import { sspiError } from '../../../errors';
import { wipeAll } from '../../../secret';

/**
 * The largest TSRequest we take, header included: 128 KiB. The biggest legitimate ones carry one
 * large token: an NTLM AUTHENTICATE echoing a CHALLENGE's TargetInfo (a 16-bit field, so under
 * 64 KiB), a Kerberos AP-REQ a Windows client may put first in SPNEGO (MaxTokenSize: 48,000 by
 * default, 65,535 the largest Microsoft supports), or Remote Guard TSCredentials; with the
 * TSRequest's own fields around it (pubKeyAuth, clientNonce) that passes 64 KiB, so 64 KiB
 * would be too tight. Windows itself never sends more than the CredSSP cbMaxToken, 90,567 bytes
 * (TLS records included), in one token. Twice the largest field leaves room for both.
 */
export const MAX_TSREQUEST_LENGTH = 128 * 1024;

/** A DER header is at most tag(1) + 0x84 + four length bytes; four is all derLength() reads. */
const MAX_DER_HEADER_LENGTH = 6;

export class TsRequestAssembly {
  private pieces: Buffer[] = [];
  private received = 0;
  /** The whole message's length, once its DER header has arrived. */
  private expected: number | undefined;

  /**
   * Add the plaintext of one record; returns the whole TSRequest once its last byte is in (the
   * pieces are then zeroed and the assembly is empty again), undefined while more is due.
   */
  add(piece: Buffer): Buffer | undefined {
    if (piece.length === 0) return undefined;
    this.pieces.push(piece);
    this.received += piece.length;
    this.expected ??= derLength(this.head());
    if (this.expected === undefined || this.received < this.expected) return undefined;
    if (this.received > this.expected) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The peer sent data after its CredSSP TSRequest in the same record.',
      );
    }
    if (this.pieces.length === 1) {
      const [message] = this.pieces;
      this.reset();
      return message;
    }
    const message = Buffer.concat(this.pieces, this.received);
    this.clear();
    return message;
  }

  /** Zero and drop what has arrived (of an unfinished message, or the copies of a finished one). */
  clear(): void {
    wipeAll(this.pieces);
    this.reset();
  }

  private reset(): void {
    this.pieces = [];
    this.received = 0;
    this.expected = undefined;
  }

  /** The first bytes received (as many as a DER header can have), copying at most those. */
  private head(): Buffer {
    if (this.pieces[0].length >= MAX_DER_HEADER_LENGTH || this.pieces.length === 1) return this.pieces[0];
    const head = Buffer.alloc(Math.min(this.received, MAX_DER_HEADER_LENGTH));
    let at = 0;
    for (const piece of this.pieces) {
      if (at === head.length) break;
      at += piece.copy(head, at, 0, head.length - at);
    }
    return head;
  }
}

/**
 * The total length of the DER element at the start of `buf`, or undefined while its header has
 * not fully arrived. Only the outer length is read here; decodeTsRequest checks the rest.
 */
function derLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined;
  if (buf[0] !== 0x30)
    throw sspiError('SEC_E_INVALID_TOKEN', 'The peer’s CredSSP message is not a TSRequest.');
  const first = buf[1];
  if (first < 0x80) return 2 + first;
  const count = first & 0x7f;
  if (count === 0 || count > 4)
    throw sspiError('SEC_E_INVALID_TOKEN', 'The peer’s TSRequest has an invalid length.');
  if (buf.length < 2 + count) return undefined;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + buf[2 + i];
  if (2 + count + length > MAX_TSREQUEST_LENGTH) {
    throw sspiError(
      'SEC_E_INVALID_TOKEN',
      `The peer’s TSRequest announces ${2 + count + length} bytes; CredSSP messages are at most ${MAX_TSREQUEST_LENGTH}.`,
    );
  }
  return 2 + count + length;
}
