/**
 * One side of a CredSSP exchange over a TCP socket: call ISC or ASC, write its token, read what
 * the peer sends back, until SEC_E_OK. CredSSP tokens are TLS records and a TCP read may end in
 * the middle of one: the package then answers SEC_E_INCOMPLETE_MESSAGE and we append the next
 * bytes; bytes it did not consume come back as SECBUFFER_EXTRA and start the next input.
 */
import type { Socket } from 'node:net';
import {
  deleteSecurityContext,
  SEC,
  SECBUFFER,
  SspiError,
  type ContextResult,
  type SecurityContext,
} from '../index';
import { CliError, EXIT } from './exit-codes';
import { writeAll, type SocketReader } from './socket-reader';

/** One ISC or ASC call: the context so far (null at first) and the peer's bytes. */
export type ContextCall = (
  context: SecurityContext | null,
  input: Buffer | undefined,
) => Promise<ContextResult>;

/** What happened on the wire, for progress output and for telling a refusal from a failure. */
export interface LegEvent {
  direction: 'sent' | 'received';
  bytes: number;
}

/**
 * The most bytes one call is given. A TLS record is at most 5 + 2^14 + 2048 bytes (RFC 5246
 * 6.2.3); four of them keep a normal flight in one call, while a peer that floods us gets its
 * bytes processed a bounded piece at a time, so a timer (the handshake timeout) fires between
 * two calls at most one piece's work late.
 */
const MAX_INPUT_PER_CALL = 4 * (5 + 16_384 + 2048);

/**
 * Drive the exchange to SEC_E_OK and return the last result; the caller owns its context.
 * On failure the context is deleted, and an error token the package made (a TSRequest with
 * errorCode) is sent first so the peer learns why. When `signal` aborts, the exchange rejects at
 * once with its reason and the context is deleted then, not when the running call returns: a
 * call waiting inside the package stops at its next step, and a first call still running has
 * its new context deleted as soon as it comes back.
 */
export async function runSecurityExchange(opts: {
  call: ContextCall;
  role: 'initiator' | 'acceptor';
  socket: Socket;
  reader: SocketReader;
  onLeg?: (leg: LegEvent) => void;
  signal?: AbortSignal;
}): Promise<ContextResult> {
  const { call, socket, reader, onLeg, signal } = opts;
  let context: SecurityContext | null = null;
  const receive = async (atLeast = 1) => {
    const bytes = await reader.readAvailable('the next CredSSP token', atLeast, MAX_INPUT_PER_CALL);
    onLeg?.({ direction: 'received', bytes: bytes.length });
    return bytes;
  };
  const deleteOnAbort = () => {
    if (context?.isValid) void deleteSecurityContext(context).catch(() => undefined);
  };
  signal?.addEventListener('abort', deleteOnAbort, { once: true });
  const untilAborted = abortRace(signal);
  try {
    let input = opts.role === 'acceptor' ? await untilAborted(receive()) : undefined;
    for (;;) {
      const running = call(context, input);
      const result = await untilAborted(running, (late) => {
        if (late.context.isValid) void deleteSecurityContext(late.context).catch(() => undefined);
      });
      context = result.context;
      if (result.status === SEC.E_INCOMPLETE_MESSAGE) {
        // Wait for the bytes the package said it lacks before calling again: calling on every
        // TCP segment would re-read the whole partial record each time (quadratic in its size).
        const more = await untilAborted(receive(result.missing));
        input = Buffer.concat([input ?? Buffer.alloc(0), more]);
        continue;
      }
      if (result.output.length > 0) {
        await writeAll(socket, result.output);
        onLeg?.({ direction: 'sent', bytes: result.output.length });
      }
      if (result.status === SEC.E_OK) return result;
      if (result.status !== SEC.I_CONTINUE_NEEDED) {
        throw new CliError(
          `The security package answered ${result.statusName}, which CredSSP never asks for.`,
          EXIT.NETWORK,
        );
      }
      const extra = result.buffers.find((b) => b.type === SECBUFFER.EXTRA && b.buffer.length > 0);
      input = extra ? Buffer.from(extra.buffer) : await untilAborted(receive());
    }
  } catch (err) {
    if (err instanceof SspiError && err.output && !socket.destroyed) {
      await writeAll(socket, err.output).catch(() => undefined);
    }
    if (context?.isValid) await deleteSecurityContext(context).catch(() => undefined);
    throw err;
  } finally {
    // Once the exchange has returned, its context is the caller's, whatever the signal does later.
    signal?.removeEventListener('abort', deleteOnAbort);
  }
}

/**
 * Races work against `signal`: rejects with the signal's reason as soon as it aborts, and hands
 * a result that comes back after the abort to `onLate`.
 */
function abortRace(signal: AbortSignal | undefined) {
  return <T>(work: Promise<T>, onLate?: (late: T) => void): Promise<T> => {
    if (!signal) return work;
    if (signal.aborted) {
      work.then((late) => onLate?.(late)).catch(() => undefined);
      return Promise.reject(signal.reason);
    }
    return new Promise<T>((resolve, reject) => {
      const abandon = () => {
        work.then((late) => onLate?.(late)).catch(() => undefined);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abandon, { once: true });
      work.then(
        (value) => {
          signal.removeEventListener('abort', abandon);
          resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', abandon);
          reject(err);
        },
      );
    });
  };
}
