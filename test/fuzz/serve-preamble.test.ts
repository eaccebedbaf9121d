/**
 * `credssp serve` (in this process) against clients whose first bytes — the TPKT/X.224 Connection
 * Request — are damaged. Each connection is answered or closed within the handshake timeout,
 * no exception escapes the server, and a good client is still served afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { startServe, type RunningServer } from '../../lib/cli/serve';
import { PROTOCOL, encodeConnectionRequest } from '../../lib/cli/x224';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { nlaClient } from '../soak/rdp-client';
import { fcParams, runs, timeoutFor } from './support/budget';
import { tokenArb } from './support/mutate';

const TIMEOUT_S = 1;
const realProcess = (
  Module as unknown as { _load(request: string, parent: null, isMain: boolean): NodeJS.Process }
)._load('process', null, false);
const escaped: unknown[] = [];
const onEscape = (reason: unknown) => escaped.push(reason);

let dir: string;
let server: RunningServer;
const lines: string[] = [];

beforeAll(async () => {
  realProcess.on('unhandledRejection', onEscape);
  realProcess.on('uncaughtException', onEscape);
  dir = mkdtempSync(join(tmpdir(), 'credssp-fuzz-serve-'));
  const sam = join(dir, 'sam');
  writeFileSync(
    sam,
    `alice::aad3b435b51404eeaad3b435b51404ee:${ntHashOf(Buffer.from('Passw0rd!', 'utf16le')).toString('hex')}:::\n`,
  );
  server = await startServe(['--port', '0', '--users', sam, '--timeout', String(TIMEOUT_S)], {
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
    stdin: Readable.from([]),
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  realProcess.off('unhandledRejection', onEscape);
  realProcess.off('uncaughtException', onEscape);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Send `bytes`, then wait until the server closes; resolves the ms that took. */
function sendAndWaitForClose(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(Date.now() - started));
    setTimeout(
      () => {
        socket.destroy();
        reject(
          new Error(
            `the server kept a connection open ${TIMEOUT_S * 1000 + 3000} ms after ${bytes.toString('hex')}`,
          ),
        );
      },
      TIMEOUT_S * 1000 + 3000,
    );
  });
}

const seeds = [
  encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID | PROTOCOL.SSL, cookie: 'alice' }),
  encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID_EX }),
  encodeConnectionRequest({ requestedProtocols: PROTOCOL.SSL }),
];
const RUNS = 80;

it(
  'answers or closes every damaged preamble within the handshake timeout and keeps serving',
  async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tokenArb(seeds, 64), { minLength: 10, maxLength: 10 }), async (batch) => {
        // Ten at a time: the server handles them side by side, as it would a real burst.
        await Promise.all(batch.map((bytes) => sendAndWaitForClose(server.port, bytes)));
      }),
      fcParams(Math.ceil(RUNS / 10)),
    );
    expect(escaped).toEqual([]);
    expect((await nlaClient(server.port, 'Passw0rd!')).result).toBe('success');
    // Every line the server wrote is one JSON event.
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
  },
  timeoutFor(runs(RUNS), 400),
);
