import {
  acceptSecurityContext,
  decryptMessage,
  deleteSecurityContext,
  encryptMessage,
  freeCredentialsHandle,
  initializeSecurityContext,
  type ContextResult,
} from '../../lib';
import { performance } from 'node:perf_hooks';
import { TURN_BUDGET_MS } from '../../lib/emulated/scheduling/turn-budget';
import { tlsPath } from '../../lib/emulated/tls/node-internals/probe';
import { credentialPair, handshake } from './helpers';

/** Settles within `ms` or says 'hang'; attaches its handlers at once, so nothing rejects unhandled. */
function settled(p: Promise<ContextResult>, ms = 5000): Promise<string> {
  return Promise.race([
    p.then(
      (r) => `resolved ${r.statusName}`,
      (e: { code?: string }) => `rejected ${e.code}`,
    ),
    new Promise<string>((r) => setTimeout(() => r('hang'), ms).unref()),
  ]);
}

describe.each(['CredSSP', 'Negotiate', 'NTLM'] as const)(
  '%s: a context deleted while a call is in flight',
  (pkg) => {
    it('settles the call, and every later call sees SEC_E_INVALID_HANDLE', async () => {
      const { clientCred, serverCred } = await credentialPair(pkg);
      const c1 = await initializeSecurityContext({
        credential: clientCred,
        flags: 0,
        targetName: 'TERMSRV/x',
      });
      const a1 = await acceptSecurityContext({ credential: serverCred, flags: 0, input: c1.output });
      const leg = {
        credential: clientCred,
        context: c1.context,
        flags: 0,
        targetName: 'TERMSRV/x',
        input: a1.output,
      };
      // A fresh event-loop turn, so the turn budget (5 ms per turn, every package) lets the leg go
      // at once: after the work above on a loaded machine it could wait a turn, and the delete win.
      await new Promise((resolve) => setImmediate(resolve));
      // The call starts at once; delete is issued before it can finish its asynchronous part.
      const clientLeg = settled(initializeSecurityContext(leg));
      const deleted = deleteSecurityContext(c1.context);
      const outcome = await clientLeg;
      await deleted;
      if (pkg === 'CredSSP') {
        // CredSSP's leg waits on TLS, so the delete lands mid-call.
        expect(outcome).toBe('rejected SEC_E_INVALID_HANDLE');
      } else {
        // NTLM and SPNEGO legs have no asynchronous part: the call issued first completes first.
        expect(outcome).toMatch(/^resolved SEC_(E_OK|I_CONTINUE_NEEDED)$/);
      }
      expect(c1.context.isValid).toBe(false);
      expect(await settled(initializeSecurityContext(leg))).toBe('rejected SEC_E_INVALID_HANDLE');

      await deleteSecurityContext(a1.context);
      await freeCredentialsHandle(clientCred);
      await freeCredentialsHandle(serverCred);
    });
  },
);

// The fast path completes TLS's writes within the call; on the safe path (a Node CI does not run,
// or CREDSSP_TLS_PATH=safe) a sealed message always waits a turn, which the test below does not model.
const fastPath = tlsPath() === 'fast';

(fastPath ? describe : describe.skip)('CredSSP: a context deleted while a message is in flight', () => {
  const outcome = (p: Promise<Buffer>) =>
    p.then(
      (b) => `resolved ${b.length} bytes`,
      (e: { code?: string }) => `rejected ${e.code}`,
    );

  it('rejects calls still waiting with SEC_E_INVALID_HANDLE instead of losing the message', async () => {
    const { clientCred, serverCred } = await credentialPair('CredSSP');
    const { client, server } = await handshake(clientCred, serverCred);
    const sealed = await encryptMessage(client.context, Buffer.from('hello'));
    // A fresh turn, so the first call goes at once (on a loaded machine the work above can use
    // up this turn's budget); then use up the budget (turn-budget.ts): the next calls must wait for
    // a later turn, and the deletes land while they do.
    await new Promise((resolve) => setImmediate(resolve));
    const first = encryptMessage(client.context, Buffer.from('starts the turn'));
    const until = performance.now() + TURN_BUDGET_MS + 1;
    while (performance.now() < until);
    const encrypting = outcome(encryptMessage(client.context, Buffer.alloc(100_000, 1)));
    const decrypting = outcome(decryptMessage(server.context, sealed));
    await Promise.all([deleteSecurityContext(client.context), deleteSecurityContext(server.context)]);
    expect(await outcome(first)).toMatch(/^resolved \d+ bytes$/);
    expect(await encrypting).toBe('rejected SEC_E_INVALID_HANDLE');
    expect(await decrypting).toBe('rejected SEC_E_INVALID_HANDLE');
    await freeCredentialsHandle(clientCred);
    await freeCredentialsHandle(serverCred);
  });

  it('completes a call that TLS finished within it: the call issued first completes first', async () => {
    const { clientCred, serverCred } = await credentialPair('CredSSP');
    const { client, server } = await handshake(clientCred, serverCred);
    const sealed = await encryptMessage(client.context, Buffer.from('hello'));
    // A fresh turn: budget left, so one record is decrypted within the call, as an NTLM message is.
    await new Promise((resolve) => setImmediate(resolve));
    const decrypting = outcome(decryptMessage(server.context, sealed));
    await deleteSecurityContext(server.context);
    expect(await decrypting).toBe('resolved 5 bytes');
    expect(server.context.isValid).toBe(false);
    await deleteSecurityContext(client.context);
    await freeCredentialsHandle(clientCred);
    await freeCredentialsHandle(serverCred);
  });
});
