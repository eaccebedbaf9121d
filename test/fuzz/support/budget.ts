/**
 * How many inputs each fuzz property tries. CI runs a bounded budget (all of test/fuzz within
 * about 90 s on two cores); `npm run fuzz -- --runs N` sets FUZZ_RUNS and every property then
 * tries N inputs instead. FUZZ_SEED replays one failing run that fast-check reported.
 */
import type { Parameters as FcParameters } from 'fast-check';

const envRuns = Number(process.env.FUZZ_RUNS);
const envSeed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

/** True when a long run was asked for (FUZZ_RUNS set). */
export const longRun = Number.isInteger(envRuns) && envRuns > 0;

/** The number of runs for a property: FUZZ_RUNS when set, else the CI default given. */
export function runs(ciDefault: number): number {
  return longRun ? envRuns : ciDefault;
}

/** fast-check parameters: the run count, the replay seed if any, and no shrinking budget blow-up. */
export function fcParams<T>(ciDefault: number): FcParameters<T> {
  return {
    numRuns: runs(ciDefault),
    ...(envSeed !== undefined && Number.isFinite(envSeed) ? { seed: envSeed } : {}),
    // Shrinking a failure of an async property can take long; bound it so CI still ends.
    interruptAfterTimeLimit: longRun ? undefined : 60_000,
    markInterruptAsFailure: false,
  };
}

/** A jest timeout for a test that runs `count` inputs costing about `msEach` each, with slack. */
export function timeoutFor(count: number, msEach: number): number {
  return Math.max(30_000, Math.ceil(count * msEach * 4) + 30_000);
}
