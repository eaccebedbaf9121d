/**
 * TLS with Node's own `tls` module in memory: records in, records out, no socket. Node has no
 * memory-BIO API, so a TLSSocket is wrapped around a record transport (node-internals/: a minimal
 * JS stream where Node's internals are proven, a real Duplex elsewhere) whose write side collects
 * the records TLS wants to send and which delivers the peer's.
 *
 * When is a step done, without timers or polling? Three facts about Node's TLS over a JS stream
 * (lib/_tls_wrap.js, lib/internal/js_stream_socket.js, src/crypto/crypto_tls.cc; read in Node
 * 20.20, unchanged in 22; test/unit/tls-engine-timing.test.ts fails if one of them changes):
 *  1. Records delivered while TLS reads reach OpenSSL at once ('data' is emitted synchronously),
 *     and TLSWrap decrypts them, emits cleartext and writes its whole answer into the pipe in
 *     that same call — provided none of its earlier writes is still in flight.
 *  2. A write is in flight until JSStreamSocket's `finishWrite`, which runs from a setImmediate
 *     queued when the pipe reports the write done. Output TLS makes meanwhile waits for it.
 *     On the fast path the engine calls `finishWrite` itself once TLS's call has returned
 *     (node-internals/write-completion.ts), so no write is left in flight; on the safe path it waits.
 *  3. A TLS failure is reported synchronously ('_tlsError', or 'error' once control is released)
 *     or, before the handshake completes, by destroy() on the next tick.
 * So each step makes sure the writes of earlier steps are complete (at once, or one check phase
 * on the fallback path), then delivers its input or writes cleartext, completes what TLS wrote,
 * and — during the handshake — lets the tick queue drain. Its output is then complete.
 */
import * as tls from 'node:tls';
import { recordTransport, type RecordTransport, type WriteFinisher } from './node-internals';
import { mayGoNow, turnSlot } from '../scheduling/turn-budget';
import { createHash, type X509Certificate } from 'node:crypto';
import { wipeAll } from '../../secret';

/**
 * The server certificate behind each session a client engine handed out: a resumed handshake
 * carries no Certificate message and OpenSSL then reports no peer certificate, but CredSSP still
 * needs the key it authenticated against the first time.
 */
const certificateOfSession = new WeakMap<Buffer, X509Certificate>();

/** Event-loop turns a step may wait for Node; more means something is wrong with Node, not the peer. */
const MAX_SETTLE_ROUNDS = 10_000;

/** Resolves on the next tick, after every tick queued before it (and those they queue). */
function nextTick(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

/**
 * Resolves in the check phase after every setImmediate queued so far or on the ticks already
 * queued: after JSStreamSocket's `finishWrite` for each write made before this call (fact 2).
 */
function afterQueuedImmediates(): Promise<void> {
  return new Promise((resolve) => process.nextTick(() => setImmediate(resolve)));
}

/** A step of the engine: undefined when it completed synchronously, else a promise that resolves when it has. */
export type Pending = Promise<void> | undefined;

/** One Buffer from a list, copying only when there is more than one. */
function joined(chunks: Buffer[]): Buffer {
  if (chunks.length === 1) return chunks[0];
  return chunks.length === 0 ? Buffer.alloc(0) : Buffer.concat(chunks);
}

export interface TlsClientOptions {
  /** SNI host name; only sent when it is a DNS name. */
  servername?: string;
  /** A session from an earlier connection to resume (from `session` of a completed engine). */
  session?: Buffer;
  /** Highest version to offer; the lowest is always TLS 1.2. */
  maxVersion?: tls.SecureVersion;
  /** Trusted roots for `authorized`; Node's root store when absent. */
  ca?: string | Buffer | Array<string | Buffer>;
}

export interface TlsServerOptions {
  /** The server's certificate, key and protocol range, made once per credential handle. */
  secureContext: tls.SecureContext;
}

/** One TLS connection, client or server side, driven by feeding records in. */
export class TlsEngine {
  private readonly transport: RecordTransport;
  private readonly socket: tls.TLSSocket;
  private readonly outgoing: Buffer[] = [];
  private readonly cleartext: Buffer[] = [];
  /** Writes TLS made into the transport, and how many of them are known to be complete. */
  private writesMade = 0;
  private writesCompleted = 0;
  private handshakeDone = false;
  private failure: Error | undefined;
  private destroyed = false;
  private readonly offeredSession: Buffer | undefined;
  private handshakeCertificate: X509Certificate | undefined;
  /** Completes TLS's writes as soon as its call returns (the fast path); undefined: wait a turn. */
  private readonly finishWrites: WriteFinisher | undefined;

  private constructor(
    private readonly role: 'client' | 'server',
    options: TlsClientOptions | TlsServerOptions,
  ) {
    this.transport = recordTransport((chunk) => {
      // Kept as is: JSStreamSocket hands us a Buffer of its own (a copy of OpenSSL's output).
      this.outgoing.push(chunk);
      this.writesMade++;
    });
    if (role === 'client') {
      const client = options as TlsClientOptions;
      this.offeredSession = client.session;
      this.socket = tls.connect({
        socket: this.transport.stream,
        secureContext: clientSecureContext(client.maxVersion ?? 'TLSv1.3', client.ca),
        // CredSSP validates the server by hand (MS-CSSP 3.1.5: no common CA root is assumed);
        // the pubKeyAuth exchange binds the key, and mutual auth is checked by the caller.
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
        servername: client.servername,
        session: client.session,
      });
      this.socket.once('secureConnect', () => this.onHandshakeDone());
      // No 'session' listener: Node would then serialise every TLS 1.3 ticket as it arrives; the
      // session is read once, when the exchange is over (see `session`).
    } else {
      const server = options as TlsServerOptions;
      this.socket = new tls.TLSSocket(this.transport.stream, {
        isServer: true,
        secureContext: server.secureContext,
        requestCert: false,
      });
      this.socket.once('secure', () => this.onHandshakeDone());
    }
    this.socket.on('data', (chunk: Buffer) => {
      // Node allocates each cleartext chunk for this read alone; no copy needed.
      this.cleartext.push(chunk);
    });
    this.finishWrites = this.transport.attach(this.socket, (err) => {
      this.failure ??= err;
    });
  }

  /** A client engine; its ClientHello is ready in takeOutput() once `start()` resolves. */
  static client(options: TlsClientOptions = {}): TlsEngine {
    return new TlsEngine('client', options);
  }

  /** A server engine; it waits for the client's ClientHello. */
  static server(options: TlsServerOptions): TlsEngine {
    return new TlsEngine('server', options);
  }

  /** Let the engine produce whatever it sends first (the client's ClientHello). */
  async start(): Promise<void> {
    await this.startNow();
  }

  /** Feed whole records from the peer and wait until TLS has consumed them and answered. */
  async feed(records: Buffer): Promise<void> {
    await this.feedNow(records);
  }

  /** Encrypt application data; the records are in takeOutput() once this resolves. */
  async write(plaintext: Buffer): Promise<void> {
    await this.writeNow(plaintext);
  }

  /**
   * start() for a synchronous caller: undefined when the step is already done, else a promise
   * that resolves when it is. (The ClientHello always needs one tick.)
   */
  startNow(): Pending {
    return this.settle(this.role === 'client' ? 1 : 0);
  }

  /**
   * feed() for a synchronous caller: undefined when TLS consumed the records and answered within
   * this call (every step after the handshake, in practice), else a promise that resolves then.
   * The CredSSP exchange runs on these, so a leg that needs no wait makes no promise.
   */
  feedNow(records: Buffer): Pending {
    if (this.destroyed) throw new Error('TLS engine used after dispose');
    if (!this.readyNow()) return this.writesComplete().then(() => this.deliver(records));
    return this.deliver(records);
  }

  /** write() for a synchronous caller: undefined when the records are already in takeOutput(). */
  writeNow(plaintext: Buffer): Pending {
    if (this.destroyed) throw new Error('TLS engine used after dispose');
    if (!this.readyNow()) return this.writesComplete().then(() => this.encrypt(plaintext));
    return this.encrypt(plaintext);
  }

  private deliver(records: Buffer): Pending {
    // Delivered as is: TLSWrap copies what it reads (JSStream.readBuffer), and settle() waits
    // until the pipe holds nothing, so the caller's Buffer is not kept.
    if (records.length > 0) this.transport.deliver(records);
    this.completeWrites();
    return this.settledNow(0) ? undefined : this.settle(0);
  }

  private encrypt(plaintext: Buffer): Pending {
    // Data always makes at least one record.
    const expected = plaintext.length > 0 ? this.writesMade + 1 : 0;
    if (plaintext.length > 0) this.socket.write(plaintext);
    this.completeWrites();
    return this.settledNow(expected) ? undefined : this.settle(expected);
  }

  /** Everything TLS wrote since the last call: records to send to the peer. */
  takeOutput(): Buffer {
    const out = joined(this.outgoing);
    this.outgoing.length = 0;
    return out;
  }

  /** Application data decrypted since the last call. */
  takePlaintext(): Buffer {
    const out = joined(this.cleartext);
    if (this.cleartext.length > 1) wipeAll(this.cleartext);
    this.cleartext.length = 0;
    return out;
  }
  get handshakeComplete(): boolean {
    return this.handshakeDone;
  }

  /** The first error TLS reported (bad record, alert from the peer, handshake failure). */
  get error(): Error | undefined {
    return this.failure;
  }

  /** 'TLSv1.2' or 'TLSv1.3' once the handshake is done. */
  get protocol(): string | null {
    return this.socket.getProtocol();
  }

  /** The server's certificate (client side, once the handshake is done), also after resumption. */
  peerCertificate(): X509Certificate | undefined {
    return this.handshakeCertificate;
  }

  /**
   * Whether the server's chain verified against the trusted roots (OpenSSL's verdict; the
   * handshake goes on either way, CredSSP decides), and why not when it did not.
   */
  get authorization(): { authorized: boolean; error?: string } {
    const error = this.socket.authorizationError;
    return { authorized: this.socket.authorized, error: error ? String(error) : undefined };
  }

  /** The negotiated cipher, e.g. { name: 'TLS_AES_256_GCM_SHA384', version: 'TLSv1.3' }. */
  cipher(): tls.CipherNameAndProtocol {
    return this.socket.getCipher();
  }

  /** The newest session the server gave a client (TLS 1.3 tickets arrive after the handshake). */
  get session(): Buffer | undefined {
    const session = this.handshakeDone ? this.socket.getSession() : undefined;
    if (session && this.handshakeCertificate) certificateOfSession.set(session, this.handshakeCertificate);
    return session;
  }

  /** True when the handshake resumed an earlier session. */
  get resumed(): boolean {
    return this.socket.isSessionReused();
  }

  /** Tear down the socket; buffered cleartext is zeroed. Idempotent. */
  dispose(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.takePlaintext();
    this.outgoing.length = 0;
    this.socket.removeAllListeners('data');
    this.socket.on('error', () => undefined);
    this.socket.destroy();
    this.transport.destroy();
  }

  private onHandshakeDone(): void {
    this.handshakeDone = true;
    if (this.role === 'client') {
      this.handshakeCertificate =
        this.socket.getPeerX509Certificate() ??
        (this.offeredSession && this.resumed ? certificateOfSession.get(this.offeredSession) : undefined);
    }
  }

  /**
   * Called right after our own call into TLS returned (never from inside one): finish the
   * writes it made, so neither its later output nor the next step waits for a check phase.
   */
  private completeWrites(): void {
    if (this.destroyed || !this.finishWrites) return;
    if (this.finishWrites()) this.writesCompleted = this.writesMade;
  }

  /** No write in flight and budget left in this turn: the step can go without waiting. */
  private readyNow(): boolean {
    return this.writesCompleted >= this.writesMade && mayGoNow();
  }

  /**
   * Whether the step is done without even a tick: once the handshake is over, Node reports a
   * TLS failure synchronously (lib/_tls_wrap.js onerror: '_tlsError' on the server, 'error' on
   * the client, whose control is released), so only work Node held back is worth waiting for.
   */
  private settledNow(writesExpected: number): boolean {
    if (!this.handshakeDone) return false;
    if (this.failure !== undefined || this.socket.destroyed) return true;
    return (
      this.transport.readableLength === 0 &&
      this.socket.readableLength === 0 &&
      this.writesMade >= writesExpected
    );
  }

  /**
   * Wait until every write TLS made so far is complete, so TLS can answer at once (fact 2), and
   * until this turn has budget for the work to come (turn-budget.ts): many engines resuming in
   * the same check phase would otherwise all do their crypto in it.
   */
  private async writesComplete(): Promise<void> {
    for (let round = 0; ; round++) {
      if (round > MAX_SETTLE_ROUNDS) throw new Error('TLS did not settle');
      const turn = turnSlot();
      if (turn) await turn;
      if (this.writesCompleted >= this.writesMade) return;
      const made = this.writesMade;
      await afterQueuedImmediates();
      this.writesCompleted = made;
    }
  }

  /**
   * Wait until TLS has taken everything pushed in or written (facts 1 and 3): normally one tick.
   * `writesExpected` is the write count this step must reach (the client's first flight, the
   * records of written data). When Node held work back (a stream not flowing yet, a write in
   * flight), wait one check phase and look again. A failed or destroyed socket takes nothing more.
   */
  private async settle(writesExpected: number): Promise<void> {
    for (let round = 0; ; round++) {
      await nextTick();
      if (this.failure !== undefined || this.socket.destroyed) return;
      this.completeWrites();
      const waiting =
        this.transport.readableLength > 0 ||
        this.socket.readableLength > 0 ||
        this.writesMade < writesExpected;
      if (!waiting) return;
      if (round > MAX_SETTLE_ROUNDS) throw new Error('TLS did not settle');
      const made = this.writesMade;
      await afterQueuedImmediates();
      this.writesCompleted = made;
    }
  }
}

/**
 * One client SecureContext per (highest version, trusted roots): building one costs about 0.3 ms
 * (Node's root store is loaded into each), and a tls.connect without `secureContext` builds a new
 * one every time. Sharing is safe: the context holds only the version range and the roots —
 * sessions are never cached in it (Node's client contexts keep no internal session cache; a
 * session is resumed only when passed in), and verification options are per socket. Keyed by
 * the roots' bytes, so two credentials with the same roots share a context and different roots
 * never do; bounded, oldest dropped first.
 */
const clientContexts = new Map<string, tls.SecureContext>();
const MAX_CLIENT_CONTEXTS = 32;

function clientSecureContext(maxVersion: tls.SecureVersion, ca: TlsClientOptions['ca']): tls.SecureContext {
  const key = `${maxVersion}:${ca === undefined ? '' : rootsDigest(ca)}`;
  let context = clientContexts.get(key);
  if (!context) {
    context = tls.createSecureContext({ minVersion: 'TLSv1.2', maxVersion, ca });
    if (clientContexts.size >= MAX_CLIENT_CONTEXTS) {
      clientContexts.delete(clientContexts.keys().next().value as string);
    }
    clientContexts.set(key, context);
  }
  return context;
}

/** SHA-256 over the roots, each length-prefixed so no two lists hash alike by concatenation. */
function rootsDigest(ca: NonNullable<TlsClientOptions['ca']>): string {
  const hash = createHash('sha256');
  for (const root of Array.isArray(ca) ? ca : [ca]) {
    const bytes = typeof root === 'string' ? Buffer.from(root, 'utf8') : root;
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash
      .update(typeof root === 'string' ? 's' : 'b')
      .update(length)
      .update(bytes);
  }
  return `${Array.isArray(ca) ? 'list' : 'one'}:${hash.digest('hex')}`;
}
