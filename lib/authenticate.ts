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
import { invalidArgType, sspiError } from './errors';
import type { CredentialsHandle, SecurityContext } from './handles';
import { requireObject } from './validate';

/** Who runs the loop and how: a client (initializeSecurityContext) unless `role` is 'acceptor'. */
export interface AuthenticateTarget {
  credential: CredentialsHandle;
  role?: 'initiator' | 'acceptor';
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
 * without waiting; no answer follows.
 */
export type Transport = (token: Buffer, info: { final: boolean }) => Promise<Buffer | null>;

/**
 * Drives the exchange to SEC_E_OK and resolves the last result. The caller owns
 * `result.context` afterwards (delete it when done).
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
  const exchange = async (token: Buffer, final = false): Promise<Buffer | null> => {
    signal?.throwIfAborted();
    const reply = await transport(token, { final });
    signal?.throwIfAborted();
    return reply;
  };

  try {
    signal?.throwIfAborted();
    let input = acceptor ? await exchange(Buffer.alloc(0)) : undefined;
    if (acceptor && !input) throw sspiError('SEC_E_INVALID_TOKEN', 'The peer sent no token.');
    for (;;) {
      const result = await legCall(input ?? undefined);
      context = result.context;
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
          await transport(err.output as Buffer, { final: true }).catch(() => null);
        }
      } finally {
        await deleteSecurityContext(context).catch(() => undefined);
      }
    }
    throw err;
  }
}
