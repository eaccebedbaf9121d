/**
 * `credssp serve` when its own CredSSP call is the slow part: the handshake timeout must cut the
 * connection on time and stop that call (its context deleted at once), and a failure that is the
 * client's own verdict (its TSRequest carried errorCode) is logged as such. acceptSecurityContext
 * is wrapped so a test can make one call hang or fail the way the package would.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as lib from '../../lib/index';
import { sspiError } from '../../lib/errors';
import type { CliIo } from '../../lib/cli/io';
import { startServe, type RunningServer } from '../../lib/cli/serve';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { nlaClient } from '../soak/rdp-client';

type Accept = typeof lib.acceptSecurityContext;
/** What the next acceptSecurityContext calls do instead of (or before) the real one. */
let around: ((real: Accept, opts: Parameters<Accept>[0], call: number) => ReturnType<Accept>) | undefined;
let calls = 0;

jest.mock('../../lib/index', () => {
  const actual = jest.requireActual<typeof lib>('../../lib/index');
  return {
    ...actual,
    acceptSecurityContext: (opts: Parameters<Accept>[0]) =>
      around ? around(actual.acceptSecurityContext, opts, ++calls) : actual.acceptSecurityContext(opts),
  };
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let dir: string;
let samFile: string;
let server: RunningServer | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'credssp-abort-'));
  samFile = join(dir, 'sam');
  writeFileSync(samFile, `alice:::${ntHashOf(Buffer.from('Passw0rd!', 'utf16le')).toString('hex')}:::\n`);
});

afterEach(async () => {
  around = undefined;
  calls = 0;
  await server?.close();
  server = undefined;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function serve(...options: string[]) {
  const lines: Array<Record<string, unknown> & { at: number }> = [];
  const io: CliIo = {
    out: (line) => lines.push({ ...(JSON.parse(line) as Record<string, unknown>), at: Date.now() }),
    err: () => undefined,
    stdin: Readable.from([]),
  };
  server = await startServe(['--port', '0', '--users', samFile, ...options], io);
  return { port: server.port, lines };
}

it('the handshake timeout fires on time while a CredSSP call runs, and that call is stopped: its context deleted at once, no call after it', async () => {
  const { port, lines } = await serve('--timeout', '2');
  let hungContext: lib.SecurityContext | null | undefined;
  let hungCall = 0;
  around = async (real, opts, call) => {
    // The first call on an existing context (the client's TLS key exchange) runs for 5 s, as a
    // call would that is waiting inside the package.
    if (opts.context && !hungCall) {
      hungCall = call;
      hungContext = opts.context;
      await sleep(5000);
    }
    return real(opts);
  };
  const started = Date.now();
  const client = nlaClient(port, 'Passw0rd!');
  for (let i = 0; i < 400 && !lines.some((l) => l.event === 'disconnect'); i++) await sleep(10);
  const validAtCut = hungContext?.isValid;
  const cut = lines.find((l) => l.event === 'disconnect');
  expect(cut).toEqual(expect.objectContaining({ reason: 'handshake timeout' }));
  // Due 2 s after the client's request arrived; before the fix it came with the call, at 5 s.
  expect(cut!.at - started).toBeLessThan(2800);
  expect(hungContext).toBeTruthy();
  expect(validAtCut).toBe(false);
  expect((await client).result).toMatch(/^network|SEC_E/);
  await sleep(3500);
  // The hung call came back after the cut: nothing ran after it.
  expect(calls).toBe(hungCall);
}, 15_000);

it('logs a client that sent errorCode as "client-error" with the code it sent, not as a refused logon', async () => {
  const { port, lines } = await serve();
  around = async (real, opts, call) => {
    if (call < 3) return real(opts);
    // What the package throws when the client's TSRequest carries errorCode (MS-CSSP 2.2.1).
    const error = sspiError(
      'SEC_E_LOGON_DENIED',
      'The CredSSP peer ended the exchange with errorCode 0xc000006d.',
    );
    error.peerStatus = 0xc000006d;
    throw error;
  };
  await nlaClient(port, 'Passw0rd!');
  for (let i = 0; i < 100 && !lines.some((l) => l.event === 'auth'); i++) await sleep(10);
  const auth = lines.filter((l) => l.event === 'auth');
  expect(auth).toEqual([expect.objectContaining({ result: 'client-error', peerStatus: '0xc000006d' })]);
  expect(JSON.stringify(auth)).not.toContain('LOGON_DENIED');
});
