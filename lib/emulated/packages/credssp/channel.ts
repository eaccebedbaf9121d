/**
 * The TLS side of one CredSSP exchange, as the state machines see it: the records of the current
 * input token are taken one at a time — into the handshake, or until one whole TSRequest has been
 * decrypted. Whatever is left of the token when a leg ends belongs to the next message and goes
 * back to the caller as SECBUFFER_EXTRA.
 *
 * Before authentication a peer decides how much we work and hold, so both are bounded here, for
 * the initiator and the acceptor alike: a TSRequest is at most MAX_TSREQUEST_LENGTH bytes
 * (tsrequest-assembly.ts), put together in time linear in its bytes, and at most
 * MAX_RECORDS_PER_READ records may go by while we wait for one TSRequest or for the handshake.
 * The token itself is read in place, record by record, never copied into a list.
 */
import { sspiError } from '../../../errors';
import type { TlsEngine } from '../../tls/engine';
import { recordLengthAt, scanRecords } from '../../tls/records';
import { TsRequestAssembly } from './tsrequest-assembly';

/**
 * Records the peer may send while we wait for one TSRequest or for the TLS handshake to end.
 * A legitimate peer needs a handful: TLS stacks fill records up to 2^14 bytes, so the largest
 * TSRequest takes 8, and a handshake flight a few more (one record per handshake message at
 * most, a certificate chain cut at 2^14, session tickets). 256 still takes the largest TSRequest
 * in records of 512 bytes, the smallest a peer can even be asked for (max_fragment_length,
 * RFC 6066 4), which we never ask for. What it refuses is a message cut into slivers to make
 * us decrypt tens of thousands of records (about 10 µs each).
 */
export const MAX_RECORDS_PER_READ = 256;

/** No input; zero-length, so sharing it is safe. */
const NOTHING = Buffer.alloc(0);

/**
 * A synchronous step of the channel: it yields a promise whenever TLS needs the event loop before
 * it can go on (during the handshake, in practice), and is resumed once that promise resolves.
 */
export type ChannelStep<T> = Generator<Promise<void>, T, void>;

/** Result of cutting a caller's token: its whole records, or how many bytes are still missing. */
export type InputToken = { records: Buffer } | { missing: number };

/** Check a caller's token is whole TLS records (SEC_E_INCOMPLETE_MESSAGE when it ends mid-record). */
export function cutToken(token: Buffer): InputToken {
  const { missing } = scanRecords(token);
  return missing > 0 ? { missing } : { records: token };
}

export class CredsspChannel {
  /** Whole records (checked by cutToken) not fed to TLS yet: `input` from `offset` on. */
  private input: Buffer = NOTHING;
  private offset = 0;
  /** Records fed since the handshake ended or the last TSRequest was complete. */
  private recordsThisRead = 0;
  private readonly assembly = new TsRequestAssembly();

  constructor(readonly tls: TlsEngine) {}

  /** The records of a new input token (whole records: see cutToken), after any still unread. */
  receive(records: Buffer): void {
    if (records.length === 0) return;
    this.input = this.offset < this.input.length ? Buffer.concat([this.unread(), records]) : records;
    this.offset = 0;
  }

  /** Records the current leg did not need (SECBUFFER_EXTRA), a copy of their own; none are left. */
  takeExtra(): Buffer | undefined {
    if (this.offset >= this.input.length) return undefined;
    const extra = Buffer.from(this.unread());
    this.input = NOTHING;
    this.offset = 0;
    return extra;
  }

  /** Everything TLS wrote: the token to send. */
  takeOutput(): Buffer {
    return this.tls.takeOutput();
  }

  /** Feed records until the handshake completes; false when they ran out first. */
  *handshake(): ChannelStep<boolean> {
    while (!this.tls.handshakeComplete) {
      const record = this.nextRecord();
      if (!record) return false;
      const pending = this.tls.feedNow(record);
      if (pending) yield pending;
      this.throwOnTlsError();
    }
    this.recordsThisRead = 0;
    return true;
  }

  /**
   * Feed records until one whole DER element (a TSRequest) is decrypted and return it;
   * undefined when the records ran out first (the rest of the message is still on the wire).
   */
  *readMessage(): ChannelStep<Buffer | undefined> {
    for (;;) {
      const record = this.nextRecord();
      if (!record) return undefined;
      const pending = this.tls.feedNow(record);
      if (pending) yield pending;
      this.throwOnTlsError();
      const message = this.assembly.add(this.tls.takePlaintext());
      if (message) {
        this.recordsThisRead = 0;
        return message;
      }
    }
  }

  /** Encrypt one TSRequest; its records join the output. */
  *send(message: Buffer): ChannelStep<void> {
    const pending = this.tls.writeNow(message);
    if (pending) yield pending;
  }

  dispose(): void {
    this.assembly.clear();
    this.input = NOTHING;
    this.offset = 0;
    this.tls.dispose();
  }

  /** The next unread record, counted against MAX_RECORDS_PER_READ; undefined when none is left. */
  private nextRecord(): Buffer | undefined {
    if (this.offset >= this.input.length) return undefined;
    if (++this.recordsThisRead > MAX_RECORDS_PER_READ) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The CredSSP peer cut its message into more than ${MAX_RECORDS_PER_READ} TLS records.`,
      );
    }
    const end = this.offset + recordLengthAt(this.input, this.offset);
    const record = this.input.subarray(this.offset, end);
    this.offset = end;
    return record;
  }

  private unread(): Buffer {
    return this.input.subarray(this.offset);
  }

  private throwOnTlsError(): void {
    const error = this.tls.error;
    if (!error) return;
    throw tlsFailure(error, this.tls.takeOutput());
  }
}

/** Map a TLS failure to the status Schannel would give, carrying any alert TLS wants to send. */
export function tlsFailure(error: Error, alert: Buffer): Error {
  const reason = (error as Error & { code?: string }).code ?? error.message;
  const mismatch =
    /NO_SHARED_CIPHER|UNSUPPORTED_PROTOCOL|VERSION_TOO_LOW|WRONG_VERSION_NUMBER|PROTOCOL_VERSION/i;
  const code = mismatch.test(reason) ? 'SEC_E_ALGORITHM_MISMATCH' : 'SEC_E_ILLEGAL_MESSAGE';
  return sspiError(code, `The TLS layer of CredSSP failed: ${reason}.`, alert);
}
