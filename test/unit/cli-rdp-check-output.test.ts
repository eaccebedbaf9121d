/**
 * `credssp rdp-check --json` (one JSON line per outcome) and `--verbose` (each leg, as `demo`
 * prints them), against `credssp serve` in the same process through the emulated CredSSP package.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import { startServe, type RunningServer } from '../../lib/cli/serve';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { captureIo } from './support/capture-io';

const PASSWORD = 'Json-Check-Secret-7';

describe('credssp rdp-check --json and --verbose', () => {
  let dir: string;
  let running: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'credssp-rdp-check-'));
    const samFile = join(dir, 'sam');
    writeFileSync(samFile, `alice:::${ntHashOf(Buffer.from(PASSWORD, 'utf16le')).toString('hex')}:::\n`);
    running = await startServe(['--port', '0', '--users', samFile], captureIo());
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const check = (password: string, ...flags: string[]) => {
    const io = captureIo(`${password}\n`);
    const argv = ['rdp-check', `127.0.0.1:${running.port}`, '-u', 'alice', '-d', 'LAB', '--password-stdin'];
    return main([...argv, ...flags], io).then((code) => ({ code, io }));
  };

  it('--json: a success is exactly one JSON line on stdout, with the version and inner package', async () => {
    const { code, io } = await check(PASSWORD, '--json');
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0])).toEqual({
      event: 'rdp-check',
      result: 'success',
      status: 'SEC_E_OK',
      host: '127.0.0.1',
      port: running.port,
      target: 'TERMSRV/127.0.0.1',
      user: 'alice',
      domain: 'LAB',
      package: 'CredSSP',
      backend: 'emulated',
      version: 6,
      inner: 'NTLM',
      elapsedMs: expect.any(Number),
      certificate: {
        subject: expect.any(String),
        sha256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
      },
    });
    expect(io.all()).not.toContain(PASSWORD);
  });

  it('--json: a wrong password is one line with result "refused", the status and message; exit 1', async () => {
    const { code, io } = await check('wrong-password', '--json');
    expect(code).toBe(1);
    expect(io.stdout).toHaveLength(1);
    const line = JSON.parse(io.stdout[0]);
    expect(line).toEqual(
      expect.objectContaining({
        event: 'rdp-check',
        result: 'refused',
        status: 'SEC_E_LOGON_DENIED',
        peerStatus: expect.stringMatching(/^0x[0-9a-f]{8}$/),
        message: expect.stringMatching(/\S/),
        version: null,
        elapsedMs: expect.any(Number),
      }),
    );
    // main.ts still prints the error on stderr, as without --json.
    expect(io.stderr.join('\n')).toContain('SEC_E_LOGON_DENIED');
    expect(io.all()).not.toContain('wrong-password');
  });

  it('--json: nothing listening is one line with result "error" and no status; exit 3', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const io = captureIo(`${PASSWORD}\n`);
    expect(
      await main(['rdp-check', `127.0.0.1:${port}`, '-u', 'alice', '--password-stdin', '--json'], io),
    ).toBe(3);
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0])).toEqual(
      expect.objectContaining({
        result: 'error',
        status: null,
        port,
        message: expect.stringContaining(`${port}`),
      }),
    );
  });

  it('--verbose: each leg on stderr as demo prints them, then the usual verdict', async () => {
    const { code, io } = await check(PASSWORD, '--verbose');
    expect(code).toBe(0);
    const table = io.stderr.filter((l) => /^\s+\d+  /.test(l));
    expect(io.stderr).toContain(' leg  direction            status                   bytes  carries');
    expect(table[0]).toMatch(
      /^ {3}1 {2}client -> acceptor {3}SEC_I_CONTINUE_NEEDED\s+\d+ {2}TLS handshake: ClientHello$/,
    );
    // The server's status is not ours to know: its legs show "-".
    expect(table[1]).toMatch(/^ {3}2 {2}acceptor -> client {3}- +\d+ {2}TLS handshake: ServerHello/);
    expect(table[table.length - 1]).toMatch(/client -> acceptor\s+SEC_E_OK\s+\d+\s+TSRequest authInfo/);
    expect(table[table.length - 2]).toMatch(/acceptor -> client\s+-\s+\d+\s+TSRequest pubKeyAuth/);
    expect(table).toHaveLength(9);
    expect(io.stdout[0]).toContain('NLA succeeded: LAB\\alice');
  });

  it('--verbose after a refusal: the legs reached, shown as TLS records (no TSRequest labels guessed)', async () => {
    const { code, io } = await check('wrong-password', '--verbose');
    expect(code).toBe(1);
    const table = io.stderr.filter((l) => /^\s+\d+  /.test(l));
    expect(table.length).toBeGreaterThanOrEqual(6);
    expect(table.join('\n')).not.toContain('TSRequest');
    expect(table[table.length - 1]).toMatch(/acceptor -> client\s+-\s+\d+\s+TLS: 1 encrypted record/);
  });

  it('--json --verbose: stdout holds only the JSON line, the legs go to stderr', async () => {
    const { code, io } = await check(PASSWORD, '--json', '--verbose');
    expect(code).toBe(0);
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0]).result).toBe('success');
    expect(io.stderr.filter((l) => /^\s+\d+  /.test(l))).toHaveLength(9);
  });
});
