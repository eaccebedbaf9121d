/**
 * `credssp serve [--host H] [--port N] --users FILE`: a local acceptor that speaks the RDP
 * connection preamble and then CredSSP, for testing RDP clients' NLA. One JSON line per
 * authentication on stdout; never a password, hash or key. No RDP follows: after the
 * exchange the connection is closed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import {
  acceptSecurityContext,
  acquireCredentialsHandle,
  ASC_REQ,
  deleteSecurityContext,
  freeCredentialsHandle,
  queryContextAttributes,
  SspiError,
  type CredentialsHandle,
} from '../index';
import { CliError, EXIT, UsageError, type ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { runSecurityExchange } from './security-exchange';
import { SocketReader, writeAll } from './socket-reader';
import { parsePort, parseSeconds, remoteAddressOf } from './tcp';
import { describeAcceptedContext } from './accepted-context';
import { encodeConnectionConfirm, NEG_FAILURE, parseConnectionRequest, PROTOCOL } from './x224';

export const SERVE_USAGE = 'usage: credssp serve [--host H] [--port N] --users FILE [--timeout SECONDS]';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 3389;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;
/**
 * Connections handled at once; beyond it Node closes new ones at once. Each connection is also
 * bounded in time by the handshake timeout, so a flood cannot hold the server for long.
 */
const MAX_CONNECTIONS = 1024;
/** EXTENDED_ERROR: a refused client gets a TSRequest with errorCode (MS-CSSP 2.2.1, v3+). */
const ASC_FLAGS = ASC_REQ.CONNECTION | ASC_REQ.EXTENDED_ERROR;

interface ServeArgs {
  host: string;
  port: number;
  samFile: string;
  handshakeTimeoutMs: number;
}

function parseServeArgs(argv: string[]): ServeArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      users: { type: 'string' },
      timeout: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError('serve takes options only, no arguments.');
  if (!values.users)
    throw new UsageError('serve needs --users FILE (lines user:domain:LM:NT::: as winpr-hash writes).');
  return {
    host: values.host ?? DEFAULT_HOST,
    port: values.port === undefined ? DEFAULT_PORT : values.port === '0' ? 0 : parsePort(values.port),
    samFile: values.users,
    handshakeTimeoutMs:
      values.timeout === undefined ? DEFAULT_HANDSHAKE_TIMEOUT_MS : parseSeconds(values.timeout, '--timeout'),
  };
}

/** A running acceptor. */
export interface RunningServer {
  /** The port it listens on (useful with --port 0). */
  port: number;
  /** Stop listening, end open connections, free the credential. */
  close(): Promise<void>;
}

/** Start listening; writes {"event":"listening",...} once ready. */
export async function startServe(argv: string[], io: CliIo): Promise<RunningServer> {
  const args = parseServeArgs(argv);
  let credential: CredentialsHandle;
  try {
    credential = await acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'inbound',
      users: { samFile: args.samFile },
    });
  } catch (err) {
    // A missing or malformed users file is the command line's fault.
    if (err instanceof SspiError) throw new UsageError(err.message);
    throw err;
  }
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    void handleConnection(socket, credential, args.handshakeTimeoutMs, io);
  });
  server.maxConnections = MAX_CONNECTIONS;
  try {
    await listen(server, args.host, args.port);
  } catch (err) {
    await freeCredentialsHandle(credential);
    throw err;
  }
  const port = (server.address() as { port: number }).port;
  io.out(JSON.stringify({ event: 'listening', host: args.host, port }));
  return {
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await freeCredentialsHandle(credential);
    },
  };
}

/** The subcommand: serve until SIGINT or SIGTERM. */
export async function serve(argv: string[], io: CliIo): Promise<ExitCode> {
  const running = await startServe(argv, io);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  return EXIT.SUCCESS;
}

/** One client: preamble, CredSSP, one JSON line, close. Never throws. */
async function handleConnection(socket: Socket, credential: CredentialsHandle, timeoutMs: number, io: CliIo) {
  const remote = remoteAddressOf(socket);
  const timer = setTimeout(() => socket.destroy(new Error('handshake timeout')), timeoutMs);
  socket.setNoDelay(true);
  const reader = new SocketReader(socket);
  try {
    const request = parseConnectionRequest(await reader.readTpktPacket('the X.224 Connection Request'));
    const requested = request.negotiation?.requestedProtocols ?? PROTOCOL.RDP;
    if (!(requested & PROTOCOL.HYBRID)) {
      // MS-RDPBCGR 3.3.5.3.1: a server that requires CredSSP answers HYBRID_REQUIRED_BY_SERVER.
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
    await writeAll(socket, encodeConnectionConfirm({ selectedProtocol: PROTOCOL.HYBRID }));
    let result;
    try {
      result = await runSecurityExchange({
        role: 'acceptor',
        socket,
        reader,
        call: (context, input) =>
          acceptSecurityContext({ credential, context, flags: ASC_FLAGS, input: input ?? Buffer.alloc(0) }),
      });
    } catch (err) {
      if (!(err instanceof SspiError)) throw err;
      io.out(JSON.stringify({ event: 'auth', result: err.code, message: err.message, remote }));
      return;
    }
    try {
      const accepted = await describeAcceptedContext(result.context, queryContextAttributes);
      io.out(JSON.stringify({ event: 'auth', result: 'success', ...accepted, remote }));
    } finally {
      await deleteSecurityContext(result.context);
    }
  } catch (err) {
    io.out(JSON.stringify({ event: 'disconnect', reason: reasonOf(err), remote }));
  } finally {
    clearTimeout(timer);
    // No RDP follows: flush what we wrote (the last TSRequest or an error), then close.
    if (!socket.destroyed) socket.end(() => socket.destroy());
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof SspiError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new CliError(`Cannot listen on ${host}:${port}: ${err.code ?? err.message}.`, EXIT.NETWORK)),
    );
    server.listen({ host, port }, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
}
