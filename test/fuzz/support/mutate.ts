/**
 * Structure-aware mutations for fuzzing: start from valid tokens (seeds) and damage them the way
 * a hostile peer or a broken network would — flipped bits, cut-off ends, length fields set to
 * edge values, bytes inserted or deleted, random tails, pieces of another token spliced in.
 * Positions are drawn as plain integers and taken modulo the token length, so one mutation plan
 * applies to a token of any size.
 */
import fc from 'fast-check';

/** Values that break length and offset arithmetic: zero, sign bits, off-by-one around limits. */
const EDGE_VALUES = [
  0, 1, 2, 3, 4, 7, 8, 0x0f, 0x10, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xfe, 0xff, 0x100, 0x3fff, 0x4000,
  0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];

/** One edit of a token. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'drop-head'; count: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'tail'; bytes: Uint8Array }
  | {
      kind: 'field';
      at: number;
      width: 1 | 2 | 4;
      bigEndian: boolean;
      value: number | 'len' | 'len-1' | 'len+1';
    }
  | { kind: 'duplicate'; at: number; count: number }
  | { kind: 'splice'; from: number; at: number; srcAt: number; count: number };

const position = fc.nat({ max: 0xffff });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('flip' as const),
      at: position,
      bit: fc.integer({ min: 0, max: 7 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      at: position,
      value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x30, 0xa0, 0x04),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: position }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('drop-head' as const), count: fc.integer({ min: 1, max: 16 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: position,
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      at: position,
      count: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('tail' as const),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('field' as const),
      at: position,
      width: fc.constantFrom(1 as const, 2 as const, 4 as const),
      bigEndian: fc.boolean(),
      value: fc.oneof(
        fc.constantFrom(...EDGE_VALUES),
        fc.constantFrom('len' as const, 'len-1' as const, 'len+1' as const),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('duplicate' as const),
      at: position,
      count: fc.integer({ min: 1, max: 32 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('splice' as const),
      from: fc.nat(),
      at: position,
      srcAt: position,
      count: fc.integer({ min: 1, max: 64 }),
    }),
  },
);

/** Apply one mutation. `others` are the tokens a splice may copy from. */
export function applyMutation(input: Buffer, m: Mutation, others: readonly Buffer[] = []): Buffer {
  const len = input.length;
  const at = (n: number) => (len === 0 ? 0 : n % len);
  switch (m.kind) {
    case 'flip': {
      if (len === 0) return input;
      const out = Buffer.from(input);
      out[at(m.at)] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (len === 0) return input;
      const out = Buffer.from(input);
      out[at(m.at)] = m.value;
      return out;
    }
    case 'truncate':
      return input.subarray(0, at(m.at));
    case 'drop-head':
      return input.subarray(Math.min(m.count, len));
    case 'insert': {
      const p = at(m.at);
      return Buffer.concat([input.subarray(0, p), Buffer.from(m.bytes), input.subarray(p)]);
    }
    case 'delete': {
      const p = at(m.at);
      return Buffer.concat([input.subarray(0, p), input.subarray(p + m.count)]);
    }
    case 'tail':
      return Buffer.concat([input, Buffer.from(m.bytes)]);
    case 'field': {
      if (len < m.width) return input;
      const p = m.at % (len - m.width + 1);
      const out = Buffer.from(input);
      const raw =
        m.value === 'len' ? len : m.value === 'len-1' ? len - 1 : m.value === 'len+1' ? len + 1 : m.value;
      const max = m.width === 1 ? 0xff : m.width === 2 ? 0xffff : 0xffffffff;
      const value = raw % (max + 1);
      if (m.width === 1) out[p] = value;
      else if (m.width === 2) {
        if (m.bigEndian) out.writeUInt16BE(value, p);
        else out.writeUInt16LE(value, p);
      } else if (m.bigEndian) out.writeUInt32BE(value >>> 0, p);
      else out.writeUInt32LE(value >>> 0, p);
      return out;
    }
    case 'duplicate': {
      const p = at(m.at);
      const piece = input.subarray(p, p + m.count);
      return Buffer.concat([input.subarray(0, p), piece, input.subarray(p)]);
    }
    case 'splice': {
      if (others.length === 0) return input;
      const src = others[m.from % others.length];
      if (src.length === 0) return input;
      const s = m.srcAt % src.length;
      const p = at(m.at);
      return Buffer.concat([input.subarray(0, p), src.subarray(s, s + m.count), input.subarray(p + m.count)]);
    }
  }
}

/** Apply a list of mutations in order. */
export function applyMutations(
  input: Buffer,
  plan: readonly Mutation[],
  others: readonly Buffer[] = [],
): Buffer {
  let out = input;
  for (const m of plan) out = applyMutation(out, m, others);
  return out;
}

/** A short list of mutations: most inputs get one or two edits, so they stay close to valid. */
export const mutationPlanArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

/**
 * Inputs for a parser: mostly mutated seeds (deep paths), some pure random bytes (the framing
 * checks), and the seeds themselves (the parser must accept what our own encoder writes).
 */
export function tokenArb(seeds: readonly Buffer[], maxRandom = 512): fc.Arbitrary<Buffer> {
  if (seeds.length === 0) throw new Error('tokenArb needs at least one seed');
  const mutated = fc
    .tuple(fc.nat({ max: seeds.length - 1 }), mutationPlanArb)
    .map(([i, plan]) => applyMutations(seeds[i], plan, seeds));
  return fc.oneof(
    { weight: 12, arbitrary: mutated },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: maxRandom }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.nat({ max: seeds.length - 1 }).map((i) => seeds[i]) },
  );
}
