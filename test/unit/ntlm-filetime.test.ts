/**
 * fileTime builds the 64-bit FILETIME from 32-bit halves; it must equal the exact product
 * (ms since 1601) * 10^4 that BigInt computes, over the whole range a Date can hold after 1601.
 */
import fc from 'fast-check';
import { fileTime } from '../../lib/emulated/mechanisms/ntlm/avpairs';

const EPOCH_1601_MS = -11644473600000;

/** Node's own range errors come from another realm than jest's RangeError, so check the name. */
function rangeErrorOf(ms: number): string | undefined {
  try {
    fileTime(new Date(ms));
    return undefined;
  } catch (err) {
    return (err as Error).name;
  }
}

function reference(ms: number): bigint {
  return (BigInt(ms) - BigInt(EPOCH_1601_MS)) * 10000n;
}

describe('fileTime', () => {
  it('is the exact count of 100 ns units since 1601, little-endian', () => {
    fc.assert(
      fc.property(fc.integer({ min: EPOCH_1601_MS, max: 8.64e15 }), (ms) => {
        let expected: bigint | undefined = reference(ms);
        if (expected >= 2n ** 64n) expected = undefined;
        if (expected === undefined) {
          expect(rangeErrorOf(ms)).toBe('RangeError');
        } else {
          expect(fileTime(new Date(ms)).readBigUInt64LE(0)).toBe(expected);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('matches known instants and the edges of the range', () => {
    expect(fileTime(new Date(EPOCH_1601_MS)).readBigUInt64LE(0)).toBe(0n);
    expect(fileTime(new Date(0)).readBigUInt64LE(0)).toBe(116444736000000000n);
    expect(fileTime(new Date(Date.UTC(2024, 0, 1))).readBigUInt64LE(0)).toBe(133485408000000000n);
    // The last representable millisecond of a 64-bit FILETIME, then one past it.
    const lastMs = Number((2n ** 64n - 1n) / 10000n) + EPOCH_1601_MS;
    expect(fileTime(new Date(lastMs)).readBigUInt64LE(0)).toBe(reference(lastMs));
    expect(rangeErrorOf(lastMs + 1)).toBe('RangeError');
    expect(rangeErrorOf(EPOCH_1601_MS - 1)).toBe('RangeError');
    expect(rangeErrorOf(NaN)).toBe('RangeError');
  });
});
