/**
 * The delegation policy cannot be bypassed by changing the request mid-context (issue 13 item 4):
 * a CredSSP client context is bound to the target name and flags of its first call, the policy is
 * checked again just before TSCredentials are encrypted, and a later call with another target or
 * other flags is refused before anything more leaves.
 */
import { ISC_REQ, SEC } from '../../lib/constants';
import { isSspiError, type SspiError } from '../../lib/errors';
import * as policy from '../../lib/emulated/packages/credssp/policy';
import {
  CredsspAcceptor,
  CredsspInitiator,
  DELEGATE_FLAGS,
  TARGET,
  ascRequest,
  authenticate,
  clientCredential,
  codeOf,
  iscRequest,
  serverCredential,
} from './credssp-helpers';

const server = serverCredential();
const DENY_ALL = { allowFreshCredentials: [], allowFreshCredentialsWhenNTLMOnly: [] };
const NO_DELEGATE = DELEGATE_FLAGS & ~ISC_REQ.DELEGATE;

interface CallRequest {
  flags: number;
  targetName: string | undefined;
}

/**
 * Run an exchange whose ISC calls use `requestOf(call)` (call 0 is the first). Returns the
 * client's error, if any, and what the acceptor received as delegated credentials.
 */
async function runWith(
  client: CredsspInitiator,
  acceptor: CredsspAcceptor,
  requestOf: (call: number) => CallRequest,
): Promise<{ error: SspiError | undefined; failedCall: number; delegated: unknown; sent: Buffer[] }> {
  const sent: Buffer[] = [];
  let input: Buffer | undefined;
  for (let call = 0; call < 20; call++) {
    const { flags, targetName } = requestOf(call);
    let result;
    try {
      result = await client.step(iscRequest(input, flags, targetName));
    } catch (err) {
      return { error: err as SspiError, failedCall: call, delegated: undefined, sent };
    }
    sent.push(result.output);
    const answer = await acceptor.step(ascRequest(result.output));
    if (result.status === SEC.E_OK) {
      return { error: undefined, failedCall: -1, delegated: acceptor.query('delegatedCredentials'), sent };
    }
    input = answer.output;
  }
  throw new Error('no SEC_E_OK after 20 calls');
}

const cases: Array<[2 | 3 | 4 | 5 | 6, 'ntlm' | 'spnego']> = [];
for (const version of [2, 3, 4, 5, 6] as const)
  for (const inner of ['ntlm', 'spnego'] as const) cases.push([version, inner]);

describe.each(cases)('client version %i, %s inside', (version, inner) => {
  const credential = (policy?: object) =>
    clientCredential({ credssp: { version, inner }, ...(policy ? { policy } : {}) });

  it('refuses ISC_REQ_DELEGATE added after the first call (deny-all policy): no password leaves', async () => {
    // How many calls the exchange takes: ask once without the change.
    const plain = await authenticate(
      new CredsspInitiator(credential(DENY_ALL)),
      new CredsspAcceptor(server),
      NO_DELEGATE,
    );
    const calls = plain.client.length;
    for (let change = 1; change < calls; change++) {
      const client = new CredsspInitiator(credential(DENY_ALL));
      const outcome = await runWith(client, new CredsspAcceptor(server), (call) => ({
        flags: call >= change ? DELEGATE_FLAGS : NO_DELEGATE,
        targetName: TARGET,
      }));
      expect({ change, code: outcome.error?.code, at: outcome.failedCall }).toEqual({
        change,
        code: 'SEC_E_UNSUPPORTED_FUNCTION',
        at: change,
      });
      expect(outcome.error!.output).toBeUndefined();
      expect(outcome.delegated).toBeUndefined();
      // The context is not usable further.
      expect(await codeOf(client.step(iscRequest(undefined, NO_DELEGATE)))).toBe('SEC_E_INVALID_HANDLE');
    }
  });

  it('refuses a target changed after the first call (TERMSRV/good -> WSMAN/evil): no password leaves', async () => {
    const plain = await authenticate(new CredsspInitiator(credential()), new CredsspAcceptor(server));
    const calls = plain.client.length;
    for (let change = 1; change < calls; change++) {
      const client = new CredsspInitiator(credential());
      const outcome = await runWith(client, new CredsspAcceptor(server), (call) => ({
        flags: DELEGATE_FLAGS,
        targetName: call >= change ? 'WSMAN/evil.example' : 'TERMSRV/good.example',
      }));
      expect({ change, code: outcome.error?.code, at: outcome.failedCall }).toEqual({
        change,
        code: 'SEC_E_WRONG_PRINCIPAL',
        at: change,
      });
      expect(outcome.delegated).toBeUndefined();
      expect(await codeOf(client.step(iscRequest(undefined)))).toBe('SEC_E_INVALID_HANDLE');
    }
  });
});

describe('the policy where the password is encrypted', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each(['ntlm', 'spnego'] as const)(
    '%s: a policy that refuses at the last call stops the password, though the first call passed',
    async (inner) => {
      // The first check (before anything leaves) passes; the one made when TSCredentials are
      // encrypted refuses. Only the second may decide: it sees the request in force then.
      const credential = clientCredential({ credssp: { inner } });
      const calls = (await authenticate(new CredsspInitiator(credential), new CredsspAcceptor(server))).client
        .length;
      const real = policy.checkDelegationPolicy;
      let checks = 0;
      jest.spyOn(policy, 'checkDelegationPolicy').mockImplementation((...args) => {
        checks++;
        if (checks === 1) return;
        real({ ...DENY_ALL, encryptionOracle: 'mitigated' }, args[1], args[2]);
      });
      const client = new CredsspInitiator(credential);
      const outcome = await runWith(client, new CredsspAcceptor(server), () => ({
        flags: DELEGATE_FLAGS,
        targetName: TARGET,
      }));
      expect(outcome.error?.code).toBe('SEC_E_DELEGATION_POLICY');
      expect(checks).toBe(2);
      expect(outcome.delegated).toBeUndefined();
      // Refused on the last call, the one that would have sent authInfo.
      expect(outcome.failedCall).toBe(calls - 1);
    },
  );
});

describe('what a later call may not change, whatever it carries', () => {
  it('refuses changed flags on a call whose token is incomplete (before SEC_E_INCOMPLETE_MESSAGE)', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(server);
    const hello = await client.step(iscRequest(undefined, NO_DELEGATE));
    const flight = (await acceptor.step(ascRequest(hello.output))).output;
    const half = flight.subarray(0, Math.floor(flight.length / 2));
    expect(await codeOf(client.step(iscRequest(half, DELEGATE_FLAGS)))).toBe('SEC_E_UNSUPPORTED_FUNCTION');
    expect(await codeOf(client.step(iscRequest(flight, NO_DELEGATE)))).toBe('SEC_E_INVALID_HANDLE');
  });

  it('refuses removing ISC_REQ_MUTUAL_AUTH after the first call', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(server);
    const outcome = await runWith(client, acceptor, (call) => ({
      flags: call === 0 ? DELEGATE_FLAGS | ISC_REQ.MUTUAL_AUTH : DELEGATE_FLAGS,
      targetName: TARGET,
    }));
    expect(isSspiError(outcome.error, 'SEC_E_UNSUPPORTED_FUNCTION')).toBe(true);
    expect(outcome.failedCall).toBe(1);
  });
});

describe('a new exchange after SEC_E_OK (re-authentication) is checked afresh', () => {
  it('may name another target, which the policy then judges before anything leaves', async () => {
    const client = new CredsspInitiator(clientCredential());
    await authenticate(client, new CredsspAcceptor(server), DELEGATE_FLAGS, 'TERMSRV/good.example');
    const refused = await client
      .step(iscRequest(undefined, DELEGATE_FLAGS, 'WSMAN/evil.example'))
      .catch((e: SspiError) => e);
    expect(isSspiError(refused, 'SEC_E_DELEGATION_POLICY')).toBe(true);
    expect((refused as SspiError).output).toBeUndefined();
  });

  it('binds the new exchange to its own first call', async () => {
    const client = new CredsspInitiator(clientCredential({ credssp: { tlsMaxVersion: 'TLSv1.2' } }));
    await authenticate(client, new CredsspAcceptor(server), NO_DELEGATE, 'TERMSRV/good.example');
    // The second exchange may resume the first's TLS session (same target, same handle); adding
    // ISC_REQ_DELEGATE on its second call is refused all the same.
    const outcome = await runWith(client, new CredsspAcceptor(server), (call) => ({
      flags: call === 0 ? NO_DELEGATE : DELEGATE_FLAGS,
      targetName: 'TERMSRV/good.example',
    }));
    expect(isSspiError(outcome.error, 'SEC_E_UNSUPPORTED_FUNCTION')).toBe(true);
    expect(outcome.delegated).toBeUndefined();
  });
});
