/**
 * The TLS side of one CredSSP exchange, as the state machines see it: the records of the current
 * input token queue up, and the machine takes them one at a time — into the handshake, or until
 * one whole TSRequest has been decrypted. Whatever is still queued when a leg ends belongs to the
 * next message and goes back to the caller as SECBUFFER_EXTRA.
 */
import { sspiError } from '../../errors';
import type { TlsEngine } from '../tls/engine';
import { splitRecords } from '../tls/records';

/** A TSRequest is small; this bounds what a peer can make us buffer (Windows' cbMaxToken is 90567). */
const MAX_TSREQUEST_LENGTH = 1 << 20;

/** No plaintext yet; zero-length, so sharing it is safe. */
const NOTHING = Buffer.alloc(0);

/**
 * A synchronous step of the channel: it yields a promise whenever TLS needs the event loop before
 * it can go on (during the handshake, in practice), and is resumed once that promise resolves.
 */
export type ChannelStep<T> = Generator<Promise<void>, T, void>;

/** Result of cutting a caller's token: records to use, or how many bytes are still missing. */
export type InputToken = { records: Buffer[] } | { missing: number };

/** Cut a caller's token at TLS record boundaries (SEC_E_INCOMPLETE_MESSAGE when it ends mid-record). */
export function cutToken(token: Buffer): InputToken {
  const { records, partial, missing } = splitRecords(token);
  return partial.length > 0 ? { missing } : { records };
}

export class CredsspChannel {
  private queue: Buffer[] = [];
  private plaintext: Buffer = NOTHING;

  constructor(readonly tls: TlsEngine) {}

  /** The records of a new input token, appended after any still queued. */
  receive(records: Buffer[]): void {
    this.queue.push(...records);
  }

  /** Queued records the current leg did not need (SECBUFFER_EXTRA), removed from the queue. */
  takeExtra(): Buffer | undefined {
    if (this.queue.length === 0) return undefined;
    const extra = Buffer.concat(this.queue);
    this.queue = [];
    return extra;
  }

  /** Everything TLS wrote: the token to send. */
  takeOutput(): Buffer {
    return this.tls.takeOutput();
  }

  /** Feed queued records until the handshake completes; false when they ran out first. */
  *handshake(): ChannelStep<boolean> {
    while (!this.tls.handshakeComplete) {
      const record = this.queue.shift();
      if (!record) return false;
      const pending = this.tls.feedNow(record);
      if (pending) yield pending;
      this.throwOnTlsError();
    }
    return true;
  }

  /**
   * Feed queued records until one whole DER element (a TSRequest) is decrypted and return it;
   * undefined when the records ran out first (the rest of the message is still on the wire).
   */
  *readMessage(): ChannelStep<Buffer | undefined> {
    for (;;) {
      const length = derLength(this.plaintext);
      if (length !== undefined && this.plaintext.length >= length) {
        if (this.plaintext.length > length) {
          throw sspiError(
            'SEC_E_INVALID_TOKEN',
            'The peer sent data after its CredSSP TSRequest in the same record.',
          );
        }
        const message = this.plaintext;
        this.plaintext = NOTHING;
        return message;
      }
      const record = this.queue.shift();
      if (!record) return undefined;
      const pending = this.tls.feedNow(record);
      if (pending) yield pending;
      this.throwOnTlsError();
      const decrypted = this.tls.takePlaintext();
      if (this.plaintext.length === 0) {
        this.plaintext = decrypted;
      } else if (decrypted.length > 0) {
        const joined = Buffer.concat([this.plaintext, decrypted]);
        this.plaintext.fill(0);
        decrypted.fill(0);
        this.plaintext = joined;
      }
    }
  }

  /** Encrypt one TSRequest; its records join the output. */
  *send(message: Buffer): ChannelStep<void> {
    const pending = this.tls.writeNow(message);
    if (pending) yield pending;
  }

  dispose(): void {
    this.plaintext.fill(0);
    this.queue = [];
    this.tls.dispose();
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
  if (length > MAX_TSREQUEST_LENGTH) {
    throw sspiError('SEC_E_INVALID_TOKEN', 'The peer’s TSRequest is larger than CredSSP allows.');
  }
  return 2 + count + length;
}
