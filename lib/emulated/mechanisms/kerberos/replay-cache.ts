/**
 * The acceptor's replay cache (RFC 4120 3.2.3): an authenticator seen once is refused when seen
 * again within the clock-skew window, after which the skew check alone refuses it. In memory, for
 * one process; share one cache between every acceptor of a service.
 *
 * An entry is keyed by client, server, ctime, cusec and a hash of the authenticator's ciphertext
 * (as MIT's rcache does: two clients may pick the same microsecond, a replay cannot change a
 * byte). It is kept for twice the skew from when it was recorded: an authenticator passes the skew
 * check only while ctime + skew is in the future, and ctime is at most `now + skew` when it is
 * recorded, so nothing is forgotten while it could still be accepted.
 *
 * Bounded: at most `maxEntries` live entries (default 100 000, some 20 MB). When full, new
 * authenticators are refused rather than old entries forgotten early: forgetting would reopen the
 * replay window for a captured AP-REQ, while refusing fails closed, and only authenticated clients
 * (each entry needs a valid ticket and authenticator) can fill the cache at all.
 */
import { createHash } from 'node:crypto';

/** What {@link ReplayCache.record} found. */
export type ReplayVerdict = 'fresh' | 'replay' | 'full';

/** One authenticator, as the cache identifies it. */
export interface ReplayEntry {
  /** The client principal with its realm, e.g. `alice@EXAMPLE.COM`. */
  client: string;
  /** The service principal with its realm. */
  server: string;
  ctime: Date;
  cusec: number;
  /** The authenticator's ciphertext as received (the EncryptedData's cipher). */
  authenticatorCipher: Buffer;
}

export interface ReplayCacheOptions {
  /** The acceptors' clock skew; entries live twice this. Default 5 minutes. */
  clockSkewMs?: number;
  /** Live entries at most; default 100 000. */
  maxEntries?: number;
}

/** An in-memory replay cache; {@link record} is the only operation. */
export class ReplayCache {
  /** Key → time (ms) after which the entry may go. Insertion order is expiry order (see purge). */
  private readonly entries = new Map<string, number>();
  private readonly lifetimeMs: number;
  private readonly maxEntries: number;
  /** The skew the cache was made for: acceptors allowing more would outlive its entries. */
  readonly clockSkewMs: number;

  constructor(options: ReplayCacheOptions = {}) {
    this.clockSkewMs = options.clockSkewMs ?? 5 * 60_000;
    this.lifetimeMs = 2 * this.clockSkewMs;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** How many entries are held (expired ones included until the next record()). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Record `entry` as seen at `now`: 'fresh' the first time, 'replay' when it was seen within the
   * window, 'full' (nothing recorded) when the cache holds `maxEntries` live entries.
   */
  record(entry: ReplayEntry, now: Date): ReplayVerdict {
    const nowMs = now.getTime();
    this.purge(nowMs);
    const key = keyOf(entry);
    const expiry = this.entries.get(key);
    if (expiry !== undefined && expiry > nowMs) return 'replay';
    if (this.entries.size >= this.maxEntries) return 'full';
    this.entries.delete(key);
    this.entries.set(key, nowMs + this.lifetimeMs);
    return 'fresh';
  }

  /**
   * Drop expired entries from the oldest. Expiries grow with insertion order while the clock runs
   * forward; if it steps back, an entry may stay past its expiry behind a later one, never go early.
   */
  private purge(nowMs: number): void {
    for (const [key, expiry] of this.entries) {
      if (expiry > nowMs) return;
      this.entries.delete(key);
    }
  }
}

function keyOf(entry: ReplayEntry): string {
  const hash = createHash('sha256').update(entry.authenticatorCipher).digest('base64');
  // JSON keeps the fields apart whatever characters the names hold.
  return JSON.stringify([entry.client, entry.server, entry.ctime.getTime(), entry.cusec, hash]);
}
