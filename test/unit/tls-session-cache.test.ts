/**
 * The per-credential TLS session cache: bounded, expiring, and zeroing every session it lets go
 * (a TLS session carries the resumption secret).
 */
import { SESSION_LIFETIME_MS, TlsSessionCache } from '../../lib/emulated/tls/session-cache';

const session = (byte: number) => Buffer.alloc(32, byte);

describe('TlsSessionCache', () => {
  it('offers a session for its own target only, until it expires', () => {
    const cache = new TlsSessionCache();
    const s = session(1);
    cache.remember('TERMSRV/a', s, 1000);
    expect(cache.get('TERMSRV/a', 2000)).toBe(s);
    expect(cache.get('TERMSRV/b', 2000)).toBeUndefined();
    expect(cache.get('TERMSRV/a', 1000 + SESSION_LIFETIME_MS)).toBeUndefined();
    // Expired: dropped and zeroed, not kept for later.
    expect(cache.size).toBe(0);
    expect(s.equals(Buffer.alloc(32))).toBe(true);
  });

  it('keeps at most its bound, dropping and zeroing the oldest', () => {
    const cache = new TlsSessionCache(3);
    const sessions = [1, 2, 3, 4].map(session);
    sessions.forEach((s, i) => cache.remember(`TERMSRV/host${i}`, s, 0));
    expect(cache.size).toBe(3);
    expect(cache.get('TERMSRV/host0', 1)).toBeUndefined();
    expect(sessions[0].equals(Buffer.alloc(32))).toBe(true);
    expect(cache.get('TERMSRV/host3', 1)).toBe(sessions[3]);
  });

  it('replaces a target’s session, zeroing the old one, and counts the replacement as new', () => {
    const cache = new TlsSessionCache(2);
    const old = session(1);
    cache.remember('TERMSRV/a', old, 0);
    cache.remember('TERMSRV/b', session(2), 0);
    const fresh = session(3);
    cache.remember('TERMSRV/a', fresh, 0);
    expect(old.equals(Buffer.alloc(32))).toBe(true);
    // 'b' is now the oldest, so it goes first.
    cache.remember('TERMSRV/c', session(4), 0);
    expect(cache.get('TERMSRV/b', 1)).toBeUndefined();
    expect(cache.get('TERMSRV/a', 1)).toBe(fresh);
  });

  it('does not zero a session that is stored again as it is', () => {
    const cache = new TlsSessionCache();
    const s = session(7);
    cache.remember('TERMSRV/a', s, 0);
    cache.remember('TERMSRV/a', s, 0);
    expect(s.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('zeroes everything when cleared', () => {
    const cache = new TlsSessionCache();
    const sessions = [1, 2].map(session);
    sessions.forEach((s, i) => cache.remember(`t${i}`, s, 0));
    cache.clear();
    expect(cache.size).toBe(0);
    for (const s of sessions) expect(s.equals(Buffer.alloc(32))).toBe(true);
  });
});
