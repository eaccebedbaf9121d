/**
 * The Kerberos parsers under the house fuzz property (support/parser-property.ts): mutated MIT
 * and self-made messages and random bytes give a value or SspiError SEC_E_INVALID_TOKEN, nothing
 * else, in bounded time, never a value larger than the input; and a length or a list count
 * claiming far more than is there is refused before anything is allocated for it.
 */
import fc from 'fast-check';
import { sequence, contextExplicit, integer, octetString } from '../../lib/emulated/asn1/der';
import { isSspiError } from '../../lib/errors';
import { parseMethodData } from '../../lib/emulated/mechanisms/kerberos/messages/common';
import { fcParams, runs, timeoutFor } from './support/budget';
import { kerberosTargets } from './support/kerberos-targets';
import { tokenArb } from './support/mutate';
import { checkParser } from './support/parser-property';

const RUNS = 1_000;

describe.each(kerberosTargets.map((t) => [t.name, t] as const))('parser %s', (_name, target) => {
  it('accepts the messages our encoders and MIT write', () => {
    for (const seed of target.seeds()) expect(() => target.parse(seed)).not.toThrow();
  });

  it(
    'throws only SEC_E_INVALID_TOKEN on mutated and random input, in bounded time',
    () => {
      fc.assert(
        fc.property(tokenArb(target.seeds()), (input) => {
          checkParser(target, input);
        }),
        fcParams(RUNS),
      );
    },
    timeoutFor(runs(RUNS), 0.5),
  );
});

describe('claimed sizes', () => {
  it('refuses a SEQUENCE OF claiming 2 GiB with a few bytes present', () => {
    const header = Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]);
    const pa = sequence(contextExplicit(1, integer(2)), contextExplicit(2, octetString(Buffer.alloc(0))));
    expect(() => parseMethodData(Buffer.concat([header, pa]))).toThrow(
      expect.objectContaining({ code: 'SEC_E_INVALID_TOKEN' }),
    );
  });

  it('refuses a list of many tiny items by count, before decoding them', () => {
    // 100,000 two-byte NULLs: within what a TCP reply may carry, far past the PA-DATA limit.
    const items = Buffer.alloc(200_000);
    for (let i = 0; i < items.length; i += 2) items[i] = 0x05;
    const list = Buffer.concat([Buffer.from([0x30, 0x83, 0x03, 0x0d, 0x40]), items]);
    const started = performance.now();
    let error: unknown;
    try {
      parseMethodData(list);
    } catch (err) {
      error = err;
    }
    expect(isSspiError(error, 'SEC_E_INVALID_TOKEN')).toBe(true);
    expect((error as Error).message).toMatch(/has more than 64 entries/);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
