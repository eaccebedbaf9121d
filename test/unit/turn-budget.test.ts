import { performance } from 'node:perf_hooks';
import { TURN_BUDGET_MS, turnSlot, waitingSteps } from '../../lib/emulated/scheduling/turn-budget';
import {
  authenticate,
  clientCredential,
  CredsspAcceptor,
  CredsspInitiator,
  serverCredential,
} from '../loopback/credssp-helpers';

const nextCheckPhase = () => new Promise((resolve) => setImmediate(resolve));

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Spend the turn's budget, as a burst of handshakes would.
  }
}

it('lets a lone step go at once, without waiting for a turn', async () => {
  await nextCheckPhase();
  expect(turnSlot()).toBeUndefined();
  expect(turnSlot()).toBeUndefined();
});

it('makes steps wait for the next turn once this one spent its budget, and lets them go in order', async () => {
  await nextCheckPhase();
  expect(turnSlot()).toBeUndefined();
  busyFor(TURN_BUDGET_MS + 1);
  const order: number[] = [];
  const waits = [0, 1, 2].map((i) => {
    const wait = turnSlot();
    expect(wait).toBeDefined();
    return wait!.then(() => order.push(i));
  });
  expect(waitingSteps()).toBe(3);
  // A step arriving while others wait queues behind them, even before the budget is checked.
  expect(order).toEqual([]);
  await Promise.all(waits);
  expect(order).toEqual([0, 1, 2]);
  expect(waitingSteps()).toBe(0);
});

it('lets steps of exchanges under way go before the first steps of new ones', async () => {
  await nextCheckPhase();
  turnSlot();
  busyFor(TURN_BUDGET_MS + 1);
  const order: string[] = [];
  const waits = [
    turnSlot(true)!.then(() => order.push('new 1')),
    turnSlot()!.then(() => order.push('under way 1')),
    turnSlot(true)!.then(() => order.push('new 2')),
    turnSlot()!.then(() => order.push('under way 2')),
  ];
  await Promise.all(waits);
  expect(order).toEqual(['under way 1', 'under way 2', 'new 1', 'new 2']);
});

it('spreads a queue over turns: each turn lets go only as much work as its budget', async () => {
  await nextCheckPhase();
  turnSlot();
  busyFor(TURN_BUDGET_MS + 1);
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  // Ten steps of half a budget each need about five turns, not one.
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      const wait = turnSlot();
      if (wait) await wait;
      busyFor(TURN_BUDGET_MS / 2);
    }),
  );
  counting = false;
  expect(turns).toBeGreaterThanOrEqual(4);
});

it('never deadlocks client and acceptor of the same exchanges in one process under load', async () => {
  const serverCred = serverCredential({ credssp: { keyType: 'ecdsa' } });
  let queued = 0;
  const watch = setInterval(() => {
    queued = Math.max(queued, waitingSteps());
  }, 1);
  const results = await Promise.all(
    Array.from({ length: 60 }, async () => {
      const clientCred = clientCredential();
      const client = new CredsspInitiator(clientCred);
      const server = new CredsspAcceptor(serverCred);
      try {
        const transcript = await authenticate(client, server);
        return transcript.server.length;
      } finally {
        client.dispose();
        server.dispose();
        clientCred.free();
      }
    }),
  );
  clearInterval(watch);
  serverCred.free();
  expect(results.every((legs) => legs >= 3)).toBe(true);
  // The load really was spread: steps had to wait for a turn.
  expect(queued).toBeGreaterThan(0);
}, 30_000);
