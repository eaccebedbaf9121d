/**
 * publicNonce: random bytes for values sent in the clear, served from a pool the CSPRNG refills.
 * What matters is that no two draws share bytes, across refills too, and that sizes are exact.
 */
import { publicNonce } from '../../lib/emulated/crypto/nonce-pool';

describe('publicNonce', () => {
  it('never hands out the same bytes twice, across several refills of the pool', () => {
    const seen = new Set<string>();
    // 8-byte draws: 2^-64 per pair of a false collision; 3 pools' worth plus a partial one.
    for (let i = 0; i < 1600; i++) {
      const nonce = publicNonce(8);
      expect(nonce).toHaveLength(8);
      seen.add(nonce.toString('hex'));
    }
    expect(seen.size).toBe(1600);
  });

  it('serves odd sizes and sizes larger than the pool', () => {
    for (const size of [1, 3, 31, 4095, 4096, 4097, 10000]) {
      const nonce = publicNonce(size);
      expect(nonce).toHaveLength(size);
      if (size >= 16) expect(nonce.equals(Buffer.alloc(size))).toBe(false);
    }
  });

  it('gives the caller its own copy: zeroing it changes no later draw', () => {
    const first = publicNonce(16);
    first.fill(0);
    expect(publicNonce(16).equals(Buffer.alloc(16))).toBe(false);
    expect(publicNonce(0)).toHaveLength(0);
  });
});
