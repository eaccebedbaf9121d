/**
 * Reading a TCP socket the way the preamble and CredSSP need it: "whatever has arrived" for
 * security tokens (the package says when a record is incomplete) and "exactly one TPKT packet"
 * for the X.224 preamble. A peer that closes or fails makes every pending read reject.
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

export class SocketReader {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(socket: Socket) {
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
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
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
  return new Promise((resolve, reject) => {
    socket.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
