/**
 * TLS with Node's own `tls` module over an in-memory duplex: records in, records out, no socket.
 * Node has no memory-BIO API, so a TLSSocket is wrapped around a Duplex whose write side collects
 * the records TLS wants to send and whose read side is fed the peer's records.
 *
 * Settling, without timers: after bytes are pushed in, Node hands them to OpenSSL synchronously
 * (a flowing Readable emits 'data' at once) and OpenSSL writes its answer into our Duplex in the
 * same turn. The one deferred step is Node's JSStreamSocket completing a write: it calls
 * `finishWrite` from a setImmediate, and TLS flushes output it held back only then. So the engine
 * is settled once two consecutive check phases (setImmediate turns) pass with no activity — no
 * write, no cleartext, no handshake event: the first lets a pending finishWrite run, the second
 * proves it produced nothing.
 */
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { X509Certificate } from 'node:crypto';

/**
 * The server certificate behind each session a client engine handed out: a resumed handshake
 * carries no Certificate message and OpenSSL then reports no peer certificate, but CredSSP still
 * needs the key it authenticated against the first time.
 */
const certificateOfSession = new WeakMap<Buffer, X509Certificate>();

/** Rounds of setImmediate after which something is wrong with Node rather than with the peer. */
const MAX_SETTLE_ROUNDS = 10_000;

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
  private readonly transport: Duplex;
  private readonly socket: tls.TLSSocket;
  private readonly outgoing: Buffer[] = [];
  private readonly cleartext: Buffer[] = [];
  private activity = 0;
  private handshakeDone = false;
  private failure: Error | undefined;
  private latestSession: Buffer | undefined;
  private destroyed = false;
  private readonly offeredSession: Buffer | undefined;
  private handshakeCertificate: X509Certificate | undefined;

  private constructor(
    private readonly role: 'client' | 'server',
    options: TlsClientOptions | TlsServerOptions,
  ) {
    const outgoing = this.outgoing;
    const touch = () => {
      this.activity++;
    };
    this.transport = new Duplex({
      read() {
        // Data is pushed by feed(); nothing to pull.
      },
      write(chunk: Buffer, _encoding, callback) {
        outgoing.push(Buffer.from(chunk));
        touch();
        callback();
      },
    });
    if (role === 'client') {
      const client = options as TlsClientOptions;
      this.offeredSession = client.session;
      this.socket = tls.connect({
        socket: this.transport,
        // CredSSP validates the server by hand (MS-CSSP 3.1.5: no common CA root is assumed);
        // the pubKeyAuth exchange binds the key, and mutual auth is checked by the caller.
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
        minVersion: 'TLSv1.2',
        maxVersion: client.maxVersion ?? 'TLSv1.3',
        servername: client.servername,
        session: client.session,
        ca: client.ca,
      });
      this.socket.once('secureConnect', () => this.onHandshakeDone());
      this.socket.on('session', (session: Buffer) => {
        // Read nothing from the socket here: for TLS 1.2 this fires inside the handshake, and
        // asking OpenSSL for the peer certificate at that point loses it for later calls.
        this.latestSession = session;
        if (this.handshakeCertificate) certificateOfSession.set(session, this.handshakeCertificate);
        touch();
      });
    } else {
      const server = options as TlsServerOptions;
      this.socket = new tls.TLSSocket(this.transport, {
        isServer: true,
        secureContext: server.secureContext,
        requestCert: false,
      });
      this.socket.once('secure', () => this.onHandshakeDone());
    }
    this.socket.on('data', (chunk: Buffer) => {
      this.cleartext.push(Buffer.from(chunk));
      touch();
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      touch();
    };
    this.socket.on('error', fail);
    // A server TLSSocket that no tls.Server owns never "releases control", and Node then reports
    // its errors after the handshake (a tampered or foreign record) only as '_tlsError', never as
    // 'error' (lib/_tls_wrap.js, TLSSocket.prototype._tlsError). Without this a broken
    // connection would look like one that simply produced no data.
    this.socket.on('_tlsError', fail);
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
    await this.settle();
  }

  /** Feed whole records from the peer and wait until TLS has consumed them and answered. */
  async feed(records: Buffer): Promise<void> {
    if (this.destroyed) throw new Error('TLS engine used after dispose');
    if (records.length > 0) this.transport.push(Buffer.from(records));
    await this.settle();
  }

  /** Encrypt application data; the records are in takeOutput() once this resolves. */
  async write(plaintext: Buffer): Promise<void> {
    if (this.destroyed) throw new Error('TLS engine used after dispose');
    if (plaintext.length > 0) this.socket.write(plaintext);
    await this.settle();
  }

  /** Everything TLS wrote since the last call: records to send to the peer. */
  takeOutput(): Buffer {
    const out = Buffer.concat(this.outgoing);
    this.outgoing.length = 0;
    return out;
  }

  /** Application data decrypted since the last call. */
  takePlaintext(): Buffer {
    const out = Buffer.concat(this.cleartext);
    for (const chunk of this.cleartext) chunk.fill(0);
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
    const session = this.latestSession ?? (this.handshakeDone ? this.socket.getSession() : undefined);
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
    this.activity++;
  }

  private async settle(): Promise<void> {
    let quietRounds = 0;
    for (let round = 0; quietRounds < 2; round++) {
      if (round > MAX_SETTLE_ROUNDS) throw new Error('TLS did not settle');
      const before = this.activity;
      await new Promise<void>((resolve) => setImmediate(resolve));
      quietRounds = this.activity === before ? quietRounds + 1 : 0;
    }
  }
}
