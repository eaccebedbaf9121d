/**
 * The ISC/ASC loop, done for you: call the package, send its token, feed the reply back, until
 * SEC_E_OK. CompleteAuthToken is called where the status asks for it, and on any failure the
 * context is deleted so no handle leaks.
 */
import {
  acceptSecurityContext,
  completeAuthToken,
  deleteSecurityContext,
  initializeSecurityContext,
  type ContextResult,
} from './api';
import { SEC } from './constants';
import { abortError, invalidArgType, sspiError } from './errors';
import type { CredentialsHandle, SecurityContext } from './handles';
import { requireObject } from './validate';

/** Who runs the loop and how: a client (initializeSecurityContext) unless `role` is 'acceptor'. */
export interface AuthenticateTarget {
  /** Its `use` must allow the role: 'outbound' or 'both' to initiate, 'inbound' or 'both' to accept. */
  credential: CredentialsHandle;
  /**
   * 'initiator' (default) calls initializeSecurityContext; 'acceptor' calls acceptSecurityContext,
   * and its first transport call gets an empty token and must return the client's first token.
   */
  role?: 'initiator' | 'acceptor';
  /** The initiator's service principal, e.g. 'TERMSRV/host'; an acceptor ignores it. */
  targetName?: string;
  /** ISC_REQ.* or ASC_REQ.* bits; default 0. */
  flags?: number;
  targetDataRep?: number;
}

/**
 * Sends a token to the peer and returns the peer's answer, or null when the peer sends nothing.
 * An acceptor's first call gets an empty token and returns the client's first token. After
 * SEC_E_INCOMPLETE_MESSAGE it gets an empty token and returns the bytes that follow. With
 * `final: true` the token is the last of the exchange (or a failure notice): send it and return
 * without waiting; no answer follows. `signal` is the one given to authenticate(), if any: a
 * transport should stop its I/O when it aborts (authenticate() has already rejected by then, and
 * ignores whatever the transport's promise does afterwards).
 */
export type Transport = (
  token: Buffer,
  info: { final: boolean; signal?: AbortSignal },
) => Promise<Buffer | null>;

/**
 * `work`, unless `signal` aborts first: then an AbortError at once. The promise of `work` stays
 * subscribed, so its later rejection is handled, never an unhandled rejection.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/**
 * Drives the exchange to SEC_E_OK and resolves the last result. The caller owns
 * `result.context` afterwards (delete it when done). When `signal` aborts, the promise rejects at
 * once with an AbortError (code 'ABORT_ERR', `cause` the signal's reason), even while the
 * transport still waits, and the context is deleted; an already aborted signal rejects before any
 * call. The transport gets the signal to stop its own I/O.
 */
export async function authenticate(
  target: AuthenticateTarget,
  transport: Transport,
  opts: { signal?: AbortSignal } = {},
): Promise<ContextResult> {
  requireObject('target', target);
  if (typeof transport !== 'function') throw invalidArgType('transport', 'of type function', transport);
  const signal = opts.signal;
  const acceptor = target.role === 'acceptor';
  let context: SecurityContext | null = null;
  const legCall = (input: Buffer | undefined) =>
    acceptor
      ? acceptSecurityContext({
          credential: target.credential,
          context,
          flags: target.flags ?? 0,
          targetDataRep: target.targetDataRep,
          input: input ?? Buffer.alloc(0),
        })
      : initializeSecurityContext({
          credential: target.credential,
          context,
          targetName: target.targetName,
          flags: target.flags ?? 0,
          targetDataRep: target.targetDataRep,
          input,
        });
  const info = (final: boolean) => (signal ? { final, signal } : { final });
  const throwIfAborted = () => {
    if (signal?.aborted) throw abortError(signal);
  };
  /** A transport call that may throw synchronously or return a non-promise still becomes a promise. */
  const send = (token: Buffer, final: boolean) =>
    untilAborted(new Promise<Buffer | null>((resolve) => resolve(transport(token, info(final)))), signal);
  const exchange = async (token: Buffer, final = false): Promise<Buffer | null> => {
    throwIfAborted();
    return send(token, final);
  };

  try {
    throwIfAborted();
    let input = acceptor ? await exchange(Buffer.alloc(0)) : undefined;
    if (acceptor && !input) throw sspiError('SEC_E_INVALID_TOKEN', 'The peer sent no token.');
    for (;;) {
      const result = await legCall(input ?? undefined);
      context = result.context;
      // A leg is local work, not a wait on the peer: an abort during it is acted on here.
      throwIfAborted();
      if (result.status === SEC.E_INCOMPLETE_MESSAGE) {
        const more = await exchange(Buffer.alloc(0));
        if (!more || more.length === 0)
          throw sspiError('SEC_E_INCOMPLETE_MESSAGE', 'The peer stopped in the middle of a message.');
        input = Buffer.concat([input ?? Buffer.alloc(0), more]);
        continue;
      }
      if (result.status === SEC.I_COMPLETE_NEEDED || result.status === SEC.I_COMPLETE_AND_CONTINUE) {
        await completeAuthToken(result.context, result.buffers);
      }
      const done = result.status === SEC.E_OK || result.status === SEC.I_COMPLETE_NEEDED;
      if (done) {
        if (result.output.length > 0) await exchange(result.output, true);
        return result;
      }
      const reply = await exchange(result.output);
      if (!reply || reply.length === 0) {
        throw sspiError('SEC_E_INVALID_TOKEN', 'The peer sent no token where the exchange needed one.');
      }
      input = reply;
    }
  } catch (err) {
    if (context?.isValid) {
      try {
        if (err instanceof Error && 'output' in err && err.output && (err.output as Buffer).length > 0) {
          // Let the peer learn why (TSRequest errorCode, SPNEGO reject), best effort.
          // Not when aborted: the caller asked us to stop talking to the peer.
          if (!signal?.aborted) await send(err.output as Buffer, true).catch(() => null);
        }
      } finally {
        await deleteSecurityContext(context).catch(() => undefined);
      }
    }
    throw err;
  }
}
