/**
 * The turn budget (lib/emulated/scheduling/turn-budget.ts) holds for every package, not only
 * CredSSP: once a turn has used its budget, further ISC/ASC and message calls wait for a later
 * turn instead of running in this one, and they all complete there.
 */
import { performance } from 'node:perf_hooks';
import { acceptSecurityContext, decryptMessage, encryptMessage, initializeSecurityContext } from '../../lib';
import { TURN_BUDGET_MS, waitingSteps } from '../../lib/emulated/scheduling/turn-budget';
import { credentialPair, handshake } from './helpers';

function useUpTheTurn(): void {
  const until = performance.now() + TURN_BUDGET_MS + 1;
  while (performance.now() < until);
}

describe.each(['NTLM', 'Negotiate', 'CredSSP'] as const)('%s', (pkg) => {
  it('first legs wait for a turn with budget once this one has used its own, then all complete', async () => {
    const { clientCred, serverCred } = await credentialPair(pkg);
    // A fresh turn, then one step to start it, then the budget used up.
    await new Promise((resolve) => setImmediate(resolve));
    const first = initializeSecurityContext({ credential: clientCred, flags: 0, targetName: 'TERMSRV/x' });
    useUpTheTurn();
    const before = waitingSteps();
    const later = Array.from({ length: 3 }, () =>
      initializeSecurityContext({ credential: clientCred, flags: 0, targetName: 'TERMSRV/x' }),
    );
    expect(waitingSteps() - before).toBe(3);
    const results = await Promise.all([first, ...later]);
    for (const result of results) expect(result.statusName).toBe('SEC_I_CONTINUE_NEEDED');
    expect(waitingSteps()).toBe(0);
    const accepted = await acceptSecurityContext({
      credential: serverCred,
      flags: 0,
      input: results[0].output,
    });
    expect(['SEC_I_CONTINUE_NEEDED', 'SEC_E_OK']).toContain(accepted.statusName);
  });

  it('message calls wait too, and the message arrives whole', async () => {
    const { clientCred, serverCred } = await credentialPair(pkg);
    const { client, server } = await handshake(clientCred, serverCred);
    await new Promise((resolve) => setImmediate(resolve));
    // Another context starts the turn: calls on one context are queued by the public API.
    const warmUp = encryptMessage(server.context, Buffer.from('starts the turn'));
    useUpTheTurn();
    const before = waitingSteps();
    const sealing = encryptMessage(client.context, Buffer.from('after the budget'));
    expect(waitingSteps() - before).toBe(1);
    await warmUp;
    const sealed = await sealing;
    const opened = await decryptMessage(server.context, sealed);
    expect(opened.toString()).toBe('after the budget');
  });
});
