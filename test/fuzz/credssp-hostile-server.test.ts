/**
 * The CredSSP client against a server that completes TLS and then sends a damaged CHALLENGE,
 * pubKeyAuth or errorCode TSRequest (support/hostile-credssp-server.ts). Every
 * initializeSecurityContext settles with a status or a SEC_E_* SspiError, no credential is sent
 * to a server that did not prove its key, and every handle is dead after delete.
 */
import fc from 'fast-check';
import { acquireCredentialsHandle } from '../../lib';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
import { fcParams, runs, timeoutFor } from './support/budget';
import { checkAllDead, type Handles } from './support/exchange';
import { hostileServerExchange, type HostileServerCase } from './support/hostile-credssp-server';
import { mutationPlanArb } from './support/mutate';
import { failOnUnhandledRejections } from './support/unhandled';

failOnUnhandledRejections();

let certificate: { cert: string; key: string };
beforeAll(async () => {
  const made = await generateSelfSignedCertificate({ commonName: 'server.lab' });
  certificate = { cert: made.certPem, key: made.keyPem };
}, 60_000);

async function run(hostile: HostileServerCase | null, changed?: Set<string>): Promise<string> {
  const handles: Handles = { credentials: [], contexts: [] };
  const clientCred = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: 'LAB', password: 'Passw0rd!' },
  });
  handles.credentials.push(clientCred);
  try {
    return await hostileServerExchange(clientCred, certificate, hostile, handles, changed);
  } finally {
    await checkAllDead('CredSSP', handles);
  }
}

const hostileArb: fc.Arbitrary<HostileServerCase> = fc.record({
  message: fc.constantFrom('challenge' as const, 'pub-key-auth' as const, 'error-code' as const),
  layer: fc.constantFrom('tsrequest' as const, 'inner' as const),
  plan: mutationPlanArb,
});

const RUNS = 700;

it('completes when nothing is damaged (the hostile server is a working server)', async () => {
  expect(await run(null)).toBe('complete');
});

it('refuses an errorCode TSRequest (STATUS_LOGON_FAILURE) with SEC_E_LOGON_DENIED', async () => {
  expect(await run({ message: 'error-code', layer: 'tsrequest', plan: [] })).toBe(
    'client SEC_E_LOGON_DENIED',
  );
});

it(
  'settles every initializeSecurityContext on damaged plaintext inside valid TLS',
  async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostileArb, async (hostile) => {
        const changed = new Set<string>();
        const outcome = await run(hostile, changed);
        // A damaged pubKeyAuth must never be accepted: that is the server proving its key.
        if (changed.has('pub-key-auth/inner') && outcome === 'complete') {
          throw new Error(`the client accepted a damaged pubKeyAuth: ${JSON.stringify(hostile)}`);
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      fcParams(RUNS),
    );
    if (process.env.FUZZ_STATS) console.log('hostile server', Object.fromEntries(outcomes));
    expect([...outcomes.keys()].some((o) => o === 'client SEC_E_INVALID_TOKEN')).toBe(true);
  },
  timeoutFor(runs(RUNS), 20),
);
