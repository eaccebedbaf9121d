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
 * Drive the exchange to SEC_E_OK and return the last result; the caller owns its context.
 * On failure the context is deleted, and an error token the package made (a TSRequest with
 * errorCode) is sent first so the peer learns why.
 */
export async function runSecurityExchange(opts: {
  call: ContextCall;
  role: 'initiator' | 'acceptor';
  socket: Socket;
  reader: SocketReader;
  onLeg?: (leg: LegEvent) => void;
}): Promise<ContextResult> {
  const { call, socket, reader, onLeg } = opts;
  let context: SecurityContext | null = null;
  const receive = async () => {
    const bytes = await reader.readAvailable('the next CredSSP token');
    onLeg?.({ direction: 'received', bytes: bytes.length });
    return bytes;
  };
  try {
    let input = opts.role === 'acceptor' ? await receive() : undefined;
    for (;;) {
      const result = await call(context, input);
      context = result.context;
      if (result.status === SEC.E_INCOMPLETE_MESSAGE) {
        input = Buffer.concat([input ?? Buffer.alloc(0), await receive()]);
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
      input = extra ? Buffer.from(extra.buffer) : await receive();
    }
  } catch (err) {
    if (err instanceof SspiError && err.output && !socket.destroyed) {
      await writeAll(socket, err.output).catch(() => undefined);
    }
    if (context?.isValid) await deleteSecurityContext(context).catch(() => undefined);
    throw err;
  }
}
