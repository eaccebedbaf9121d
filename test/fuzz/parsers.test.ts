/**
 * One fuzz property per wire parser (see support/targets.ts): mutated valid tokens and random
 * bytes go in; only the parser's documented error may come out, in bounded time, and nothing
 * it returns is larger than its input.
 */
import fc from 'fast-check';
import { fcParams, runs, timeoutFor } from './support/budget';
import { tokenArb } from './support/mutate';
import { checkParser } from './support/parser-property';
import { credsspTargets } from './support/credssp-targets';
import { kerberosFileTargets } from './support/kerberos-file-targets';
import { parserTargets } from './support/targets';

const RUNS = 10_000;

describe.each([...parserTargets, ...credsspTargets, ...kerberosFileTargets].map((t) => [t.name, t] as const))(
  'parser %s',
  (_name, target) => {
    it('accepts the tokens our own encoder writes', () => {
      for (const seed of target.seeds()) expect(() => target.parse(seed)).not.toThrow();
    });

    it(
      'throws only its documented error on mutated and random input, in bounded time',
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
  },
);
