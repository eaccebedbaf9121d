/**
 * One `serve` client, from accept to close: read its X.224 Connection Request, wait for a
 * handshake slot, answer with the Connection Confirm, run CredSSP, write one JSON line, close.
 *
 * These clocks bound a connection, and the line that reports a cut names the one that fired:
 * - "preamble timeout": its whole Connection Request had not arrived --preamble-timeout after it
 *   connected. The request is read before the client may take a handshake slot, so a client that
 *   trickles it holds a connection, never a slot.
 * - "idle timeout": the client sent nothing for --idle-timeout while we waited for it. It does
 *   not run while the client waits for us (queued, or while we compute).
 * - "wait budget": while it held a slot, the client kept us waiting --wait-budget in all (summed
 *   over its handshake, not restarted by each byte), so a client sending a byte now and then
 *   holds a slot for that long at most, and good clients queued behind it are served soon.
 * - "handshake timeout": the time we spent serving it (reading its Connection Request, then the
 *   handshake once it has a slot) passed --timeout. Time spent queued is not counted: in a burst
 *   every handshake would otherwise run out at the same moment.
 * - "queue timeout": it waited --timeout for a slot, and is closed unserved.
 * A cut stops the work at once: the running CredSSP call is abandoned and its context deleted.
 */
import type { Socket } from 'node:net';
import {
  acceptSecurityContext,
  ASC_REQ,
  deleteSecurityContext,
  queryContextAttributes,
  SspiError,
  type CredentialsHandle,
} from '../index';
import { describeAcceptedContext } from './accepted-context';
import type { HandshakeSlots } from './handshake-slots';
import type { CliIo } from './io';
import { runSecurityExchange } from './security-exchange';
import { IdleTimeoutError, PeerClosedError, SocketReader, WaitBudgetError, writeAll } from './socket-reader';
import { remoteAddressOf } from './tcp';
import { encodeConnectionConfirm, NEG_FAILURE, parseConnectionRequest, PROTOCOL } from './x224';

/** EXTENDED_ERROR: a refused client gets a TSRequest with errorCode (MS-CSSP 2.2.1, v3+). */
const ASC_FLAGS = ASC_REQ.CONNECTION | ASC_REQ.EXTENDED_ERROR;
/**
 * Unread input held per connection before we stop reading its socket (TCP flow control then holds
 * the peer back): a few TLS records' worth, so a normal flight never waits on it.
 */
const MAX_BUFFERED_BYTES = 64 * 1024;

/** What every connection of one server shares. */
export interface ServeContext {
  credential: CredentialsHandle;
  slots: HandshakeSlots;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  preambleTimeoutMs: number;
  waitBudgetMs: number;
  io: CliIo;
}

/** Why we cut a connection; the first cause wins and is the one logged. */
type CutReason = 'preamble timeout' | 'idle timeout' | 'wait budget' | 'queue timeout' | 'handshake timeout';

/** One client: preamble, queue, CredSSP, one JSON line, close. Never throws. */
export async function handleConnection(socket: Socket, serve: ServeContext): Promise<void> {
  const { io } = serve;
  const remote = remoteAddressOf(socket);
  let cutReason: CutReason | undefined;
  // Ends the wait for a slot when we cut the connection or the client leaves.
  const gone = new AbortController();
  // Ends the CredSSP work when we cut the connection. Not when the client leaves: a client closes
  // right after its last token, which we must still process and log.
  const stopped = new AbortController();
  const cut = (reason: CutReason) => {
    cutReason ??= reason;
    const cause = new Error(reason);
    gone.abort(cause);
    stopped.abort(cause);
    // With the cause, a pending read fails at once (an 'error' event) instead of after the
    // handle has closed, so the line is logged before the client sees the close.
    socket.destroy(cause);
  };
  socket.once('close', () => gone.abort(new PeerClosedError('its turn in the handshake queue')));
  const acceptedAt = Date.now();
  let deadline =
    serve.preambleTimeoutMs < serve.handshakeTimeoutMs
      ? setTimeout(() => cut('preamble timeout'), serve.preambleTimeoutMs)
      : setTimeout(() => cut('handshake timeout'), serve.handshakeTimeoutMs);
  let release: (() => void) | undefined;
  socket.setNoDelay(true);
  const reader = new SocketReader(socket, {
    idleTimeoutMs: serve.idleTimeoutMs,
    maxBufferedBytes: MAX_BUFFERED_BYTES,
  });
  try {
    const request = parseConnectionRequest(await reader.readTpktPacket('the X.224 Connection Request'));
    const requested = request.negotiation?.requestedProtocols ?? PROTOCOL.RDP;
    if (!(requested & PROTOCOL.HYBRID)) {
      // MS-RDPBCGR 3.3.5.3.1: a server that requires CredSSP answers HYBRID_REQUIRED_BY_SERVER.
      // Cheap, so it does not wait for a handshake slot.
      await writeAll(socket, encodeConnectionConfirm({ failureCode: NEG_FAILURE.HYBRID_REQUIRED_BY_SERVER }));
      io.out(
        JSON.stringify({
          event: 'refused',
          reason: 'HYBRID_REQUIRED_BY_SERVER',
          requestedProtocols: requested,
          remote,
        }),
      );
      return;
    }
    // The client now waits for our confirm: it is not idle. Stop reading while it is queued,
    // so whatever it sends meanwhile stays in the kernel's buffer, not in our memory.
    const servedMs = Date.now() - acceptedAt;
    socket.pause();
    clearTimeout(deadline);
    deadline = setTimeout(() => cut('queue timeout'), serve.handshakeTimeoutMs);
    release = await serve.slots.acquire(gone.signal, socket.remoteAddress ?? '');
    socket.resume();
    clearTimeout(deadline);
    deadline = setTimeout(() => cut('handshake timeout'), serve.handshakeTimeoutMs - servedMs);
    reader.limitWaiting(serve.waitBudgetMs);

    await writeAll(socket, encodeConnectionConfirm({ selectedProtocol: PROTOCOL.HYBRID }));
    let result;
    try {
      result = await runSecurityExchange({
        role: 'acceptor',
        socket,
        reader,
        signal: stopped.signal,
        call: (context, input) =>
          acceptSecurityContext({
            credential: serve.credential,
            context,
            flags: ASC_FLAGS,
            input: input ?? Buffer.alloc(0),
          }),
      });
    } catch (err) {
      if (!(err instanceof SspiError) || cutReason) throw err;
      io.out(JSON.stringify(authFailureLine(err, remote)));
      return;
    }
    try {
      const accepted = await describeAcceptedContext(result.context, queryContextAttributes);
      io.out(JSON.stringify({ event: 'auth', result: 'success', ...accepted, remote }));
    } finally {
      await deleteSecurityContext(result.context);
    }
  } catch (err) {
    if (err instanceof IdleTimeoutError) cutReason ??= 'idle timeout';
    if (err instanceof WaitBudgetError) cutReason ??= 'wait budget';
    // After a cut, whatever failed next (a read, a write) failed because of it.
    io.out(JSON.stringify({ event: 'disconnect', reason: cutReason ?? reasonOf(err), remote }));
  } finally {
    clearTimeout(deadline);
    release?.();
    if (cutReason) socket.destroy();
    // No RDP follows: flush what we wrote (the last TSRequest or an error), then close.
    else if (!socket.destroyed) socket.end(() => socket.destroy());
  }
}

/**
 * The line for a handshake that failed with an SspiError. A failure carrying `peerStatus` is the
 * client's own verdict: it sent a TSRequest with errorCode (MS-CSSP 2.2.1), i.e. it gave up
 * (it did not trust our certificate, its user cancelled, ...). No password was checked, so it is
 * logged as "client-error" with the code it sent, never as the SEC_E_* a logon check gives.
 */
function authFailureLine(err: SspiError, remote: string): Record<string, unknown> {
  if (err.peerStatus !== undefined) {
    const peerStatus = `0x${(err.peerStatus >>> 0).toString(16).padStart(8, '0')}`;
    return { event: 'auth', result: 'client-error', peerStatus, remote };
  }
  return { event: 'auth', result: err.code, message: err.message, remote };
}

function reasonOf(err: unknown): string {
  if (err instanceof SspiError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
