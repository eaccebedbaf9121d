/**
 * Fair sharing of the event loop between CredSSP contexts. A step (one ISC/ASC call, one
 * Encrypt/DecryptMessage) runs mostly synchronously — TLS handshake crypto, NTLM, codecs — so
 * a thousand contexts stepping in the same turn would stall the process for the sum of their
 * work (about a second for 1,000 RSA handshakes). Each event-loop turn gets a time budget
 * instead: a step that arrives after the turn has used it, or while others wait, queues, and
 * queued steps are let go in order in the next turns, as long as each turn's budget lasts.
 *
 * Steps of exchanges already under way go before the first steps of new ones (and before new
 * credentials): under overload, started handshakes finish and free their memory instead of a
 * thousand of them advancing in lockstep; new ones go whenever nothing under way waits.
 *
 * Nothing is held across a wait: a step is only delayed before it starts, never while it waits
 * for its peer, so a client and an acceptor of the same exchange in one process cannot
 * deadlock, and a lone step (the usual case) goes at once with no extra turn.
 */
import { performance } from 'node:perf_hooks';

/** Work per event-loop turn before further steps wait for the next turn (ms). */
export const TURN_BUDGET_MS = 5;

/** When the current turn's first step started (performance.now()), or -1 between turns. */
let turnStart = -1;
let boundaryScheduled = false;
/**
 * Steps waiting for a turn with budget, oldest first: those of exchanges already under way go
 * before the first steps of new ones, so started work finishes (and frees its memory) first.
 */
const waiting: Array<() => void> = [];
const waitingNew: Array<() => void> = [];

/**
 * Undefined when the caller may go now; otherwise a promise that resolves when its turn comes.
 * Call it at the start of a step, before any work: `const wait = turnSlot(); if (wait) await wait;`.
 * `starts`: the step begins a new exchange, and waits behind the steps of those under way.
 */
export function turnSlot(starts = false): Promise<void> | undefined {
  const now = performance.now();
  if (turnStart < 0) startTurn(now);
  if (waitingSteps() === 0 && now - turnStart < TURN_BUDGET_MS) return undefined;
  return new Promise<void>((resolve) => (starts ? waitingNew : waiting).push(resolve));
}

/** Whether a step may go now (turnSlot() would return undefined); queues nothing. */
export function mayGoNow(): boolean {
  const now = performance.now();
  if (turnStart < 0) startTurn(now);
  return waitingSteps() === 0 && now - turnStart < TURN_BUDGET_MS;
}

/** How many steps are waiting (for tests and diagnostics). */
export function waitingSteps(): number {
  return waiting.length + waitingNew.length;
}

function startTurn(now: number): void {
  turnStart = now;
  if (!boundaryScheduled) {
    boundaryScheduled = true;
    setImmediate(turnBoundary);
  }
}

/** Runs once per turn in which steps ran: the next turn starts with a fresh budget. */
function turnBoundary(): void {
  boundaryScheduled = false;
  turnStart = -1;
  if (waitingSteps() > 0) {
    startTurn(performance.now());
    releaseNext();
  }
}

/**
 * Let the oldest waiting step go if the turn has budget left. The next one is considered once
 * the released step has run as far as it can in this turn (its microtasks, then the ticks they
 * queued), so the budget is measured against work actually done.
 */
function releaseNext(): void {
  if (waitingSteps() === 0 || performance.now() - turnStart >= TURN_BUDGET_MS) return;
  (waiting.shift() ?? waitingNew.shift())!();
  queueMicrotask(() => process.nextTick(releaseNext));
}
