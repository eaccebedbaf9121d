/**
 * What the CredSSP initiator and acceptor share: the SSPI step() around an exchange written as a
 * generator, and the context's lifecycle. TSRequests and their version rules are
 * tsrequest-link.ts; EncryptMessage/DecryptMessage, protection.ts; queries, context-info.ts.
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
import { queryCredssp, type CredsspFacts } from './context-info';
import { openRecords, sealRecords } from './protection';
import type { Leg, TsRequestLink } from './tsrequest-link';

/**
 * One CredSSP exchange: yields a token to send (and waits for the peer's next one) or a promise to
 * wait for (TLS), returns the last token at SEC_E_OK.
 */
export type Exchange = Leg<Buffer>;

/** An empty token; zero-length, so handing the same one to every caller is safe. */
const EMPTY = Buffer.alloc(0);

/** Each certificate's notAfter (ms since the epoch), read once (see expiry()). */
const validToOf = new WeakMap<X509Certificate, number>();

type State = 'idle' | 'running' | 'established' | 'failed' | 'disposed';

/** What begin() sets up for one exchange: its TSRequest link (over the TLS channel) and its legs. */
export interface ExchangeParts {
  link: TsRequestLink;
  legs: Exchange;
}

export abstract class CredsspContext implements PackageContext {
  /** The current exchange's TSRequest link; its channel is the exchange's TLS connection. */
  protected link: TsRequestLink | undefined;
  /** The current exchange's inner mechanism, set by begin() as soon as it exists (dispose() frees it). */
  protected mechanism: MechanismContext | undefined;
  protected readonly started = new Date();
  private exchange: Exchange | undefined;
  private state: State = 'idle';
  /** A step() is under way (see step()). */
  private stepping = false;
  /** What queries read (context-info.ts). */
  private readonly facts: CredsspFacts = {
    establishedTls: () => this.established().tls,
    isEstablished: () => this.state === 'established',
    credsspVersion: () => (this.link?.peerVersion === undefined ? undefined : this.link.negotiatedVersion),
    innerPackage: () => this.mechanism?.mechanism,
    started: this.started,
    expiry: () => this.expiry(),
    serverCertificate: () => this.serverCertificate,
  };

  constructor(protected readonly credential: EmulatedCredential) {
    credential.retain();
  }

  /**
   * Start a new exchange for the request of its first call: set up TLS and the inner mechanism;
   * checks that fail fast go here. A promise only when something must be made first (the
   * acceptor's first TLS identity).
   */
  protected abstract begin(request: PackageStepRequest): ExchangeParts | Promise<ExchangeParts>;
  /** The ISC_RET / ASC_RET bits for the request's flags. */
  protected abstract attributes(flags: number): number;
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

  get underway(): boolean {
    return this.state === 'running';
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
    this.assertAlive();
    if (this.state === 'running') {
      try {
        this.checkContinuation(request);
      } catch (err) {
        this.state = 'failed';
        throw err;
      }
    }
    this.checkFlags(request.flags);
    const attributes = this.attributes(request.flags);
    const token = request.input.find((b) => b.type === SECBUFFER.TOKEN)?.buffer;
    let records: Buffer = EMPTY;
    if (token && token.length > 0) {
      const cut = cutToken(token);
      if ('missing' in cut) {
        return {
          status: SEC.E_INCOMPLETE_MESSAGE,
          output: EMPTY,
          attributes,
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
        const begun = this.begin(request);
        const parts = begun instanceof Promise ? await begun : begun;
        this.link = parts.link;
        this.exchange = parts.legs;
        this.state = 'running';
      }
      const channel = this.link!.channel;
      channel.receive(records);
      let next = this.exchange!.next();
      while (!next.done && next.value instanceof Promise) {
        await next.value;
        this.assertAlive();
        next = this.exchange!.next();
      }
      const extra = channel.takeExtra();
      if (next.done) this.state = 'established';
      return {
        status: next.done ? SEC.E_OK : SEC.I_CONTINUE_NEEDED,
        output: next.value as Buffer,
        attributes,
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
    return sealRecords(this.usableChannel(), data, () => this.assertAlive());
  }

  async decrypt(data: Buffer): Promise<Buffer> {
    return openRecords(this.usableChannel(), data, () => this.assertAlive());
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
    return queryCredssp(this.facts, attribute);
  }

  dispose(): void {
    if (this.state === 'disposed') return;
    this.resetExchange();
    this.state = 'disposed';
    this.credential.release();
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
    if (this.state !== 'established' || !this.link) {
      throw sspiError(
        'SEC_E_INVALID_HANDLE',
        'The CredSSP context is not established yet: finish the handshake first.',
      );
    }
    return this.link.channel;
  }

  /** Drop the previous exchange's TLS connection, mechanism and peer version. */
  protected resetExchange(): void {
    this.exchange?.return(EMPTY);
    this.exchange = undefined;
    this.link?.channel.dispose();
    this.link = undefined;
    this.mechanism?.dispose();
    this.mechanism = undefined;
  }
}

function asSspiError(err: unknown): SspiError {
  if (err instanceof SspiError) return err;
  return sspiError(
    'SEC_E_INTERNAL_ERROR',
    `CredSSP failed unexpectedly: ${(err as Error)?.message ?? String(err)}.`,
  );
}
