/**
 * `credssp serve` against the attacks of issue 13 item 8, in-process: clients that trickle bytes
 * to hold handshake slots, a TPKT header claiming 65,535 bytes, and a flood of such claims.
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
} from '../../lib';
import type { CliIo } from '../../lib/cli/io';
import { startServe, type RunningServer } from '../../lib/cli/serve';
import { encodeConnectionRequest, PROTOCOL } from '../../lib/cli/x224';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { nlaClient } from '../soak/rdp-client';

const PASSWORD = 'Passw0rd!';
const REQUEST = encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let samFile: string;
let clientHello: Buffer;
const running: RunningServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'credssp-attacks-'));
  samFile = join(dir, 'sam');
  writeFileSync(samFile, `alice:::${ntHashOf(Buffer.from(PASSWORD, 'utf16le')).toString('hex')}:::\n`);
  const credential = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: '', password: 'whatever' },
  });
  const first = await initializeSecurityContext({
    credential,
    targetName: 'TERMSRV/x',
    flags: ISC_REQ.DELEGATE | ISC_REQ.USE_SUPPLIED_CREDS,
  });
  clientHello = first.output;
  await deleteSecurityContext(first.context);
  await freeCredentialsHandle(credential);
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serve(...options: string[]) {
  const lines: Array<Record<string, unknown>> = [];
  const io: CliIo = {
    out: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
    err: () => undefined,
    stdin: Readable.from([]),
  };
  const server = await startServe(['--port', '0', '--users', samFile, ...options], io);
  running.push(server);
  return { port: server.port, lines };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with the ms from now until the server closes the socket. */
function closedWithin(socket: Socket): Promise<number> {
  const started = Date.now();
  socket.on('error', () => undefined);
  socket.resume();
  return new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started)));
}

/**
 * A slowloris: its Connection Request at once (so it gets a slot), then its ClientHello one byte
 * every `everyMs`; when cut, it connects again at once, until `stop()`.
 */
function slowloris(port: number, everyMs: number) {
  let stopped = false;
  let current: Socket | undefined;
  const loop = (async () => {
    while (!stopped) {
      const socket = await open(port);
      current = socket;
      socket.write(REQUEST);
      const closed = closedWithin(socket);
      let sent = 0;
      const timer = setInterval(() => {
        if (!socket.destroyed && sent < clientHello.length) socket.write(clientHello.subarray(sent, ++sent));
      }, everyMs);
      await closed;
      clearInterval(timer);
    }
  })();
  return {
    async stop() {
      stopped = true;
      current?.destroy();
      await loop.catch(() => undefined);
    },
  };
}

it('with every slot held by clients trickling a byte at a time, good clients still succeed within twice the wait budget', async () => {
  // The load scaled down: 2 slowloris per slot, each sending one byte per 400 ms.
  const server = await serve('--max-handshakes', '4', '--wait-budget', '0.5', '--timeout', '10');
  const attackers = Array.from({ length: 8 }, () => slowloris(server.port, 400));
  try {
    await sleep(300);
    const good = await Promise.all(Array.from({ length: 4 }, () => nlaClient(server.port, PASSWORD)));
    expect(good.map((r) => r.result)).toEqual(Array(4).fill('success'));
    // Behind at most two rounds of slowloris each holding its slot for the 0.5 s budget.
    for (const { ms } of good) expect(ms).toBeLessThan(2500);
  } finally {
    await Promise.all(attackers.map((a) => a.stop()));
  }
  expect(server.lines.some((l) => l.reason === 'wait budget')).toBe(true);
}, 20_000);

it('a client that trickles its Connection Request holds no slot and is cut at --preamble-timeout', async () => {
  const server = await serve('--max-handshakes', '1', '--preamble-timeout', '0.5', '--idle-timeout', '5');
  const slow = await open(server.port);
  const slowClosed = closedWithin(slow);
  let sent = 0;
  const timer = setInterval(() => {
    if (!slow.destroyed && sent < REQUEST.length) slow.write(REQUEST.subarray(sent, ++sent));
  }, 100);
  try {
    // The only slot is free for a good client while the slow one is still in its preamble.
    expect((await nlaClient(server.port, PASSWORD)).result).toBe('success');
    const ms = await slowClosed;
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(ms).toBeLessThan(1500);
  } finally {
    clearInterval(timer);
  }
  await sleep(50);
  expect(server.lines).toContainEqual(
    expect.objectContaining({ event: 'disconnect', reason: 'preamble timeout' }),
  );
});

it('with --max-handshakes-per-address, clients of one address take at most that many slots', async () => {
  const server = await serve(
    '--max-handshakes',
    '4',
    '--max-handshakes-per-address',
    '1',
    '--wait-budget',
    '5',
  );
  // Three connections from 127.0.0.1 that send their request, then nothing: the first holds the
  // address's one slot, the other two wait although three slots are free.
  const holders: Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const socket = await open(server.port);
    socket.on('error', () => undefined);
    socket.write(REQUEST);
    holders.push(socket);
  }
  const confirms = holders.map(
    (socket) =>
      new Promise<boolean>((resolve) => {
        socket.once('data', () => resolve(true));
        setTimeout(() => resolve(false), 500);
      }),
  );
  expect(await Promise.all(confirms)).toEqual([true, false, false]);
  for (const socket of holders) socket.destroy();
});

it('refuses at once a TPKT header claiming 65,535 bytes, without waiting for them', async () => {
  const server = await serve('--idle-timeout', '5');
  const socket = await open(server.port);
  const closed = closedWithin(socket);
  socket.write(Buffer.from('0300ffff', 'hex'));
  expect(await closed).toBeLessThan(500);
  await sleep(20);
  expect(server.lines).toContainEqual(
    expect.objectContaining({
      event: 'disconnect',
      reason: expect.stringMatching(/^SEC_E_INVALID_TOKEN: .*259 bytes/),
    }),
  );
});

it('200 connections claiming 65,535-byte TPKT packets are all refused at once and serve keeps serving', async () => {
  const server = await serve('--idle-timeout', '5');
  const body = Buffer.alloc(60_000, 0x41);
  const sockets = await Promise.all(Array.from({ length: 200 }, () => open(server.port)));
  const closed = sockets.map(closedWithin);
  for (const socket of sockets) socket.write(Buffer.concat([Buffer.from('0300ffff', 'hex'), body]));
  const ms = await Promise.all(closed);
  expect(Math.max(...ms)).toBeLessThan(3000);
  expect((await nlaClient(server.port, PASSWORD)).result).toBe('success');
});
