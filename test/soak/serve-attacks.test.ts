/**
 * The attacks of issue 13 item 8 at full size against `credssp serve` with its default limits
 * (the built CLI in its own process, so its CPU time and memory can be read from /proc): 64
 * slowloris clients for its 32 handshake slots while good clients must still get in, and 2,000
 * connections claiming 65,535-byte TPKT packets. Prints CPU time and memory per hostile
 * connection, and how long good clients waited.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  acquireCredentialsHandle,
  deleteSecurityContext,
  freeCredentialsHandle,
  initializeSecurityContext,
  ISC_REQ,
} from '../../lib';
import { encodeConnectionRequest, PROTOCOL } from '../../lib/cli/x224';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { ensureBuilt, root } from './dist';
import { nlaClient } from './rdp-client';

/** serve's defaults, which these tests rely on. */
const WAIT_BUDGET_MS = 3000;
const SLOWLORIS = 64;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let server: ChildProcessWithoutNullStreams;
const events: Array<Record<string, unknown>> = [];
let port = 0;
let clientHello: Buffer;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'credssp-attacks-'));
  const sam = join(dir, 'sam');
  writeFileSync(sam, `alice:::${ntHashOf(Buffer.from('Passw0rd!', 'utf16le')).toString('hex')}:::\n`);
  const credential = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: '', password: 'whatever' },
  });
  const first = await initializeSecurityContext({
    credential,
    targetName: 'TERMSRV/x',
    flags: ISC_REQ.DELEGATE,
  });
  clientHello = first.output;
  await deleteSecurityContext(first.context);
  await freeCredentialsHandle(credential);
  server = spawn(
    process.execPath,
    [join(root, 'dist', 'cli', 'main.js'), 'serve', '--port', '0', '--users', sam],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`serve exited early with ${code}`)));
    createInterface({ input: server.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      if (event.event === 'listening') {
        port = event.port as number;
        resolve();
      }
    });
  });
  // The first handshake makes serve's certificate: not part of what is measured.
  expect((await nlaClient(port, 'Passw0rd!')).result).toBe('success');
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** serve's CPU time (user + system, ms) and resident memory (MiB) from /proc. */
function usage(): { cpuMs: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${server.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]);
  return { cpuMs: ticks * 10, rssMiB: rssKiB / 1024 };
}

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function closed(socket: Socket): Promise<void> {
  socket.on('error', () => undefined);
  socket.resume();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

it(`${SLOWLORIS} slowloris clients sending a byte every 4 s do not keep good clients out`, async () => {
  let stopped = false;
  let connections = 0;
  const live = new Set<Socket>();
  const attacker = async () => {
    while (!stopped) {
      const socket = await open();
      connections++;
      live.add(socket);
      socket.write(encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID }));
      const gone = closed(socket);
      let sent = 0;
      const timer = setInterval(
        () => socket.destroyed || socket.write(clientHello.subarray(sent, ++sent)),
        4000,
      );
      await gone;
      clearInterval(timer);
      live.delete(socket);
    }
  };
  const before = usage();
  const attackers = Array.from({ length: SLOWLORIS }, attacker);
  try {
    await sleep(1000);
    const waits: number[] = [];
    // Good clients in three waves while the slowloris keep reconnecting.
    for (let wave = 0; wave < 3; wave++) {
      const results = await Promise.all(Array.from({ length: 5 }, () => nlaClient(port, 'Passw0rd!')));
      expect(results.map((r) => r.result)).toEqual(Array(5).fill('success'));
      waits.push(...results.map((r) => r.ms));
    }
    const after = usage();
    console.log(
      `slowloris: ${connections} hostile connections; good clients took ${Math.min(...waits).toFixed(0)}–` +
        `${Math.max(...waits).toFixed(0)} ms (median ${waits.sort((a, b) => a - b)[7].toFixed(0)}); ` +
        `serve CPU ${(after.cpuMs - before.cpuMs).toFixed(0)} ms in all (good clients included), RSS ${before.rssMiB.toFixed(0)} → ${after.rssMiB.toFixed(0)} MiB`,
    );
    // Behind at most two rounds of slowloris, each holding its slot for the wait budget.
    for (const ms of waits) expect(ms).toBeLessThan(2 * WAIT_BUDGET_MS + 3000);
  } finally {
    stopped = true;
    for (const socket of live) socket.destroy();
    await Promise.all(attackers);
  }
  expect(events.filter((e) => e.reason === 'wait budget').length).toBeGreaterThan(0);
}, 120_000);

it("2,000 connections claiming 65,535-byte TPKT packets are refused at once; serve's memory levels off instead of growing with them", async () => {
  const claim = Buffer.concat([Buffer.from('0300ffff', 'hex'), Buffer.alloc(60_000, 0x41)]);
  const before = usage();
  const rss: number[] = [];
  for (let batch = 0; batch < 20; batch++) {
    if (batch % 5 === 0) rss.push(usage().rssMiB);
    const sockets = await Promise.all(Array.from({ length: 100 }, open));
    const gone = sockets.map(closed);
    for (const socket of sockets) socket.write(claim);
    await Promise.all(gone);
  }
  await sleep(500);
  const after = usage();
  console.log(
    `big TPKT: 2,000 connections (100 at a time), serve CPU ${((after.cpuMs - before.cpuMs) / 2000).toFixed(2)} ms each, ` +
      `RSS ${before.rssMiB.toFixed(0)} → ${after.rssMiB.toFixed(0)} MiB (${rss.map((r) => r.toFixed(0)).join(', ')})`,
  );
  // 100 connections at a time each hold one 64 KiB socket read until refused: the allocator keeps
  // what that needed (tens of MiB), and later connections reuse it. Keeping each claim (60 KB)
  // would add 58 MiB over the last 1,000 connections; what RSS shows there without a leak is
  // 2–25 MiB (allocator and collector timing; the top under a loaded machine), so 40 tells them apart.
  expect(after.rssMiB - rss[2]).toBeLessThan(40);
  expect(after.rssMiB - before.rssMiB).toBeLessThan(64);
  expect((await nlaClient(port, 'Passw0rd!')).result).toBe('success');
}, 120_000);
