/**
 * The TLS sessions an outbound credential handle may resume, by target name (reference: a session
 * is reused only for the same target, the same credential handle, unexpired). Bounded: a client
 * that reaches many hosts with one handle keeps the most recent ones, as Schannel's client cache
 * does (ClientCacheTime 10 hours, a maximum entry count). A session holds the TLS resumption
 * secret, so every entry that leaves the cache is zeroed.
 */
import { wipe } from '../../secret';

/** How long a session stays resumable (Schannel's client default: 10 hours). */
export const SESSION_LIFETIME_MS = 10 * 60 * 60 * 1000;

/** Entries per credential handle; about 2 KiB each. */
export const MAX_CACHED_SESSIONS = 1024;

interface Entry {
  session: Buffer;
  expires: number;
}

export class TlsSessionCache {
  /** Insertion order is age order: a session stored again moves to the end. */
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = MAX_CACHED_SESSIONS) {}

  /** The session to offer for `target`, unless there is none or it has expired (then it is dropped). */
  get(target: string, now = Date.now()): Buffer | undefined {
    const entry = this.entries.get(target);
    if (!entry) return undefined;
    if (entry.expires > now) return entry.session;
    this.drop(target, entry);
    return undefined;
  }

  /** Keep `session` for `target`, replacing what was there and making room by dropping the oldest. */
  remember(target: string, session: Buffer, now = Date.now()): void {
    const previous = this.entries.get(target);
    if (previous) this.drop(target, previous, session);
    while (this.entries.size >= this.maxEntries) {
      const [oldestTarget, oldest] = this.entries.entries().next().value as [string, Entry];
      this.drop(oldestTarget, oldest);
    }
    this.entries.set(target, { session, expires: now + SESSION_LIFETIME_MS });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Zero and forget every session (the credential handle is freed). */
  clear(): void {
    for (const [target, entry] of this.entries) this.drop(target, entry);
  }

  private drop(target: string, entry: Entry, keep?: Buffer): void {
    this.entries.delete(target);
    // A handshake that resumed may hand back the very Buffer it was offered; that one stays.
    if (entry.session !== keep) wipe(entry.session);
  }
}
