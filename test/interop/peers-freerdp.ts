/**
 * FreeRDP 2.x as a real peer for the `credssp` command line: an X display (Xvfb), a SAM file
 * (winpr-hash), freerdp-shadow-cli as an NLA server and xfreerdp as an NLA client. Every process
 * started here is recorded and stopped by stopAll(), by its own pid. A missing peer skips the
 * tests on a developer's machine and fails them in CI (CI=true).
 *
 * Debian packages: freerdp2-x11 freerdp2-shadow-x11 winpr-utils xvfb (and iproute2 for `ss`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The compiled bin, as `npx credssp` runs it (`npm test` builds first). */
export const CLI = join(__dirname, '../../dist/cli/main.js');

const TOOLS = ['Xvfb', 'freerdp-shadow-cli', 'xfreerdp', 'winpr-hash', 'stdbuf', 'ss'];
const INSTALL = 'apt-get install freerdp2-x11 freerdp2-shadow-x11 winpr-utils xvfb iproute2';

/** Why FreeRDP cannot run here, or null when it can. */
export function freerdpMissing(): string | null {
  const missing = TOOLS.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length > 0) return `${missing.join(', ')} not found (${INSTALL})`;
  if (!existsSync(CLI)) return `${CLI} is missing: run npm run build`;
  return null;
}

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** `describe` when FreeRDP is usable; otherwise skipped, or in CI one failing test saying why. */
export function describeWithFreerdp(title: string, body: () => void): void {
  const missing = freerdpMissing();
  if (missing === null) describe(title, body);
  else if (inCi()) {
    describe(title, () => {
      test('has FreeRDP installed (CI must not skip it)', () => {
        throw new Error(missing);
      });
    });
  } else describe.skip(`${title} (skipped: ${missing})`, body);
}

/** A started process with everything it wrote so far. */
export interface Peer {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal name) once the process ends. */
  exited: Promise<number | string>;
}

const started = new Set<ChildProcess>();

/** Start a process with stdout and stderr collected together. */
export function startPeer(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Peer {
  const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', (err) => {
      output += `\n[spawn error] ${err.message}`;
      resolve('spawn-error');
    });
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
  });
  return { child, output: () => output, exited };
}

/** Stop one process: SIGTERM, then SIGKILL if it lingers. */
export async function stopPeer(peer: Peer): Promise<void> {
  if (peer.child.exitCode !== null || peer.child.signalCode !== null) return;
  peer.child.kill('SIGTERM');
  const timer = setTimeout(() => peer.child.kill('SIGKILL'), 3000);
  await peer.exited;
  clearTimeout(timer);
}

/** Stop every process this module started and that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...started].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 3000).unref();
        }),
    ),
  );
}

/** Wait until `predicate` holds, polling; throws with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * An X display for the FreeRDP tools. -noreset: without it shadow fails about one start in
 * eight, when the server resets as a client disconnects. -displayfd picks a free display number
 * and writes it once the server is ready.
 */
export async function startXvfb(): Promise<{ display: string; peer: Peer }> {
  const child = spawn('Xvfb', ['-displayfd', '3', '-nolisten', 'tcp', '-noreset'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  const peer: Peer = { child, output: () => output, exited };
  let displayNumber = '';
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (displayNumber += d.toString()));
  await waitFor(() => /\d+\n/.test(displayNumber) || child.exitCode !== null, 'Xvfb to start');
  if (!/\d+\n/.test(displayNumber)) throw new Error(`Xvfb did not start: ${output}`);
  return { display: `:${displayNumber.trim()}`, peer };
}

/** A temp directory, used as HOME (shadow writes its certificate under $HOME). */
export function makeTempHome(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'credssp-freerdp-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** `winpr-hash -u USER -p PASSWORD -f sam` into a file: the `user:domain:LM:NT:::` line. */
export function writeSamFile(dir: string, user: string, password: string): string {
  const result = spawnSync('winpr-hash', ['-u', user, '-p', password, '-f', 'sam'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`winpr-hash failed: ${result.stderr}`);
  const path = join(dir, 'sam');
  writeFileSync(path, result.stdout, { mode: 0o600 });
  return path;
}

/** True when something listens on 127.0.0.1:port (`ss -Hltn "sport = :P"`). */
export function isListening(port: number): boolean {
  const result = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() !== '';
}

/**
 * freerdp-shadow-cli as an NLA-only server on 127.0.0.1:port. stdbuf -oL: it buffers stdout
 * otherwise, and its log is our evidence when a test fails.
 */
export async function startShadow(opts: {
  display: string;
  home: string;
  port: number;
  samFile: string;
}): Promise<Peer> {
  const peer = startPeer(
    'stdbuf',
    [
      '-oL',
      'freerdp-shadow-cli',
      '/bind-address:127.0.0.1',
      `/port:${opts.port}`,
      '/sec:nla',
      `/sam-file:${opts.samFile}`,
    ],
    { ...process.env, HOME: opts.home, DISPLAY: opts.display },
  );
  await waitFor(
    () => isListening(opts.port) || peer.child.exitCode !== null,
    `freerdp-shadow-cli to listen on port ${opts.port}`,
  );
  if (!isListening(opts.port)) throw new Error(`freerdp-shadow-cli did not start:\n${peer.output()}`);
  return peer;
}

/**
 * `xfreerdp /v:127.0.0.1:port /u:USER /p:PASSWORD /cert:ignore +auth-only /log-level:LEVEL`,
 * run to its end. The password on argv is acceptable for a throwaway test account only.
 */
export async function runXfreerdp(opts: {
  display: string;
  home: string;
  port: number;
  user: string;
  password: string;
  logLevel?: string;
}): Promise<{ exit: number | string; log: string }> {
  const peer = startPeer(
    'xfreerdp',
    [
      `/v:127.0.0.1:${opts.port}`,
      `/u:${opts.user}`,
      `/p:${opts.password}`,
      '/cert:ignore',
      '+auth-only',
      `/log-level:${opts.logLevel ?? 'DEBUG'}`,
    ],
    { ...process.env, HOME: opts.home, DISPLAY: opts.display },
  );
  const timer = setTimeout(() => peer.child.kill('SIGKILL'), 20_000);
  const exit = await peer.exited;
  clearTimeout(timer);
  return { exit, log: peer.output() };
}

/** Run our bin to its end, optionally writing `stdin`. */
export async function runCli(
  args: string[],
  stdin?: string,
): Promise<{ exit: number | string; output: string }> {
  const peer = startPeer(process.execPath, [CLI, ...args]);
  peer.child.stdin!.end(stdin ?? '');
  const timer = setTimeout(() => peer.child.kill('SIGKILL'), 30_000);
  const exit = await peer.exited;
  clearTimeout(timer);
  return { exit, output: peer.output() };
}

/** Start `credssp serve --port 0` and wait for its "listening" line. */
export async function startServe(
  samFile: string,
): Promise<{ peer: Peer; port: number; events(): Record<string, unknown>[] }> {
  const peer = startPeer(process.execPath, [
    CLI,
    'serve',
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--users',
    samFile,
  ]);
  const events = () =>
    peer
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  await waitFor(
    () => events().some((e) => e.event === 'listening') || peer.child.exitCode !== null,
    'credssp serve to listen',
  );
  const listening = events().find((e) => e.event === 'listening');
  if (!listening) throw new Error(`credssp serve did not start:\n${peer.output()}`);
  return { peer, port: listening.port as number, events };
}
