/**
 * TSRequests over one exchange's TLS channel, with MS-CSSP's version rules: every message we
 * send carries our version, the peer's first message fixes its version for the exchange, and a
 * received errorCode ends the exchange with the matching SEC_E_* status.
 */
import { sspiError } from '../../../errors';
import type { ChannelStep, CredsspChannel } from './channel';
import { describeErrorCode, secStatusOfErrorCode } from './ntstatus';
import { CREDSSP_MAX_VERSION, decodeTsRequest, encodeTsRequest, type TsRequest } from './tsrequest';

/** Yields a token for the caller to send, or a promise when TLS needs the event loop first. */
export type Leg<T> = Generator<Buffer | Promise<void>, T, void>;

export class TsRequestLink {
  /** The version the peer sent first; a later TSRequest with another version is refused. */
  private peer: number | undefined;

  constructor(
    readonly channel: CredsspChannel,
    /** The version we advertise in every TSRequest. */
    readonly ownVersion: number,
    /** Who the peer is, for the message of a received errorCode. */
    private readonly peerRole: 'server' | 'client',
  ) {}

  /** The peer's version (capped at ours), once its first TSRequest has arrived. */
  get peerVersion(): number | undefined {
    return this.peer;
  }

  /** The version both sides speak: the lower of ours and the peer's (MS-CSSP 2.2.1). */
  get negotiatedVersion(): number {
    return Math.min(this.ownVersion, this.peer ?? this.ownVersion);
  }

  /** Our TSRequest, encoded (not yet encrypted). */
  encode(message: Omit<TsRequest, 'version'>): Buffer {
    return encodeTsRequest({ version: this.ownVersion, ...message });
  }

  /** Send one TSRequest without waiting for an answer (the initiator's last message). */
  *send(message: Omit<TsRequest, 'version'>): ChannelStep<void> {
    yield* this.channel.send(this.encode(message));
  }

  /** Send one TSRequest and wait for the peer's next one. */
  *roundTrip(message: Omit<TsRequest, 'version'>): Leg<TsRequest> {
    yield* this.send(message);
    return yield* this.receive();
  }

  /** Wait for the peer's next TSRequest, handing our pending output to the caller meanwhile. */
  *receive(): Leg<TsRequest> {
    for (;;) {
      const encoded = yield* this.channel.readMessage();
      if (encoded) return this.accept(decodeTsRequest(encoded));
      yield this.channel.takeOutput();
    }
  }

  private accept(message: TsRequest): TsRequest {
    // A version above ours means "compatible with ours" (MS-CSSP 2.2.1).
    const version = Math.min(message.version, CREDSSP_MAX_VERSION);
    if (this.peer === undefined) {
      this.peer = version;
    } else if (this.peer !== version) {
      // A peer that changes its version mid-exchange is refused, as FreeRDP does: the version
      // decides how pubKeyAuth is computed, so a change is either a bug or a downgrade attempt.
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The CredSSP peer changed its protocol version from ${this.peer} to ${message.version} during the exchange.`,
      );
    }
    if (message.errorCode !== undefined && message.errorCode !== 0) {
      const status = secStatusOfErrorCode(message.errorCode);
      const error = sspiError(
        status,
        status === 'SEC_E_LOGON_DENIED'
          ? `The CredSSP ${this.peerRole} refused the logon: ${describeErrorCode(message.errorCode)}. Check the user name, domain and password.`
          : `The CredSSP ${this.peerRole} ended the exchange with errorCode ${describeErrorCode(message.errorCode)}; ` +
              'that code does not say the user name, domain or password is wrong.',
      );
      error.peerStatus = message.errorCode >>> 0;
      throw error;
    }
    return message;
  }
}

/** The inner mechanism's next token from a TSRequest that must carry one. */
export function negoTokenOf(message: TsRequest): Buffer {
  const token = message.negoTokens?.[0];
  if (!token || token.length === 0) {
    throw sspiError(
      'SEC_E_INVALID_TOKEN',
      'The CredSSP peer’s TSRequest carries no negoToken where one was due.',
    );
  }
  return token;
}
