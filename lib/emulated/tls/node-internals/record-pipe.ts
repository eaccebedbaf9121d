/**
 * The "socket" under an engine's TLSSocket: the least of a Duplex that Node's TLS needs from a
 * JS stream, and nothing more. Records from the peer go in with `deliver()`; records TLS writes
 * come out through `onWrite`.
 *
 * Why not a stream.Duplex: a TLSSocket over a JS stream reaches it through JSStreamSocket
 * (lib/internal/js_stream_socket.js), which uses only pause/resume, the 'data', 'end', 'error'
 * and 'close' events, cork/uncork, write(chunk, callback), end(callback), destroy(), and the
 * readable/writable/readableObjectMode/readableLength/allowHalfOpen fields (the last two read by
 * lib/_tls_wrap.js). A full Duplex puts its Readable and Writable state machines (buffering,
 * ticks, 'drain' bookkeeping) on every record in and out, which we never need: TLS's output is
 * collected whole, and input is fed only as fast as the caller has it. Doing without them is
 * what makes an emulated message cost no more than the same bytes between two TLSSockets over a
 * Duplex pair. test/unit/tls-engine-timing.test.ts pins the behaviour the engine relies on.
 */
import { EventEmitter } from 'node:events';

export class RecordPipe extends EventEmitter {
  /** Read by JSStreamSocket and TLSSocket; this pipe is always both, until destroyed. */
  readable = true;
  writable = true;
  readonly readableObjectMode = false;
  readonly allowHalfOpen = false;
  destroyed = false;
  /** Whether TLS is reading (JSStreamSocket's readStart/readStop map to resume/pause). */
  private flowing = false;
  /** Records delivered while TLS was not reading, oldest first. */
  private queued: Buffer[] = [];
  private flushScheduled = false;

  /** `onWrite` receives every chunk TLS writes (a Buffer of its own: JSStreamSocket copies OpenSSL's output). */
  constructor(private readonly onWrite: (chunk: Buffer) => void) {
    super();
  }

  /** Records from the peer: handed to TLS at once (it decrypts them in this call) when it reads. */
  deliver(records: Buffer): void {
    if (this.destroyed) return;
    if (this.flowing && this.queued.length === 0) {
      this.emit('data', records);
      return;
    }
    this.queued.push(records);
    if (this.flowing) this.scheduleFlush();
  }

  /** Bytes delivered that TLS has not taken yet (also what TLSSocket's initRead looks at). */
  get readableLength(): number {
    let length = 0;
    for (const chunk of this.queued) length += chunk.length;
    return length;
  }

  /** Never called with data waiting (readableLength says), but part of the shape TLSSocket reads. */
  read(): null {
    return null;
  }

  pause(): this {
    this.flowing = false;
    return this;
  }

  /**
   * TLS wants to read. Queued records go on the next tick, as a Readable's resume() does: this is
   * called from inside TLSWrap (readStart), which must not be re-entered with data.
   */
  resume(): this {
    this.flowing = true;
    if (this.queued.length > 0) this.scheduleFlush();
    return this;
  }

  cork(): void {
    // Each chunk is handed on as it comes; there is nothing to batch.
  }

  uncork(): void {
    // See cork().
  }

  /** TLS's output; complete at once (JSStreamSocket still finishes the write on a later turn). */
  write(chunk: Buffer, callback?: (err?: Error | null) => void): boolean {
    if (!this.destroyed) this.onWrite(chunk);
    callback?.(null);
    return true;
  }

  /** A TLS shutdown; the engine never half-closes, so there is nothing to flush. */
  end(callback?: () => void): this {
    this.writable = false;
    if (callback) process.nextTick(callback);
    return this;
  }

  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.readable = false;
    this.writable = false;
    this.queued = [];
    // JSStreamSocket destroys itself on 'close'; a Duplex emits it on a later tick too.
    process.nextTick(() => this.emit('close'));
    return this;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    while (this.flowing && !this.destroyed && this.queued.length > 0) {
      this.emit('data', this.queued.shift()!);
    }
  }
}
