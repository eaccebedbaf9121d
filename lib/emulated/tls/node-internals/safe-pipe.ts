/**
 * The safe path's "socket" under a TLSSocket: a real stream.Duplex, used through its public API
 * only. Records from the peer are pushed into its readable side; what TLS writes reaches
 * `onWrite` and is reported done at once. Slower than RecordPipe (Readable/Writable bookkeeping on
 * every record, and the engine waits a check phase for each write: see write-completion.ts), and
 * independent of how a Node release builds TLS over a JS stream.
 */
import { Duplex } from 'node:stream';

export class SafePipe extends Duplex {
  constructor(private readonly onWrite: (chunk: Buffer) => void) {
    // The engine never half-closes; TLS's end() must close the pipe.
    super({ allowHalfOpen: false });
  }

  /** Records from the peer, in order; dropped once the pipe is destroyed. */
  deliver(records: Buffer): void {
    if (!this.destroyed) this.push(records);
  }

  override _read(): void {
    // Records arrive when the peer sends them (deliver); there is nothing to fetch.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.onWrite(chunk);
    callback();
  }
}
