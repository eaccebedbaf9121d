/**
 * What the CredSSP initiator and acceptor share: the SSPI step() around an exchange written as a
 * generator, TSRequest send/receive with the version rules, and the calls that work on an
 * established context (EncryptMessage/DecryptMessage are TLS records).
 *
 * The exchange is synchronous protocol logic: it yields a Buffer to hand a token to the caller
 * (the step ends; the peer's answer resumes it), a promise when TLS needs the event loop first
 * (step() waits and resumes it), and returns the last token at SEC_E_OK. After the TLS handshake
 * no leg waits, so a whole step runs in one go: no promise per layer, no turn per leg.
 */
import type { X509Certificate } from 'node:crypto';
import { SEC, SECBUFFER } from '../../../constants';
import { SspiError, sspiError } from '../../../errors';
import type { EmulatedCredential } from '../../credential';
import type { MechanismContext } from '../../mechanisms/mechanism-context';
import type { PackageContext, PackageStepRequest, PackageStepResult } from '../package-context';
import { CredsspChannel, cutToken } from './channel';
import { credsspPackageInfo, sizesOf, streamSizesOf } from './context-info';
import { describeErrorCode, secStatusOfErrorCode } from './ntstatus';
import { turnSlot } from '../../scheduling/turn-budget';
import { CREDSSP_MAX_VERSION, decodeTsRequest, encodeTsRequest, type TsRequest } from './tsrequest';
import { wipe } from '../../../secret';

/**
 * One CredSSP exchange: yields a token to send (and waits for the peer's next one) or a promise to
 * wait for (TLS), returns the last token at SEC_E_OK.
 */
export type Exchange = Generator<Buffer | Promise<void>, Buffer, void>;

/** An empty token; zero-length, so handing the same one to every caller is safe. */
const EMPTY = Buffer.alloc(0);

/** Each certificate's notAfter (ms since the epoch), read once (see expiry()). */
const validToOf = new WeakMap<X509Certificate, number>();

type State = 'idle' | 'running' | 'established' | 'failed' | 'disposed';

export abstract class CredsspContext implements PackageContext {
  protected channel: CredsspChannel | undefined;
  protected mechanism: MechanismContext | undefined;
  /** The request of the current step() call (flags, target name). */
  protected request!: PackageStepRequest;
  /** The version we advertise in every TSRequest. */
  protected ownVersion = CREDSSP_MAX_VERSION;
  /** The version the peer sent first; a later TSRequest with another version is refused. */
  protected peerVersion: number | undefined;
  protected readonly started = new Date();
  private exchange: Exchange | undefined;
  private state: State = 'idle';
  /** A step() is under way (see step()). */
  private stepping = false;

  constructor(protected readonly credential: EmulatedCredential) {
    credential.retain();
  }

  /**
   * Start a new exchange: set up TLS and the inner mechanism; checks that fail fast go here. A
   * promise only when something must be made first (the acceptor's first TLS identity).
   */
  protected abstract begin(): Exchange | Promise<Exchange>;
  /** The ISC_RET / ASC_RET bits for the current request. */
  protected abstract attributes(): number;
  /** Check the request flags before anything else happens (ISC: SEC_E_UNSUPPORTED_FUNCTION). */
  protected abstract checkFlags(flags: number): void;
  /**
   * Check a later call of a running exchange against its first call; throws to refuse it, and
   * the context is then failed (nothing more leaves). The acceptor takes every later call.
   */
  protected checkContinuation(_request: PackageStepRequest): void {}
  /** The server certificate this context authenticated against. */
  protected abstract get serverCertificate(): X509Certificate | undefined;
  /** A token telling the peer why we failed (acceptor: TSRequest.errorCode), if any. */
  protected failureToken(_error: SspiError): Promise<Buffer | undefined> {
    return Promise.resolve(undefined);
  }

  /** The version both sides speak: the lower of ours and the peer's (MS-CSSP 2.2.1). */
  protected get negotiatedVersion(): number {
    return Math.min(this.ownVersion, this.peerVersion ?? this.ownVersion);
  }

  /**
   * One ISC/ASC call. Calls on one context must not overlap (SSPI handles are not safe for
   * concurrent use, and the public API queues them): a second call while one waits would resume
   * the exchange in the middle of the first, so it is refused instead.
   */
  async step(request: PackageStepRequest): Promise<PackageStepResult> {
    if (this.stepping) {
      throw sspiError(
        'SEC_E_INTERNAL_ERROR',
        'Another call on this CredSSP context has not finished; calls on one context must not overlap.',
      );
    }
    this.stepping = true;
    try {
      return await this.runStep(request);
    } finally {
      this.stepping = false;
    }
  }

  private async runStep(request: PackageStepRequest): Promise<PackageStepResult> {
    const turn = turnSlot(this.state !== 'running');
    if (turn) await turn;
    this.assertAlive();
    if (this.state === 'running') {
      try {
        this.checkContinuation(request);
      } catch (err) {
        this.state = 'failed';
        throw err;
      }
    }
    this.request = request;
    this.checkFlags(request.flags);
    const token = request.input.find((b) => b.type === SECBUFFER.TOKEN)?.buffer;
    let records: Buffer = EMPTY;
    if (token && token.length > 0) {
      const cut = cutToken(token);
      if ('missing' in cut) {
        return {
          status: SEC.E_INCOMPLETE_MESSAGE,
          output: EMPTY,
          attributes: this.attributes(),
          missing: cut.missing,
          expiry: this.expiry(),
        };
      }
      records = cut.records;
    }
    if (this.state === 'failed') {
      throw sspiError(
        'SEC_E_INVALID_HANDLE',
        'This CredSSP context failed earlier; delete it and start a new one.',
      );
    }
    try {
      if (this.state !== 'running') {
        // A first call, or a call after SEC_E_OK: a new exchange (re-authentication).
        this.resetExchange();
        const begun = this.begin();
        this.exchange = begun instanceof Promise ? await begun : begun;
        this.state = 'running';
      }
      this.channel!.receive(records);
      let next = this.exchange!.next();
      while (!next.done && next.value instanceof Promise) {
        await next.value;
        this.assertAlive();
        next = this.exchange!.next();
      }
      const extra = this.channel!.takeExtra();
      if (next.done) this.state = 'established';
      return {
        status: next.done ? SEC.E_OK : SEC.I_CONTINUE_NEEDED,
        output: next.value as Buffer,
        attributes: this.attributes(),
        extra,
        expiry: this.expiry(),
      };
    } catch (err) {
      // Deleted while this call waited: that, not whatever the torn-down TLS said, is the cause.
      if (this.state === 'disposed') throw this.deletedError();
      this.state = 'failed';
      const error = asSspiError(err);
      if (!error.output) {
        const token = await this.failureToken(error).catch(() => undefined);
        if (token && token.length > 0) error.output = token;
      }
      throw error;
    }
  }

  async encrypt(data: Buffer): Promise<Buffer> {
    const turn = turnSlot();
    if (turn) await turn;
    const channel = this.usableChannel();
    const pending = channel.tls.writeNow(data);
    if (pending) {
      await pending;
      // Deleted while TLS worked: the connection is gone, and so is what it wrote.
      this.assertAlive();
    }
    return channel.takeOutput();
  }

  async decrypt(data: Buffer): Promise<Buffer> {
    const turn = turnSlot();
    if (turn) await turn;
    const channel = this.usableChannel();
    // Nothing is not a message: Schannel asks for at least a record header.
    const cut = data.length === 0 ? { missing: 5 } : cutToken(data);
    if ('missing' in cut) {
      throw sspiError(
        'SEC_E_INCOMPLETE_MESSAGE',
        `The TLS record is incomplete: ${cut.missing} more bytes are needed.`,
      );
    }
    // Whole records only (cutToken checked), so all of them go to TLS in one push.
    const pending = channel.tls.feedNow(data);
    if (pending) {
      await pending;
      this.assertAlive();
    }
    const error = channel.tls.error;
    if (error) {
      // Whatever was decrypted before the bad record goes down with the connection.
      wipe(channel.tls.takePlaintext());
      const reason = (error as Error & { code?: string }).code ?? error.message;
      throw sspiError(
        'SEC_E_DECRYPT_FAILURE',
        `The TLS record could not be decrypted (${reason}): it was altered, replayed or belongs to another ` +
          'connection. The context can no longer be used.',
      );
    }
    return channel.tls.takePlaintext();
  }

  /** The established channel, unless TLS failed on it: a broken TLS connection carries nothing more. */
  private usableChannel(): CredsspChannel {
    const channel = this.established();
    if (channel.tls.error) {
      throw sspiError(
        'SEC_E_CONTEXT_EXPIRED',
        'The TLS connection under this CredSSP context failed earlier; start a new one.',
      );
    }
    return channel;
  }

  query(attribute: string): unknown {
    this.assertAlive();
    switch (attribute) {
      case 'streamSizes':
        return streamSizesOf(this.established().tls);
      case 'sizes':
        return sizesOf(this.established().tls);
      case 'packageInfo':
        return credsspPackageInfo();
      case 'negotiationInfo':
        // SECPKG_NEGOTIATION_COMPLETE = 0, SECPKG_NEGOTIATION_IN_PROGRESS = 2; the TSRequest
        // version both sides use and the inner package are emulated extras.
        return {
          packageInfo: credsspPackageInfo(),
          state: this.state === 'established' ? 0 : 2,
          credsspVersion: this.peerVersion === undefined ? undefined : this.negotiatedVersion,
          innerPackage: this.mechanism?.mechanism,
        };
      case 'lifespan':
        return { start: this.started, expiry: this.expiry() };
      case 'remoteCertificate': {
        const certificate = this.serverCertificate;
        if (!certificate)
          throw sspiError(
            'SEC_E_NO_CREDENTIALS',
            'No server certificate is known yet: the TLS handshake has not finished.',
          );
        return certificate;
      }
      default:
        throw sspiError('SEC_E_UNSUPPORTED_FUNCTION', `The CredSSP package has no '${attribute}' attribute.`);
    }
  }

  dispose(): void {
    if (this.state === 'disposed') return;
    this.resetExchange();
    this.state = 'disposed';
    this.credential.release();
  }

  /** Send one TSRequest and wait for the peer's next one. */
  protected *roundTrip(
    message: Omit<TsRequest, 'version'>,
  ): Generator<Buffer | Promise<void>, TsRequest, void> {
    yield* this.channel!.send(encodeTsRequest({ version: this.ownVersion, ...message }));
    return yield* this.receive();
  }

  /**
   * Wait for the peer's next TSRequest, handing our pending output to the caller meanwhile.
   * Checks the version rules and turns a received errorCode into the matching SEC_E_* status.
   */
  protected *receive(): Generator<Buffer | Promise<void>, TsRequest, void> {
    for (;;) {
      const encoded = yield* this.channel!.readMessage();
      if (encoded) return this.accept(decodeTsRequest(encoded));
      yield this.channel!.takeOutput();
    }
  }

  private accept(message: TsRequest): TsRequest {
    // A version above ours means "compatible with ours" (MS-CSSP 2.2.1).
    const version = Math.min(message.version, CREDSSP_MAX_VERSION);
    if (this.peerVersion === undefined) {
      this.peerVersion = version;
    } else if (this.peerVersion !== version) {
      // A peer that changes its version mid-exchange is refused, as FreeRDP does: the version
      // decides how pubKeyAuth is computed, so a change is either a bug or a downgrade attempt.
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The CredSSP peer changed its protocol version from ${this.peerVersion} to ${message.version} during the exchange.`,
      );
    }
    if (message.errorCode !== undefined && message.errorCode !== 0) {
      const status = secStatusOfErrorCode(message.errorCode);
      const error = sspiError(
        status,
        status === 'SEC_E_LOGON_DENIED'
          ? `The CredSSP server refused the logon: ${describeErrorCode(message.errorCode)}. Check the user name, domain and password.`
          : `The CredSSP server ended the exchange with errorCode ${describeErrorCode(message.errorCode)}; ` +
              'that code does not say the user name, domain or password is wrong.',
      );
      error.peerStatus = message.errorCode >>> 0;
      throw error;
    }
    return message;
  }

  /** The inner mechanism's next token from a TSRequest that must carry one. */
  protected negoTokenOf(message: TsRequest): Buffer {
    const token = message.negoTokens?.[0];
    if (!token || token.length === 0) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The CredSSP peer’s TSRequest carries no negoToken where one was due.',
      );
    }
    return token;
  }

  protected expiry(): Date | null {
    const certificate = this.serverCertificate;
    if (!certificate) return null;
    // validTo asks OpenSSL and is parsed each time; every step reports it, so read it once per
    // certificate (the acceptor's is the same for all its contexts).
    let validTo = validToOf.get(certificate);
    if (validTo === undefined) {
      validTo = new Date(certificate.validTo).getTime();
      validToOf.set(certificate, validTo);
    }
    return new Date(validTo);
  }

  protected assertAlive(): void {
    if (this.state === 'disposed') throw this.deletedError();
  }

  private deletedError(): SspiError {
    return sspiError('SEC_E_INVALID_HANDLE', 'The security context was deleted.');
  }

  protected established(): CredsspChannel {
    this.assertAlive();
    if (this.state !== 'established' || !this.channel) {
      throw sspiError(
        'SEC_E_INVALID_HANDLE',
        'The CredSSP context is not established yet: finish the handshake first.',
      );
    }
    return this.channel;
  }

  /** Drop the previous exchange's TLS session, mechanism and peer version. */
  protected resetExchange(): void {
    this.exchange?.return(EMPTY);
    this.exchange = undefined;
    this.channel?.dispose();
    this.channel = undefined;
    this.mechanism?.dispose();
    this.mechanism = undefined;
    this.peerVersion = undefined;
  }
}

function asSspiError(err: unknown): SspiError {
  if (err instanceof SspiError) return err;
  return sspiError(
    'SEC_E_INTERNAL_ERROR',
    `CredSSP failed unexpectedly: ${(err as Error)?.message ?? String(err)}.`,
  );
}
