/**
 * `credssp serve [--host H] [--port N] --users FILE`: a local acceptor that speaks the RDP
 * connection preamble and then CredSSP, for testing RDP clients' NLA. One JSON line per
 * authentication on stdout; never a password, hash or key. No RDP follows: after the
 * exchange the connection is closed. At most --max-handshakes handshakes run at once (at most
 * --max-handshakes-per-address of them for one address), the rest wait first in first out; at
 * most --max-connections are open at once. The clocks that bound each connection are in
 * serve-connection.ts.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { acquireCredentialsHandle, freeCredentialsHandle, SspiError, type CredentialsHandle } from '../index';
import { CliError, EXIT, UsageError, type ExitCode } from './exit-codes';
import { HandshakeSlots } from './handshake-slots';
import type { CliIo } from './io';
import { handleConnection } from './serve-connection';
import { parsePort, parseSeconds } from './tcp';

export const SERVE_USAGE =
  'usage: credssp serve [--host H] [--port N] --users FILE [--timeout SECONDS] [--idle-timeout SECONDS] ' +
  '[--preamble-timeout SECONDS] [--wait-budget SECONDS] [--max-handshakes N] [--max-handshakes-per-address N] ' +
  '[--max-connections N]';

const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PORT = 3389;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 15_000;
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
/**
 * A client sends its Connection Request (at most 259 bytes) as soon as TCP connects
 * (MS-RDPBCGR 1.3.1.1); seconds are generous even over a slow link.
 */
const DEFAULT_PREAMBLE_TIMEOUT_MS = 5_000;
/**
 * A well-behaved client keeps a handshake waiting for about four round trips plus its own
 * computing (tens of milliseconds on a LAN, about a second across the world); three seconds
 * leave room for that and bound what a client that trickles can hold a slot for.
 */
const DEFAULT_WAIT_BUDGET_MS = 3_000;
/** Two per core of a small box keeps each handshake's latency near its own CPU time. */
const DEFAULT_MAX_HANDSHAKES = 32;
/**
 * Connections held at once, running or queued; beyond it Node closes new ones at once. Each
 * connection is also bounded in time by the timeouts, so a flood cannot hold the server for long,
 * and in memory (at most 64 KiB of unread input each, see serve-connection.ts).
 */
const DEFAULT_MAX_CONNECTIONS = 1024;
const MAX_MAX_CONNECTIONS = 65_535;

interface ServeArgs {
  host: string;
  port: number;
  samFile: string;
  handshakeTimeoutMs: number;
  idleTimeoutMs: number;
  preambleTimeoutMs: number;
  waitBudgetMs: number;
  maxHandshakes: number;
  maxHandshakesPerAddress: number;
  maxConnections: number;
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
      'idle-timeout': { type: 'string' },
      'preamble-timeout': { type: 'string' },
      'wait-budget': { type: 'string' },
      'max-handshakes': { type: 'string' },
      'max-handshakes-per-address': { type: 'string' },
      'max-connections': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError('serve takes options only, no arguments.');
  if (!values.users)
    throw new UsageError('serve needs --users FILE (lines user:domain:LM:NT::: as winpr-hash writes).');
  const seconds = (option: string, fallbackMs: number) => {
    const text = values[option as keyof typeof values] as string | undefined;
    return text === undefined ? fallbackMs : parseSeconds(text, `--${option}`);
  };
  const count = (option: string, fallback: number, max: number) => {
    const text = values[option as keyof typeof values] as string | undefined;
    return text === undefined ? fallback : parseCount(text, `--${option}`, max);
  };
  const maxConnections = count('max-connections', DEFAULT_MAX_CONNECTIONS, MAX_MAX_CONNECTIONS);
  const maxHandshakes = count(
    'max-handshakes',
    Math.min(DEFAULT_MAX_HANDSHAKES, maxConnections),
    maxConnections,
  );
  return {
    host: values.host ?? DEFAULT_HOST,
    port: values.port === undefined ? DEFAULT_PORT : values.port === '0' ? 0 : parsePort(values.port),
    samFile: values.users,
    handshakeTimeoutMs: seconds('timeout', DEFAULT_HANDSHAKE_TIMEOUT_MS),
    idleTimeoutMs: seconds('idle-timeout', DEFAULT_IDLE_TIMEOUT_MS),
    preambleTimeoutMs: seconds('preamble-timeout', DEFAULT_PREAMBLE_TIMEOUT_MS),
    waitBudgetMs: seconds('wait-budget', DEFAULT_WAIT_BUDGET_MS),
    maxHandshakes,
    // Off unless asked for: clients behind one NAT or proxy share an address.
    maxHandshakesPerAddress: count('max-handshakes-per-address', maxHandshakes, maxHandshakes),
    maxConnections,
  };
}

function parseCount(text: string, option: string, max: number): number {
  const count = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= max)) throw new UsageError(`${option} takes a whole number from 1 to ${max}.`);
  return count;
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
      // The users file is the emulated acceptor's; Windows' own would check real accounts.
      backend: 'emulated',
      emulated: { users: { samFile: args.samFile } },
    });
  } catch (err) {
    // A missing or malformed users file is the command line's fault.
    if (err instanceof SspiError) throw new UsageError(err.message);
    throw err;
  }
  const shared = {
    credential,
    slots: new HandshakeSlots(args.maxHandshakes, args.maxHandshakesPerAddress),
    handshakeTimeoutMs: args.handshakeTimeoutMs,
    idleTimeoutMs: args.idleTimeoutMs,
    preambleTimeoutMs: args.preambleTimeoutMs,
    waitBudgetMs: args.waitBudgetMs,
    io,
  };
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    void handleConnection(socket, shared);
  });
  server.maxConnections = args.maxConnections;
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
