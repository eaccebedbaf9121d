/**
 * `credssp serve` under pressure, in-process: the idle timeout, the cap on handshakes in
 * progress (first in first out), a slow client that holds one slot and no more, and the reason
 * each cut-off connection is logged with.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  acquireCredentialsHandle,
  deleteSecurityContext,
  freeCredentialsHandle,
  initializeSecurityContext,
  ISC_REQ,
  SspiError,
} from '../../lib';
import type { CliIo } from '../../lib/cli/io';
import { runSecurityExchange } from '../../lib/cli/security-exchange';
import { startServe, type RunningServer } from '../../lib/cli/serve';
import { SocketReader, writeAll } from '../../lib/cli/socket-reader';
import { encodeConnectionRequest, parseConnectionConfirm, PROTOCOL } from '../../lib/cli/x224';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';

const PASSWORD = 'Limits-Test-Secret-7';
const FLAGS = ISC_REQ.DELEGATE | ISC_REQ.USE_SUPPLIED_CREDS;
const REQUEST = encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let samFile: string;
let firstToken: Buffer;
const running: RunningServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credssp-limits-'));
  samFile = join(dir, 'sam');
  writeFileSync(samFile, `alice:::${ntHashOf(Buffer.from(PASSWORD, 'utf16le')).toString('hex')}:::\n`);
  // A real TLS ClientHello, for the clients that stall or trickle after it.
  const credential = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: '', password: 'whatever' },
  });
  const first = await initializeSecurityContext({ credential, targetName: 'TERMSRV/x', flags: FLAGS });
  firstToken = first.output;
  await deleteSecurityContext(first.context);
  await freeCredentialsHandle(credential);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A serve with these options; its log lines parsed as they come. */
async function serve(...options: string[]) {
  const lines: Array<Record<string, unknown>> = [];
  const io: CliIo = {
    out: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    err: () => undefined,
    stdin: Readable.from([]),
  };
  const server = await startServe(['--port', '0', '--users', samFile, ...options], io);
  running.push(server);
  const withRemote = (socket: Socket) =>
    lines.filter((line) => line.remote === `127.0.0.1:${localPorts.get(socket)}`);
  return { port: server.port, lines, withRemote };
}

/** Our end's port of each socket, which names it in serve's log (a closed socket forgets it). */
const localPorts = new WeakMap<Socket, number>();
/** When each socket connected: the server's idle timer starts there, not when a test starts watching. */
const connectedAt = new WeakMap<Socket, number>();

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      localPorts.set(socket, socket.localPort ?? 0);
      connectedAt.set(socket, Date.now());
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Resolves with the ms from the socket's connect until the server closes it. */
function closedWithin(socket: Socket): Promise<number> {
  const started = connectedAt.get(socket) ?? Date.now();
  socket.on('error', () => undefined);
  socket.resume();
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
}

/**
 * A well-behaved NLA client that waits `pauseMs` before each of its CredSSP legs. Calls
 * `onConfirm` when the server's Connection Confirm arrives (the moment serve starts its handshake).
 */
async function nlaClient(
  port: number,
  opts: { pauseMs?: number; onConfirm?: () => void; socket?: Socket } = {},
): Promise<string> {
  const credential = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: '', password: PASSWORD },
  });
  const socket = opts.socket ?? (await open(port));
  try {
    const reader = new SocketReader(socket);
    if (!opts.socket) await writeAll(socket, REQUEST);
    const confirm = parseConnectionConfirm(await reader.readTpktPacket('the confirm'));
    opts.onConfirm?.();
    if (confirm.kind !== 'response') return `confirm ${confirm.kind}`;
    const done = await runSecurityExchange({
      role: 'initiator',
      socket,
      reader,
      call: async (context, input) => {
        await sleep(opts.pauseMs ?? 0);
        return initializeSecurityContext({
          credential,
          context,
          targetName: 'TERMSRV/x',
          flags: FLAGS,
          input,
        });
      },
    });
    await deleteSecurityContext(done.context);
    return 'success';
  } catch (err) {
    return err instanceof SspiError ? err.code : `network: ${(err as Error).message}`;
  } finally {
    socket.destroy();
    await freeCredentialsHandle(credential);
  }
}

/** Poll until `ready()` holds (the log is written in this process, a few ms after the close). */
async function eventually<T>(read: () => T, ready: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 100 && !ready(read()); i++) await sleep(10);
  return read();
}

it('cuts a silent client, and one that stalls mid-request or after its ClientHello, at --idle-timeout and logs "idle timeout"', async () => {
  const server = await serve('--idle-timeout', '0.3', '--timeout', '5');
  const silent = await open(server.port);
  const halfRequest = await open(server.port);
  halfRequest.write(REQUEST.subarray(0, 7));
  const afterHello = await open(server.port);
  afterHello.write(REQUEST);
  afterHello.write(firstToken);
  const closedAfter = await Promise.all([silent, halfRequest, afterHello].map(closedWithin));
  for (const ms of closedAfter) {
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(2000);
  }
  for (const socket of [silent, halfRequest, afterHello]) {
    expect(
      await eventually(
        () => server.withRemote(socket),
        (l) => l.length > 0,
      ),
    ).toEqual([expect.objectContaining({ event: 'disconnect', reason: 'idle timeout' })]);
  }
});

it('with --max-handshakes 2, six clients all succeed, started first in first out and never more than two at once', async () => {
  const server = await serve('--max-handshakes', '2');
  const successesAtConfirm: number[] = [];
  const order: number[] = [];
  const clients: Array<Promise<string>> = [];
  for (let i = 0; i < 6; i++) {
    // Each request reaches the server before the next client connects, so the queue order is known.
    const socket = await open(server.port);
    await writeAll(socket, REQUEST);
    await sleep(15);
    const onConfirm = () => {
      order.push(i);
      successesAtConfirm.push(server.lines.filter((l) => l.result === 'success').length);
    };
    clients.push(nlaClient(server.port, { socket, onConfirm }));
  }
  expect(await Promise.all(clients)).toEqual(Array(6).fill('success'));
  expect(order).toEqual([0, 1, 2, 3, 4, 5]);
  // Client k (k >= 2) is only served once k - 1 handshakes have finished and freed their slot.
  successesAtConfirm.forEach((done, k) => expect(done).toBeGreaterThanOrEqual(k - 1));
});

it('a queued client that sent its request is waiting on us, not idle: it is served after the idle timeout has passed', async () => {
  const server = await serve('--max-handshakes', '1', '--idle-timeout', '0.3', '--timeout', '5');
  // The first client holds the only slot for about a second, pausing under the idle timeout between legs.
  const holder = nlaClient(server.port, { pauseMs: 200 });
  await sleep(50);
  const queuedStarted = Date.now();
  const queued = nlaClient(server.port);
  expect(await Promise.all([holder, queued])).toEqual(['success', 'success']);
  expect(Date.now() - queuedStarted).toBeGreaterThan(300);
  expect(server.lines.filter((l) => l.event === 'disconnect')).toEqual([]);
});

it('a client sending one byte per 100 ms holds one slot, not the others, and is cut at the handshake timeout', async () => {
  const server = await serve('--max-handshakes', '2', '--timeout', '2', '--idle-timeout', '0.5');
  const slow = await open(server.port);
  slow.write(REQUEST);
  const slowClosed = closedWithin(slow);
  let sent = 0;
  const trickle = setInterval(() => {
    if (!slow.destroyed && sent < firstToken.length) slow.write(firstToken.subarray(sent, ++sent));
  }, 100);
  try {
    await sleep(100);
    const others = await Promise.all(Array.from({ length: 4 }, () => nlaClient(server.port)));
    expect(others).toEqual(Array(4).fill('success'));
    expect(slow.destroyed).toBe(false);
    const slowMs = await slowClosed;
    expect(slowMs).toBeGreaterThanOrEqual(1900);
    expect(slowMs).toBeLessThan(3500);
  } finally {
    clearInterval(trickle);
  }
  expect(
    await eventually(
      () => server.withRemote(slow),
      (l) => l.length > 0,
    ),
  ).toEqual([expect.objectContaining({ event: 'disconnect', reason: 'handshake timeout' })]);
});

it('logs "handshake timeout" for a client cut while served and "queue timeout" for one that waited --timeout for a slot', async () => {
  const server = await serve('--max-handshakes', '1', '--timeout', '0.6', '--idle-timeout', '5');
  // Three clients that send their request, then nothing: each holds the slot until its deadline.
  const sockets: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const socket = await open(server.port);
    socket.write(REQUEST);
    sockets.push(socket);
    // Apart enough that each deadline's order is known: the first is served before the second comes.
    await sleep(100);
  }
  const closed = await Promise.all(sockets.map(closedWithin));
  const reasons = await eventually(
    () => sockets.map((socket) => server.withRemote(socket).map((l) => l.reason)),
    (all) => all.every((r) => r.length > 0),
  );
  // The first is served at once and cut 0.6 s later; the second gets the slot then and is cut
  // 0.6 s after that; the third, still queued 0.6 s after it arrived, is cut from the queue.
  expect(reasons).toEqual([['handshake timeout'], ['handshake timeout'], ['queue timeout']]);
  expect(closed[2]).toBeLessThan(closed[1]);
  expect(JSON.stringify(server.lines)).not.toContain('after a stream was destroyed');
});
