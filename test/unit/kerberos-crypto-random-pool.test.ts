import {
  fillRandom,
  randomSecret,
  randomUint32,
} from '../../lib/emulated/mechanisms/kerberos/crypto/random-pool';

describe('the Kerberos random pool', () => {
  it('hands out fresh bytes, each in memory of its own, across pool refills', () => {
    // 16-byte confounders: 600 of them pass the 4 KiB pool's end twice.
    const confounders = Array.from({ length: 600 }, () => randomSecret(16));
    expect(new Set(confounders.map((c) => c.toString('hex'))).size).toBe(600);
    expect(
      confounders.every((c) => c.length === 16 && c.byteOffset === 0 && c.buffer.byteLength === 16),
    ).toBe(true);
  });

  it('takes lengths up to the pool size and refuses more', () => {
    expect(randomSecret(8)).toHaveLength(8);
    expect(randomSecret(4096)).toHaveLength(4096);
    expect(() => randomSecret(4097)).toThrow(RangeError);
    expect(() => fillRandom(Buffer.alloc(4097))).toThrow(RangeError);
  });

  it('fills a caller’s buffer in place, leaving the bytes around it alone', () => {
    const target = Buffer.alloc(48);
    fillRandom(target.subarray(16, 32));
    expect(target.subarray(0, 16).equals(Buffer.alloc(16))).toBe(true);
    expect(target.subarray(32).equals(Buffer.alloc(16))).toBe(true);
    expect(target.subarray(16, 32).equals(Buffer.alloc(16))).toBe(false);
  });

  it('draws unsigned 32-bit numbers that differ across refills, mixed with byte draws', () => {
    const numbers = Array.from({ length: 3000 }, (_, i) => {
      if (i % 7 === 0) randomSecret(3); // unaligned draws in between
      return randomUint32();
    });
    expect(numbers.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff)).toBe(true);
    expect(new Set(numbers).size).toBeGreaterThan(2990);
    expect(numbers.some((n) => n >= 0x80000000)).toBe(true);
  });
});
