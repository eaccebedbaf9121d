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

/** The peer used up the total time it may keep a handshake waiting for its bytes. */
export class WaitBudgetError extends CliError {
  override name = 'WaitBudgetError';
  constructor(what: string, budgetMs: number) {
    super(
      `The peer kept us waiting ${budgetMs / 1000} s in all during its handshake, the last time for ${what}.`,
      EXIT.NETWORK,
    );
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
  /**
   * Stop reading from the socket while this many bytes are buffered and not yet taken, so a peer
   * that floods us is held back by TCP flow control instead of our memory. Default: no limit.
   */
  maxBufferedBytes?: number;
}

export class SocketReader {
  private buffered: Buffer[] = [];
  private bufferedLength = 0;
  private closed = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly idleTimeoutMs: number | undefined;
  private readonly maxBufferedBytes: number;
  /** Whether we paused the socket for having too much buffered (not whoever else may pause it). */
  private heldBack = false;
  /** Set by {@link limitWaiting}: the total wait allowed and how much of it is used. */
  private waitBudget: { budgetMs: number; usedMs: number } | undefined;

  constructor(
    private readonly socket: Socket,
    options: SocketReaderOptions = {},
  ) {
    this.idleTimeoutMs = options.idleTimeoutMs;
    this.maxBufferedBytes = options.maxBufferedBytes ?? Infinity;
    socket.on('data', (chunk: Buffer) => {
      this.buffered.push(chunk);
      this.bufferedLength += chunk.length;
      if (this.bufferedLength >= this.maxBufferedBytes && !this.heldBack) {
        this.heldBack = true;
        socket.pause();
      }
      this.notify();
    });
    socket.on('end', () => this.markClosed());
    socket.on('close', () => this.markClosed());
    socket.on('error', (err) => {
      this.failure ??= err;
      this.notify();
    });
  }

  /**
   * From now on, the time reads spend waiting for the peer is summed, and a read fails with
   * WaitBudgetError once the sum passes `budgetMs`. Unlike the idle timeout, a byte now and then
   * does not restart it: a peer that trickles cannot stretch it.
   */
  limitWaiting(budgetMs: number): void {
    this.waitBudget = { budgetMs, usedMs: 0 };
  }

  /**
   * The bytes that have arrived, waiting until there are at least `atLeast` (default 1), and at
   * most `atMost` of them (default all), so one call's work stays bounded while a peer floods.
   */
  async readAvailable(what: string, atLeast = 1, atMost = Infinity): Promise<Buffer> {
    // Never wait for more than the reader will hold: it would have stopped reading first.
    await this.waitForMoreThan(Math.min(Math.max(atLeast, 1), this.maxBufferedBytes) - 1, what);
    return this.take(Math.min(this.bufferedLength, atMost));
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

  /**
   * Wait for data, close or error. Each wait restarts the idle clock, so it counts silence; the
   * wait budget, once set, is charged for every wait and never restarts.
   */
  private nextEvent(what: string): Promise<void> {
    return new Promise<void>((resolve) => {
      const idleTimeoutMs = this.idleTimeoutMs;
      const budget = this.waitBudget;
      const startedAt = Date.now();
      const idle =
        idleTimeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.failure ??= new IdleTimeoutError(what, idleTimeoutMs);
              this.notify();
            }, idleTimeoutMs);
      const spent = budget
        ? setTimeout(
            () => {
              this.failure ??= new WaitBudgetError(what, budget.budgetMs);
              this.notify();
            },
            Math.max(0, budget.budgetMs - budget.usedMs),
          )
        : undefined;
      this.wake = () => {
        clearTimeout(idle);
        clearTimeout(spent);
        if (budget) budget.usedMs += Date.now() - startedAt;
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
    if (this.heldBack && this.bufferedLength < this.maxBufferedBytes) {
      this.heldBack = false;
      this.socket.resume();
    }
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
