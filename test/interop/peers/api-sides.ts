/**
 * Handshakes through the public API between our contexts and MIT's GSSAPI peers (json-peer.ts):
 * each end is a Side (a token in, a token out), run against the other until both are done; and
 * the credential handles and peers one test opens, released after it.
 */
import {
  acceptSecurityContext,
  acquireCredentialsHandle,
  decryptMessage,
  encryptMessage,
  freeCredentialsHandle,
  initializeSecurityContext,
  type AcquireCredentialsOptions,
  type ContextResult,
  type CredentialsHandle,
  type SecurityContext,
} from '../../../lib';
import type { JsonPeer, PeerStep } from './json-peer';

/** One side of a handshake: a token in (null first for the initiator), a token out. */
export type Side = (input: Buffer | null) => Promise<{ token: Buffer; done: boolean }>;

/** Run the legs until both sides are done; each token goes to the other side. */
export async function handshake(client: Side, server: Side): Promise<void> {
  let c = await client(null);
  let s: { token: Buffer; done: boolean } = { token: Buffer.alloc(0), done: false };
  for (let leg = 0; leg < 8; leg++) {
    if (c.token.length === 0) break;
    s = await server(c.token);
    if (s.token.length === 0) break;
    c = await client(s.token);
  }
  expect({ client: c.done, server: s.done }).toEqual({ client: true, server: true });
}

/** Our end as a Side; `context` and `last` (the latest ContextResult) once it has run. */
export function ourSide(
  role: 'initiator' | 'acceptor',
  credential: CredentialsHandle,
  opts: { target?: string; flags: number },
): { side: Side; readonly context: SecurityContext; readonly last: ContextResult } {
  let last: ContextResult | undefined;
  const side: Side = async (input) => {
    const context = last?.context ?? null;
    last =
      role === 'initiator'
        ? await initializeSecurityContext({
            credential,
            context,
            targetName: opts.target,
            flags: opts.flags,
            input: input ?? undefined,
          })
        : await acceptSecurityContext({ credential, context, flags: opts.flags, input: input! });
    return { token: last.output, done: last.statusName === 'SEC_E_OK' };
  };
  return {
    side,
    get context(): SecurityContext {
      if (!last) throw new Error('no context yet');
      return last.context;
    },
    get last(): ContextResult {
      if (!last) throw new Error('no call yet');
      return last;
    },
  };
}

/** MIT's end as a Side; `last` is its latest answer (with `peer`, `mech`, `delegated` once complete). */
export function mitSide(peer: JsonPeer): Side & { last?: PeerStep } {
  const side: Side & { last?: PeerStep } = async (input) => {
    const step = input === null ? await peer.start() : await peer.step(input);
    side.last = step;
    return { token: step.token ?? Buffer.alloc(0), done: step.complete };
  };
  return side;
}

/** Three messages each way through encryptMessage/decryptMessage and MIT's wrap/unwrap. */
export async function wrapBothWays(context: SecurityContext, mit: JsonPeer): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const toMit = Buffer.from(`sealed by us, #${i}`);
    expect(await mit.unwrap(await encryptMessage(context, toMit))).toEqual({
      data: toMit,
      confidential: true,
    });
    const toUs = Buffer.from(`sealed by MIT, #${i}`);
    expect(await decryptMessage(context, await mit.wrap(toUs))).toEqual(toUs);
  }
}

/** Messages each way between two of our contexts. */
export async function wrapBetween(a: SecurityContext, b: SecurityContext): Promise<void> {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ]) {
    const message = Buffer.from('between our two ends');
    expect(await decryptMessage(to, await encryptMessage(from, message))).toEqual(message);
  }
}

/**
 * The credential handles and MIT peers each test opens, released after it: `acquire` in place of
 * acquireCredentialsHandle, `keep(peer)` for a peer. Call in a describe body: it registers the
 * afterEach.
 */
export function perTestResources(): {
  acquire(opts: AcquireCredentialsOptions): Promise<CredentialsHandle>;
  keep<T extends JsonPeer>(peer: T): T;
} {
  const handles: CredentialsHandle[] = [];
  const peers: JsonPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
    await Promise.all(handles.splice(0).map((handle) => freeCredentialsHandle(handle)));
  });
  return {
    async acquire(opts) {
      const handle = await acquireCredentialsHandle(opts);
      handles.push(handle);
      return handle;
    },
    keep(peer) {
      peers.push(peer);
      return peer;
    },
  };
}
