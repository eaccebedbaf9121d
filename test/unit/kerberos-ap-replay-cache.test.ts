/**
 * The replay cache (RFC 4120 3.2.3): an authenticator is refused while it could still pass the
 * skew check, forgotten after, and a full cache refuses rather than forgets.
 */
import { ReplayCache, type ReplayEntry } from '../../lib/emulated/mechanisms/kerberos/replay-cache';

const SKEW = 5 * 60_000;
const T0 = new Date('2026-12-07T01:00:00Z');

function entry(overrides: Partial<ReplayEntry> = {}): ReplayEntry {
  return {
    client: 'alice@EXAMPLE.TEST',
    server: 'HTTP/web@EXAMPLE.TEST',
    ctime: T0,
    cusec: 123456,
    authenticatorCipher: Buffer.from('cipher'),
    ...overrides,
  };
}

const at = (ms: number) => new Date(T0.getTime() + ms);

describe('ReplayCache', () => {
  it('records an authenticator once and refuses it again within the window', () => {
    const cache = new ReplayCache({ clockSkewMs: SKEW });
    expect(cache.record(entry(), T0)).toBe('fresh');
    expect(cache.record(entry(), at(1000))).toBe('replay');
    expect(cache.record(entry(), at(2 * SKEW - 1))).toBe('replay');
  });

  it('tells apart authenticators differing in any field', () => {
    const cache = new ReplayCache();
    cache.record(entry(), T0);
    for (const other of [
      { client: 'bob@EXAMPLE.TEST' },
      { server: 'HTTP/other@EXAMPLE.TEST' },
      { ctime: at(1000) },
      { cusec: 123457 },
      { authenticatorCipher: Buffer.from('cipheR') },
    ])
      expect(cache.record(entry(other), T0)).toBe('fresh');
    // Names cannot run into each other: "a" + "b|c" is not "a|b" + "c".
    cache.record(entry({ client: 'a', server: 'b","c' }), T0);
    expect(cache.record(entry({ client: 'a","b', server: 'c' }), T0)).toBe('fresh');
  });

  it('forgets an entry once it could no longer pass the skew check, and drops it', () => {
    const cache = new ReplayCache({ clockSkewMs: SKEW });
    cache.record(entry(), T0);
    expect(cache.record(entry(), at(2 * SKEW))).toBe('fresh');
    expect(cache.size).toBe(1);
    cache.record(entry({ cusec: 1 }), at(5 * SKEW));
    expect(cache.size).toBe(1);
  });

  it('when full refuses new authenticators rather than forget live ones, and recovers as they expire', () => {
    const cache = new ReplayCache({ clockSkewMs: SKEW, maxEntries: 3 });
    for (let i = 0; i < 3; i++) expect(cache.record(entry({ cusec: i }), T0)).toBe('fresh');
    expect(cache.record(entry({ cusec: 99 }), at(1000))).toBe('full');
    // A replay is still a replay when full.
    expect(cache.record(entry({ cusec: 1 }), at(1000))).toBe('replay');
    expect(cache.record(entry({ cusec: 99 }), at(2 * SKEW))).toBe('fresh');
  });

  it('a clock stepped back never forgets an entry early', () => {
    const cache = new ReplayCache({ clockSkewMs: SKEW });
    cache.record(entry({ cusec: 1 }), at(60_000));
    cache.record(entry({ cusec: 2 }), T0);
    expect(cache.record(entry({ cusec: 2 }), at(2 * SKEW - 1))).toBe('replay');
    expect(cache.record(entry({ cusec: 1 }), at(2 * SKEW + 59_999))).toBe('replay');
  });

  it('holds 100 000 entries by default and each record stays cheap', () => {
    const cache = new ReplayCache();
    const start = process.hrtime.bigint();
    for (let i = 0; i < 100_000; i++)
      cache.record(entry({ cusec: i % 1_000_000, authenticatorCipher: Buffer.from(String(i)) }), T0);
    expect(cache.record(entry({ cusec: 7, authenticatorCipher: Buffer.from('new') }), T0)).toBe('full');
    expect(Number(process.hrtime.bigint() - start) / 1e9).toBeLessThan(5);
  });
});
