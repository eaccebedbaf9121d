/**
 * The stateful fuzzer over the public API (support/exchange.ts) for NTLM, Negotiate and CredSSP:
 * a real exchange is run to leg k and that leg's token — in either direction, in the handshake
 * or a sealed message after it — is damaged, swapped, replayed or emptied. Every call must
 * settle within a bound with a status or an SspiError (SEC_E_*), no promise may be left to
 * reject unhandled, and after delete/free no handle is alive.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
import { fcParams, runs, timeoutFor } from './support/budget';
import {
  runExchange,
  setupFor,
  type FuzzCase,
  type PackageUnderTest,
  type Setup,
  type Tamper,
  type Transcript,
} from './support/exchange';
import { mutationPlanArb } from './support/mutate';
import { failOnUnhandledRejections } from './support/unhandled';

failOnUnhandledRejections();

function tamperArb(reference: Transcript): fc.Arbitrary<Tamper> {
  return fc.oneof(
    { weight: 8, arbitrary: mutationPlanArb.map((plan): Tamper => ({ kind: 'mutate', plan })) },
    {
      weight: 1,
      arbitrary: fc
        .nat({ max: Math.max(0, reference.tokens.length - 1) })
        .map((withLeg): Tamper => ({ kind: 'swap', withLeg })),
    },
    { weight: 1, arbitrary: fc.constant<Tamper>({ kind: 'replay' }) },
    { weight: 1, arbitrary: fc.constant<Tamper>({ kind: 'repeat-previous' }) },
    { weight: 1, arbitrary: fc.constant<Tamper>({ kind: 'empty' }) },
    { weight: 1, arbitrary: fc.constant<Tamper>({ kind: 'concat-next' }) },
  );
}

function caseArb(reference: Transcript): fc.Arbitrary<FuzzCase> {
  return fc.record({ leg: fc.nat({ max: reference.tokens.length - 1 }), tamper: tamperArb(reference) });
}

/** Runs per package in CI: the whole fuzz suite stays within about 90 s on two cores. */
const CASES: Array<{ name: string; pkg: PackageUnderTest; runs: number; msEach: number; inner?: 'spnego' }> =
  [
    { name: 'NTLM', pkg: 'NTLM', runs: 2000, msEach: 3 },
    { name: 'Negotiate', pkg: 'Negotiate', runs: 2000, msEach: 3 },
    { name: 'CredSSP (NTLM inner)', pkg: 'CredSSP', runs: 2000, msEach: 30 },
    { name: 'CredSSP (SPNEGO inner)', pkg: 'CredSSP', runs: 1000, msEach: 30, inner: 'spnego' },
  ];

/** A crash the fuzzer found, kept with its input (regressions/api-*.json, see the README there). */
interface ApiRegression {
  pkg: PackageUnderTest;
  inner?: 'spnego';
  /** `leg` counts every token; `messageLeg` instead counts sealed messages after the handshake. */
  case: { leg?: number; messageLeg?: number; tamper: Tamper };
  found: string;
}

const regressionDir = join(__dirname, 'regressions');
const apiRegressions = readdirSync(regressionDir)
  .filter((f) => /^api-.*\.json$/.test(f))
  .map((f) => [f, JSON.parse(readFileSync(join(regressionDir, f), 'utf8')) as ApiRegression] as const);

describe.each(CASES)('$name: mutated legs through the public API', ({ pkg, runs: ciRuns, msEach, inner }) => {
  let setup: Setup;
  let reference: Transcript;

  beforeAll(async () => {
    // One certificate for every acceptor credential: generating an RSA key per run would dominate.
    const tls =
      pkg === 'CredSSP'
        ? await generateSelfSignedCertificate({ commonName: 'server.lab' }).then((c) => ({
            cert: c.certPem,
            key: c.keyPem,
          }))
        : undefined;
    setup = setupFor(pkg, tls);
    if (inner) setup.clientOptions.emulated = { credssp: { inner } };
    reference = await runExchange(setup, null, null);
  }, 60_000);

  it('completes a clean exchange and both sealed messages (the fuzzer starts from a working one)', () => {
    expect(reference.handshakeLegs).toBeGreaterThanOrEqual(2);
    expect(reference.tokens.length).toBe(reference.handshakeLegs + 2);
  });

  const mine = apiRegressions.filter(([, r]) => r.pkg === pkg && r.inner === inner);
  (mine.length > 0 ? it.each(mine) : it.skip.each([['(none)', null]]))('regression %s', async (_file, r) => {
    const { leg, messageLeg, tamper } = (r as ApiRegression).case;
    await runExchange(
      setup,
      { leg: messageLeg === undefined ? leg! : reference.handshakeLegs + messageLeg, tamper },
      reference,
    );
  });

  it(
    'settles every call with a status or a SEC_E_* SspiError, and leaves no handle alive',
    async () => {
      const outcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(caseArb(reference), async (fuzz) => {
          const { outcome } = await runExchange(setup, fuzz, reference);
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }),
        fcParams(ciRuns),
      );
      if (process.env.FUZZ_STATS) console.log(pkg, inner ?? '', Object.fromEntries(outcomes));
      // Not vacuous: damaged tokens were refused, and on both sides.
      const refusedBy = (side: string) => [...outcomes.keys()].some((o) => o.startsWith(`${side} SEC_E_`));
      expect(refusedBy('server')).toBe(true);
      expect(refusedBy('client')).toBe(true);
    },
    timeoutFor(runs(ciRuns), msEach),
  );
});
