/**
 * The property every parser must keep on hostile input: it returns, or throws its documented
 * error (SspiError SEC_E_INVALID_TOKEN; DerError for the DER reader) and nothing else — no
 * RangeError, no TypeError — within a time bound, and what it returns is no bigger than its
 * input (a length field cannot make it allocate more than it was given).
 */
import { performance } from 'node:perf_hooks';
import { SspiError } from '../../../lib/errors';

/** Time one parse may take. Real inputs parse in microseconds; this is a bound, not a benchmark. */
export const PARSE_TIME_LIMIT_MS = 250;

/** A parser under test. */
export interface ParserTarget {
  /** Stable name; regression files refer to targets by it. */
  name: string;
  parse(input: Buffer): unknown;
  /** True for an error the parser documents. */
  allowed(err: unknown): boolean;
  /** Valid inputs our own encoders write: the starting points of mutation. */
  seeds(): Buffer[];
  /** How much larger than the input a returned value may be (UTF-16 to string is 1). Default 1. */
  growth?: number;
}

/** The documented error of the protocol parsers. */
export function isInvalidToken(err: unknown): boolean {
  return err instanceof SspiError && err.code === 'SEC_E_INVALID_TOKEN';
}

/** Describe an input compactly for a failure message and a regression file. */
export function hexOf(input: Buffer): string {
  return input.toString('hex');
}

/**
 * Parse one input and throw an Error explaining the breach when the property does not hold.
 * Used by the fast-check properties and by the regression test alike.
 */
export function checkParser(target: ParserTarget, input: Buffer): void {
  const started = performance.now();
  let result: unknown;
  try {
    result = target.parse(input);
  } catch (err) {
    if (!target.allowed(err)) {
      const e = err as Error;
      throw new Error(
        `${target.name} threw an undocumented ${e?.name ?? typeof err}: ${e?.message ?? String(err)}\n` +
          `input (${input.length} bytes): ${hexOf(input)}`,
      );
    }
    if (err instanceof SspiError && /[0-9a-f]{32,}/i.test(err.message)) {
      throw new Error(
        `${target.name}: the error message carries a long hex string, maybe key material: ${err.message}`,
      );
    }
    return;
  } finally {
    checkTime(target, input, performance.now() - started);
  }
  const limit = Math.max(input.length * (target.growth ?? 1), 16);
  checkSize(target.name, result, limit, input, 0);
}

/**
 * A slow parse is timed once more before it counts: on a shared CI box a GC pause or a busy
 * neighbour can stall one call, but a parser that is slow on an input is slow every time.
 */
function checkTime(target: ParserTarget, input: Buffer, elapsed: number): void {
  if (elapsed <= PARSE_TIME_LIMIT_MS) return;
  const again = performance.now();
  try {
    target.parse(input);
  } catch {
    // The error itself was judged by the first run.
  }
  const second = performance.now() - again;
  if (second > PARSE_TIME_LIMIT_MS) {
    throw new Error(
      `${target.name} took ${elapsed.toFixed(0)} and ${second.toFixed(0)} ms on ${input.length} bytes: ${hexOf(input)}`,
    );
  }
}

/** Walk a parse result: no Buffer, string or array in it may exceed the input's size. */
function checkSize(name: string, value: unknown, limit: number, input: Buffer, depth: number): void {
  if (depth > 64) throw new Error(`${name} returned a structure nested deeper than 64 levels`);
  if (value === null || value === undefined) return;
  let size: number | undefined;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) size = value.length;
  else if (typeof value === 'string' || Array.isArray(value)) size = value.length;
  if (size !== undefined && size > limit) {
    throw new Error(
      `${name} returned a value of ${size} units from ${input.length} input bytes: ${hexOf(input)}`,
    );
  }
  if (Buffer.isBuffer(value) || value instanceof Uint8Array || typeof value !== 'object') return;
  const children =
    value instanceof Map ? [...value.values()] : Array.isArray(value) ? value : Object.values(value);
  for (const child of children) checkSize(name, child, limit, input, depth + 1);
}
