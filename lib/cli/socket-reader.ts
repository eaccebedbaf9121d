/**
 * Reading a TCP socket the way the preamble and CredSSP need it: "whatever has arrived" for
 * security tokens (the package says when a record is incomplete) and "exactly one TPKT packet"
 * for the X.224 preamble. A peer that closes or fails makes every pending read reject, and so
 * does a peer that sends nothing for the idle timeout while we wait for it.
 */
import type { Socket } from 'node:net';
import { CliError, EXIT } from './exit-codes';
import { tpktPacketLength } from './x224';

/** The peer closed the connection while we waited for its data. */
export class PeerClosedError extends CliError {
  override name = 'PeerClosedError';
  constructor(what: string) {
    super(`The peer closed the connection while we waited for ${what}.`, EXIT.NETWORK);
  }
}

/** The peer sent nothing for the idle timeout while we waited for its data. */
export class IdleTimeoutError extends CliError {
  override name = 'IdleTimeoutError';
  constructor(what: string, idleTimeoutMs: number) {
    super(`The peer sent nothing for ${idleTimeoutMs / 1000} s while we waited for ${what}.`, EXIT.NETWORK);
  }
}

/** We had something to send but the connection was already closed (by us or the peer). */
export class ConnectionGoneError extends CliError {
  override name = 'ConnectionGoneError';
  constructor() {
    super('The connection was already closed when we had more to send.', EXIT.NETWORK);
  }
}

export interface SocketReaderOptions {
  /**
   * Fail a read when no byte arrives for this long. The clock runs only while a read waits for
   * the peer: time we spend computing, or queued before serving it, is not the peer's idleness.
   */
  idleTimeoutMs?: number;
}

export class SocketReader {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly idleTimeoutMs: number | undefined;

  constructor(socket: Socket, options: SocketReaderOptions = {}) {
    this.idleTimeoutMs = options.idleTimeoutMs;
    socket.on('data', (chunk: Buffer) => {
      this.buffered.push(chunk);
      this.bufferedLength += chunk.length;
      this.notify();
    });
    socket.on('end', () => this.markClosed());
    socket.on('close', () => this.markClosed());
    socket.on('error', (err) => {
      this.failure ??= err;
      this.notify();
    });
  }

  /** Every byte that has arrived, waiting for at least one. */
  async readAvailable(what: string): Promise<Buffer> {
    await this.waitForMoreThan(0, what);
    return this.take(this.bufferedLength);
  }

  /** Exactly one TPKT packet (T.123 section 8); bytes after it stay buffered. */
  async readTpktPacket(what: string): Promise<Buffer> {
    for (;;) {
      const head = this.peek(4);
      const length = tpktPacketLength(head);
      if (length !== undefined && this.bufferedLength >= length) return this.take(length);
      await this.waitForMoreThan(this.bufferedLength, what);
    }
  }

  private async waitForMoreThan(count: number, what: string): Promise<void> {
    while (this.bufferedLength <= count) {
      if (this.failure) throw this.failure;
      if (this.closed) throw new PeerClosedError(what);
      await this.nextEvent(what);
    }
  }

  /** Wait for data, close or error; each wait restarts the idle clock, so it counts silence. */
  private nextEvent(what: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const idleTimeoutMs = this.idleTimeoutMs;
      const idle =
        idleTimeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.failure ??= new IdleTimeoutError(what, idleTimeoutMs);
              this.notify();
            }, idleTimeoutMs);
      this.wake = () => {
        clearTimeout(idle);
        resolve();
      };
    });
  }

  private peek(count: number): Buffer {
    const all = Buffer.concat(this.buffered);
    this.buffered = all.length > 0 ? [all] : [];
    return all.subarray(0, count);
  }

  private take(count: number): Buffer {
    const all = Buffer.concat(this.buffered);
    const taken = all.subarray(0, count);
    const rest = all.subarray(count);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedLength = rest.length;
    return taken;
  }

  private markClosed(): void {
    this.closed = true;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** Write and wait until the bytes are handed to the kernel. */
export function writeAll(socket: Socket, data: Buffer): Promise<void> {
  // Writing to a destroyed socket fails with Node's "Cannot call write after a stream was
  // destroyed", which hides why it was destroyed: say plainly that the connection is gone.
  if (socket.destroyed) return Promise.reject(new ConnectionGoneError());
  return new Promise((resolve, reject) => {
    socket.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
