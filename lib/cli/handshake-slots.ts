/**
 * A cap on how many CredSSP handshakes `serve` runs at once. A handshake is CPU-bound (TLS key
 * exchange, NTLM hashes): when every accepted connection is served at once, they all advance in
 * step and all finish together at the end of the burst, so each one's latency is the burst's
 * total. With a cap, the first N finish quickly and the rest wait their turn, first in first out.
 *
 * A second, optional cap holds one address to at most M of the N slots, so clients of other
 * addresses are not queued behind one address's many (slow) connections; a waiter whose address
 * is at its cap lets later waiters of other addresses go first, and keeps its place otherwise.
 */

interface Waiter {
  address: string;
  grant: (release: () => void) => void;
}

/** Hands out at most `limit` slots, at most `perAddress` of them to one address; arrival order otherwise. */
export class HandshakeSlots {
  private inUse = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limit: number,
    private readonly perAddress = limit,
  ) {}

  /** Handshakes running now. */
  get active(): number {
    return this.inUse;
  }

  /** Connections waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with the function that frees the slot, once one is free for `address`. When
   * `signal` aborts first (the client left, or waited too long), the wait ends: rejects with the
   * signal's reason.
   */
  acquire(signal: AbortSignal, address = ''): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.waiting.length === 0 && this.canTake(address)) return Promise.resolve(this.take(address));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        address,
        grant: (release) => {
          signal.removeEventListener('abort', abandon);
          resolve(release);
        },
      };
      const abandon = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
        // Leaving may unblock those behind it (it may have been first of a full address).
        this.grantWaiting();
      };
      signal.addEventListener('abort', abandon, { once: true });
      this.waiting.push(waiter);
      this.grantWaiting();
    });
  }

  private canTake(address: string): boolean {
    return this.inUse < this.limit && (this.byAddress.get(address) ?? 0) < this.perAddress;
  }

  private take(address: string): () => void {
    this.inUse++;
    this.byAddress.set(address, (this.byAddress.get(address) ?? 0) + 1);
    // A release function that works once: a second call must not free someone else's slot.
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      const left = this.byAddress.get(address)! - 1;
      if (left === 0) this.byAddress.delete(address);
      else this.byAddress.set(address, left);
      this.grantWaiting();
    };
  }

  /** Give free slots to the earliest waiters whose address is under its cap. */
  private grantWaiting(): void {
    for (let i = 0; i < this.waiting.length && this.inUse < this.limit;) {
      const waiter = this.waiting[i];
      if (!this.canTake(waiter.address)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      waiter.grant(this.take(waiter.address));
    }
  }
}
