import { randomConfounder } from '../../lib/emulated/mechanisms/kerberos/crypto/random-pool';

describe('randomConfounder', () => {
  it('hands out fresh bytes, each in memory of its own, across pool refills', () => {
    // 16-byte confounders: 600 of them pass the 4 KiB pool's end twice.
    const confounders = Array.from({ length: 600 }, () => randomConfounder(16));
    expect(new Set(confounders.map((c) => c.toString('hex'))).size).toBe(600);
    expect(
      confounders.every((c) => c.length === 16 && c.byteOffset === 0 && c.buffer.byteLength === 16),
    ).toBe(true);
  });

  it('takes lengths up to the pool size and refuses more', () => {
    expect(randomConfounder(8)).toHaveLength(8);
    expect(randomConfounder(4096)).toHaveLength(4096);
    expect(() => randomConfounder(4097)).toThrow(RangeError);
  });
});
