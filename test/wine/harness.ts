/**
 * Runs test/wine/guest/suite.js under Wine with the official Windows node.exe and collects what
 * it reports over a TCP line protocol. The Linux side also plays the emulated peer for the
 * cross-implementation scenarios and counts Wine's ntlm_auth helpers (one per live NTLM context,
 * so a leaked context shows up as a helper that stays).
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const root = path.resolve(__dirname, '..', '..');

export interface GuestReport {
  /** Scenario name → what the guest reported ({ ok, ... }). */
  results: Map<string, Record<string, unknown>>;
  exitCode: number | null;
  /** The guest's stdout and stderr (node.exe needs a file, not a pipe). */
  log: string;
}

/** Answers the guest's requests; returns the reply line's object. */
export type PeerHandler = (request: Record<string, unknown>) => Promise<Record<string, unknown>>;

export function wineInstalled(): boolean {
  return spawnSync('wine', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** scripts/wine/prepare.sh: node.exe, the prefix, Samba; returns the environment it printed. */
export function prepareWine(): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(path.join(root, 'scripts/wine/prepare.sh'), { timeout: 240_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`scripts/wine/prepare.sh failed: ${err.message}\n${stderr}`));
        return;
      }
      const env: Record<string, string> = {};
      for (const line of stdout.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
      }
      resolve(env);
    });
  });
}

export function stopWine(): void {
  spawnSync(path.join(root, 'scripts/wine/samba.sh'), ['stop'], { stdio: 'ignore' });
}

/** Wine maps the Unix root to drive Z:. */
export function windowsPath(unixPath: string): string {
  return 'Z:' + unixPath.replace(/\//g, '\\');
}

/** How many ntlm_auth processes Wine started from this prefix are alive. */
export function countNtlmHelpers(winePrefix: string): number {
  let count = 0;
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (comm !== 'ntlm_auth') continue;
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (environ.includes(`WINEPREFIX=${winePrefix}`)) count++;
    } catch {
      // The process ended while we looked.
    }
  }
  return count;
}

/**
 * Where a byte string occurs in the memory of the live node.exe processes of this prefix
 * (/proc/<pid>/mem, readable to root): what a password left in freed heap would show.
 * Returns the number of hits per needle.
 */
export function scanGuestMemory(winePrefix: string, needles: Buffer[]): number[] {
  const hits = needles.map(() => 0);
  const longest = Math.max(...needles.map((n) => n.length));
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let maps: string;
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'node.exe') continue;
      const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!environ.includes(`WINEPREFIX=${winePrefix}`)) continue;
      maps = fs.readFileSync(`/proc/${pid}/maps`, 'utf8');
    } catch {
      continue;
    }
    const mem = fs.openSync(`/proc/${pid}/mem`, 'r');
    try {
      for (const line of maps.split('\n')) {
        const match = /^([0-9a-f]+)-([0-9a-f]+) r/.exec(line);
        if (!match) continue;
        const start = parseInt(match[1], 16);
        const end = parseInt(match[2], 16);
        // Chunks overlap by the longest needle; a hit counts in the chunk where it starts before
        // the overlap (or anywhere in the mapping's last chunk), so none is counted twice.
        const stride = chunk.length - longest;
        for (let at = start; at < end; at += stride) {
          let read: number;
          try {
            read = fs.readSync(mem, chunk, 0, Math.min(chunk.length, end - at), at);
          } catch {
            break; // an unreadable mapping (guard pages, device memory)
          }
          const last = at + read >= end || read < chunk.length;
          const view = chunk.subarray(0, read);
          needles.forEach((needle, i) => {
            for (let found = view.indexOf(needle); found >= 0; found = view.indexOf(needle, found + 1)) {
              if (last || found < stride) hits[i]++;
            }
          });
          if (last) break;
        }
      }
    } finally {
      fs.closeSync(mem);
    }
  }
  return hits;
}

/** Runs a guest script (default: the suite) to the end (or the timeout) and returns what it reported. */
export async function runGuest(
  env: Record<string, string>,
  peer: PeerHandler,
  timeoutMs: number,
  script = 'suite.js',
  extraEnv: Record<string, string> = {},
): Promise<GuestReport> {
  const results = new Map<string, Record<string, unknown>>();
  const server = net.createServer((socket) => {
    let inbox = '';
    let queue = Promise.resolve();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      inbox += chunk;
      let newline: number;
      while ((newline = inbox.indexOf('\n')) >= 0) {
        const message = JSON.parse(inbox.slice(0, newline)) as Record<string, unknown>;
        inbox = inbox.slice(newline + 1);
        if (message.op === 'result') {
          results.set(String(message.name), message.details as Record<string, unknown>);
        } else if (message.op !== 'done') {
          // Requests are answered in order, one line each.
          queue = queue.then(async () => {
            const reply = await peer(message).catch((err: unknown) => ({ error: String(err) }));
            socket.write(JSON.stringify(reply) + '\n');
          });
        }
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  const name = script === 'suite.js' ? 'guest' : path.basename(script, '.js');
  const logFile = path.join(root, 'build', 'wine', `${name}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const logFd = fs.openSync(logFile, 'w');
  try {
    const child = spawn(
      'wine',
      [env.CREDSSP_WINE_NODE_EXE, '--expose-gc', windowsPath(path.join(root, 'test/wine/guest', script))],
      {
        env: {
          ...process.env,
          ...env,
          CREDSSP_BACKEND: 'native',
          CREDSSP_DIST: windowsPath(path.join(root, 'dist')),
          CREDSSP_WINE_PORT: String(port),
          ...extraEnv,
        },
        // node.exe under Wine fails with EBADF writing to a pipe: give it a file.
        stdio: ['ignore', logFd, logFd],
      },
    );
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    // Kept for a look after a failure, next to the guest's log.
    fs.writeFileSync(
      path.join(path.dirname(logFile), `${name}-results.json`),
      JSON.stringify(Object.fromEntries(results), null, 2),
    );
    return { results, exitCode, log: fs.readFileSync(logFile, 'utf8') };
  } finally {
    fs.closeSync(logFd);
    server.close();
  }
}
