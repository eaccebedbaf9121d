/**
 * authenticate() with an AbortSignal: it rejects at once with Node's AbortError shape, whatever
 * the transport is doing, deletes the context, hands the signal to the transport, and leaves no
 * unhandled rejection behind when the transport settles later.
 */
import * as api from '../../lib/api';
import { authenticate, freeCredentialsHandle, type SecurityContext } from '../../lib';
import { credentialPair } from './helpers';

/** Node's AbortError (as timers/promises and fs make it), carrying `reason` as its cause. */
function expectAbortError(err: unknown, reason: unknown): void {
  expect(err).toBeInstanceOf(Error);
  expect(err).toMatchObject({ name: 'AbortError', code: 'ABORT_ERR' });
  expect((err as Error).cause).toBe(reason);
}

/** The contexts authenticate() deleted, spied on without changing what the call does. */
function deletedContexts(): SecurityContext[] {
  const deleted: SecurityContext[] = [];
  const real = api.deleteSecurityContext;
  jest.spyOn(api, 'deleteSecurityContext').mockImplementation((context) => {
    deleted.push(context);
    return real(context);
  });
  return deleted;
}

afterEach(() => jest.restoreAllMocks());

describe.each(['CredSSP', 'Negotiate', 'NTLM'] as const)('authenticate() aborted, with %s', (pkg) => {
  const target = 'TERMSRV/server.lab';

  it('rejects at once while the transport hangs, passes it the signal, and deletes the context', async () => {
    const { clientCred } = await credentialPair(pkg);
    const deleted = deletedContexts();
    const controller = new AbortController();
    const reason = new Error('the caller gave up');
    const signals: (AbortSignal | undefined)[] = [];
    const outcome = authenticate(
      { credential: clientCred, targetName: target },
      (_token, info) => {
        signals.push(info.signal);
        setImmediate(() => controller.abort(reason));
        return new Promise<Buffer | null>(() => undefined); // never settles
      },
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    expectAbortError(await outcome, reason);
    expect(signals).toEqual([controller.signal]);
    expect(deleted).toHaveLength(1);
    expect(deleted[0].isValid).toBe(false);
    await freeCredentialsHandle(clientCred);
  });

  it('rejects when the signal aborts between legs, and deletes the context', async () => {
    const { clientCred } = await credentialPair(pkg);
    const deleted = deletedContexts();
    const controller = new AbortController();
    let calls = 0;
    const err = await authenticate(
      { credential: clientCred, targetName: target },
      async () => {
        calls++;
        controller.abort('stop');
        return Buffer.from('never read');
      },
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    expectAbortError(err, 'stop');
    expect(calls).toBe(1);
    expect(deleted.map((context) => context.isValid)).toEqual([false]);
    await freeCredentialsHandle(clientCred);
  });

  it('rejects an already aborted signal before any call', async () => {
    const { clientCred } = await credentialPair(pkg);
    const isc = jest.spyOn(api, 'initializeSecurityContext');
    const transport = jest.fn(async () => null);
    const reason = new Error('too late');
    const err = await authenticate({ credential: clientCred, targetName: target }, transport, {
      signal: AbortSignal.abort(reason),
    }).catch((e: unknown) => e);
    expectAbortError(err, reason);
    expect(isc).not.toHaveBeenCalled();
    expect(transport).not.toHaveBeenCalled();
    await freeCredentialsHandle(clientCred);
  });

  it('an acceptor waiting for the first token rejects on abort', async () => {
    const { serverCred } = await credentialPair(pkg);
    const controller = new AbortController();
    const outcome = authenticate(
      { credential: serverCred, role: 'acceptor' },
      () => new Promise<Buffer | null>(() => undefined),
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    controller.abort();
    expectAbortError(await outcome, controller.signal.reason);
    await freeCredentialsHandle(serverCred);
  });

  it('leaves no unhandled rejection when the transport rejects after the abort', async () => {
    const { clientCred } = await credentialPair(pkg);
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const controller = new AbortController();
      let rejectLater: (err: Error) => void = () => undefined;
      const outcome = authenticate(
        { credential: clientCred, targetName: target },
        () =>
          new Promise<Buffer | null>((_resolve, reject) => {
            rejectLater = reject;
            setImmediate(() => controller.abort());
          }),
        { signal: controller.signal },
      ).catch((e: unknown) => e);
      expectAbortError(await outcome, controller.signal.reason);
      rejectLater(new Error('socket closed'));
      // Unhandled rejections are reported after the microtask queue drains.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    await freeCredentialsHandle(clientCred);
  });
});
