/**
 * The CredSSP acceptor against a client that completes TLS and then sends damaged TSRequests,
 * NTLM tokens, pubKeyAuth or TSCredentials (support/hostile-credssp-client.ts): what an attacker
 * on the network can always do. Every acceptSecurityContext settles with a status or a SEC_E_*
 * SspiError, nothing rejects unhandled, the context is dead after delete, and a damaged NTLM
 * message or pubKeyAuth never ends in SEC_E_OK.
 */
import fc from 'fast-check';
import { acquireCredentialsHandle, type CredentialsHandle } from '../../lib';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
import { fcParams, runs, timeoutFor } from './support/budget';
import { checkAllDead, type Handles } from './support/exchange';
import { hostileClientExchange, type HostileCase, type Layer } from './support/hostile-credssp-client';
import { mutationPlanArb } from './support/mutate';
import { failOnUnhandledRejections } from './support/unhandled';

failOnUnhandledRejections();

let tls: { cert: string; key: string };
beforeAll(async () => {
  const certificate = await generateSelfSignedCertificate({ commonName: 'server.lab' });
  tls = { cert: certificate.certPem, key: certificate.keyPem };
}, 60_000);

/** One exchange with a fresh acceptor credential; every handle it made is checked dead after. */
async function run(hostile: HostileCase | null, changed?: Set<string>): Promise<string> {
  const handles: Handles = { credentials: [], contexts: [] };
  const serverCred: CredentialsHandle = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'inbound',
    emulated: { users: { alice: 'Passw0rd!' }, tls },
  });
  handles.credentials.push(serverCred);
  try {
    return await hostileClientExchange(serverCred, hostile, handles, changed);
  } finally {
    await checkAllDead('CredSSP', handles);
  }
}

const LAYERS_OF: Record<0 | 1 | 2, Layer[]> = {
  0: ['tsrequest', 'nego-token'],
  1: ['tsrequest', 'nego-token', 'pub-key-auth'],
  2: ['tsrequest', 'ts-credentials'],
};

const hostileArb: fc.Arbitrary<HostileCase> = fc.constantFrom<0 | 1 | 2>(0, 1, 2).chain((message) =>
  fc.record({
    message: fc.constant(message),
    layer: fc.constantFrom(...LAYERS_OF[message]),
    plan: mutationPlanArb,
  }),
);

const RUNS = 1000;

it('completes when nothing is damaged (the hostile client is a working client)', async () => {
  expect(await run(null)).toBe('complete');
});

it(
  'settles every acceptSecurityContext on damaged plaintext inside valid TLS',
  async () => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostileArb, async (hostile) => {
        const changed = new Set<string>();
        const outcome = await run(hostile, changed);
        // The NTLM messages are bound by the MIC and NTProofStr, the server key by pubKeyAuth:
        // a real change to any of them must not end in SEC_E_OK.
        const bound = ['negotiate/nego-token', 'authenticate/nego-token', 'authenticate/pub-key-auth'];
        if (outcome === 'complete' && bound.some((layer) => changed.has(layer))) {
          throw new Error(
            `the acceptor completed after ${[...changed].join(', ')} was damaged: ${JSON.stringify(hostile)}`,
          );
        }
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      fcParams(RUNS),
    );
    if (process.env.FUZZ_STATS) console.log('hostile client', Object.fromEntries(outcomes));
    // Not vacuous: the damage reached the acceptor's CredSSP layer, not only its TLS layer.
    expect([...outcomes.keys()].some((o) => o === 'server SEC_E_INVALID_TOKEN')).toBe(true);
    expect(
      [...outcomes.keys()].some(
        (o) => o === 'server SEC_E_LOGON_DENIED' || o === 'server SEC_E_MESSAGE_ALTERED',
      ),
    ).toBe(true);
  },
  timeoutFor(runs(RUNS), 20),
);
