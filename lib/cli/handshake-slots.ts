/**
 * A cap on how many CredSSP handshakes `serve` runs at once. A handshake is CPU-bound (TLS key
 * exchange, NTLM hashes): when every accepted connection is served at once, they all advance in
 * step and all finish together at the end of the burst, so each one's latency is the burst's
 * total. With a cap, the first N finish quickly and the rest wait their turn, first in first out.
 */

/** Hands out at most `limit` slots; waiters are served in arrival order. */
export class HandshakeSlots {
  private inUse = 0;
  private readonly waiting: Array<(release: () => void) => void> = [];

  constructor(private readonly limit: number) {}

  /** Handshakes running now. */
  get active(): number {
    return this.inUse;
  }

  /** Connections waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with the function that frees the slot, once one is free. When `signal` aborts
   * first (the client left, or waited too long), the wait ends: rejects with the signal's reason.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.inUse < this.limit) {
      this.inUse++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (release: () => void) => {
        signal.removeEventListener('abort', abandon);
        resolve(release);
      };
      const abandon = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abandon, { once: true });
      this.waiting.push(grant);
    });
  }

  /** A release function that works once: a second call must not free someone else's slot. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so the count stays the same.
      if (next) next(this.releaser());
      else this.inUse--;
    };
  }
}
