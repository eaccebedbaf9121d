/**
 * The `credssp` command line, run in-process: usage and exit codes, the RDP preamble both ways
 * against scripted peers, and rdp-check against serve through the emulated CredSSP package.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import { startServe, type RunningServer } from '../../lib/cli/serve';
import { encodeConnectionConfirm, encodeConnectionRequest, NEG_FAILURE, PROTOCOL } from '../../lib/cli/x224';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { captureIo } from './support/capture-io';

const PASSWORD = 'Cli-Test-Secret-42';

/** A TCP server that records what the client sent and answers with `reply` (or closes). */
async function scriptedServer(
  reply: (received: Buffer, socket: Socket) => void,
): Promise<{ port: number; server: Server; received: () => Buffer }> {
  let received = Buffer.alloc(0);
  const server = createServer((socket) => {
    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
      reply(received, socket);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server, received: () => received };
}

describe('credssp usage', () => {
  it.each([
    [[], 'no command given'],
    [['frobnicate'], 'unknown command'],
    [['rdp-check'], 'exactly one HOST'],
    [['rdp-check', 'host'], '-u USER'],
    [['rdp-check', 'host', 'extra', '-u', 'a'], 'exactly one HOST'],
    [['rdp-check', 'host:99999', '-u', 'a', '--password-stdin'], 'not a TCP port'],
    [['rdp-check', 'host', '-u', 'a', '--inner', 'kerberos', '--password-stdin'], '--inner'],
    [['rdp-check', 'host', '-u', 'a', '--bogus'], "Unknown option '--bogus'"],
    [['serve'], '--users FILE'],
    [['serve', '--users', '/nonexistent/sam'], 'SAM file'],
    [['serve', '--users', 'x', 'stray'], 'no arguments'],
    [['serve', '--users', 'x', '--idle-timeout', 'soon'], '--idle-timeout takes a number of seconds'],
    [['serve', '--users', 'x', '--max-handshakes', '0'], '--max-handshakes takes a whole number'],
    [['demo', 'extra'], 'no arguments'],
  ])('%j exits 2 with a message and the usage on stderr', async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr.join('\n')).toContain(message);
    expect(io.stderr.join('\n')).toMatch(/usage: credssp/);
    expect(io.stdout).toEqual([]);
  });

  it.each([['-p', PASSWORD], [`-p${PASSWORD}`], ['--password', PASSWORD], [`--password=${PASSWORD}`]])(
    'never takes a password from argv (%s) and never echoes it',
    async (...passwordArgs) => {
      const io = captureIo();
      expect(await main(['rdp-check', '127.0.0.1', '-u', 'alice', ...passwordArgs], io)).toBe(2);
      expect(io.all()).toContain('never taken from the command line');
      expect(io.all()).not.toContain(PASSWORD);
    },
  );

  it('without --password-stdin and without a terminal, says how to pass the password', async () => {
    const io = captureIo();
    const isTTY = process.stdin.isTTY;
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    try {
      expect(await main(['rdp-check', '127.0.0.1:1', '-u', 'alice'], io)).toBe(2);
    } finally {
      Object.defineProperty(process.stdin, 'isTTY', { value: isTTY, configurable: true });
    }
    expect(io.stderr.join('\n')).toContain('--password-stdin');
  });

  it('--help prints the usage and exits 0', async () => {
    const io = captureIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toMatch(/rdp-check HOST\[:PORT\] -u USER/);
    const sub = captureIo();
    expect(await main(['serve', '--help'], sub)).toBe(0);
    expect(sub.stdout.join('\n')).toContain('--users FILE');
  });
});

describe('credssp rdp-check: the RDP preamble', () => {
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function check(reply: Parameters<typeof scriptedServer>[0]) {
    const scripted = await scriptedServer(reply);
    servers.push(scripted.server);
    const io = captureIo(`${PASSWORD}\n`);
    const code = await main(
      ['rdp-check', `127.0.0.1:${scripted.port}`, '-u', 'alice', '--password-stdin', '--timeout', '5'],
      io,
    );
    return { code, io, received: scripted.received() };
  }

  it('sends a Connection Request for HYBRID|SSL with the mstshash cookie', async () => {
    const { received } = await check((_data, socket) => socket.destroy());
    expect(received).toEqual(
      encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID | PROTOCOL.SSL, cookie: 'alice' }),
    );
  });

  it('exits 3 when the server refuses the negotiation (RDP_NEG_FAILURE)', async () => {
    const { code, io } = await check((_d, socket) =>
      socket.end(encodeConnectionConfirm({ failureCode: NEG_FAILURE.SSL_NOT_ALLOWED_BY_SERVER })),
    );
    expect(code).toBe(3);
    expect(io.stderr.join('\n')).toContain('SSL_NOT_ALLOWED_BY_SERVER');
  });

  it('exits 3 when the server selects TLS without NLA', async () => {
    const { code, io } = await check((_d, socket) =>
      socket.end(encodeConnectionConfirm({ selectedProtocol: PROTOCOL.SSL })),
    );
    expect(code).toBe(3);
    expect(io.stderr.join('\n')).toContain('PROTOCOL_SSL');
  });

  it('exits 3 on a reply that is not an X.224 confirm', async () => {
    const { code, io } = await check((_d, socket) =>
      socket.end(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')),
    );
    expect(code).toBe(3);
    expect(io.stderr.join('\n')).toContain('SEC_E_INVALID_TOKEN');
  });

  it('exits 3 when nothing listens, and 3 when the server closes during TLS', async () => {
    const closed = await scriptedServer(() => undefined);
    const { port } = closed;
    await new Promise((r) => closed.server.close(r));
    const io = captureIo(`${PASSWORD}\n`);
    expect(await main(['rdp-check', `127.0.0.1:${port}`, '-u', 'alice', '--password-stdin'], io)).toBe(3);
    expect(io.stderr.join('\n')).toContain(`127.0.0.1:${port}`);

    let confirmed = false;
    const { code } = await check((_d, socket) => {
      if (!confirmed) {
        confirmed = true;
        socket.write(encodeConnectionConfirm({ selectedProtocol: PROTOCOL.HYBRID }));
      } else socket.destroy();
    });
    expect(code).toBe(3);
  });
});

describe('credssp serve: the RDP preamble', () => {
  let dir: string;
  let running: RunningServer;
  let io: ReturnType<typeof captureIo>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'credssp-cli-'));
    const samFile = join(dir, 'sam');
    writeFileSync(samFile, `alice:::${ntHashOf(Buffer.from(PASSWORD, 'utf16le')).toString('hex')}:::\n`);
    io = captureIo();
    running = await startServe(['--port', '0', '--users', samFile, '--timeout', '0.5'], io);
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Send `bytes`, collect the answer until the server closes or `enough` bytes arrived. */
  function exchange(bytes: Buffer, enough = Infinity): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const socket = connect(running.port, '127.0.0.1', () => socket.write(bytes));
      let answer = Buffer.alloc(0);
      socket.on('data', (d) => {
        answer = Buffer.concat([answer, d]);
        if (answer.length >= enough) socket.destroy();
      });
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  it('announces where it listens', () => {
    expect(JSON.parse(io.stdout[0])).toEqual({ event: 'listening', host: '127.0.0.1', port: running.port });
  });

  it('answers a request for HYBRID with the 19-byte confirm selecting HYBRID', async () => {
    const request = encodeConnectionRequest({
      requestedProtocols: PROTOCOL.HYBRID | PROTOCOL.SSL,
      cookie: 'x',
    });
    const answer = await exchange(request, 19);
    expect(answer).toEqual(Buffer.from('030000130ed00000123400020008000200000000', 'hex').subarray(0, 19));
  });

  it('answers a request without HYBRID with HYBRID_REQUIRED_BY_SERVER and logs it', async () => {
    const answer = await exchange(encodeConnectionRequest({ requestedProtocols: PROTOCOL.SSL }));
    expect(answer).toEqual(encodeConnectionConfirm({ failureCode: NEG_FAILURE.HYBRID_REQUIRED_BY_SERVER }));
    expect(io.stdout.map((l) => JSON.parse(l))).toContainEqual(
      expect.objectContaining({ event: 'refused', reason: 'HYBRID_REQUIRED_BY_SERVER' }),
    );
  });

  it('cuts off a client that stalls after the preamble at the handshake timeout', async () => {
    const started = Date.now();
    const request = encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID });
    expect((await exchange(request)).length).toBe(19);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    const last = JSON.parse(io.stdout[io.stdout.length - 1]);
    expect(last).toEqual(expect.objectContaining({ event: 'disconnect', reason: 'handshake timeout' }));
  });

  it('closes on a malformed request and logs why, without an auth line', async () => {
    const answer = await exchange(Buffer.from('03000008deadbeef', 'hex'));
    expect(answer.length).toBe(0);
    const last = JSON.parse(io.stdout[io.stdout.length - 1]);
    expect(last).toEqual(expect.objectContaining({ event: 'disconnect' }));
    expect(last.reason).toContain('SEC_E_INVALID_TOKEN');
  });
});

describe('credssp rdp-check -> credssp serve (emulated CredSSP both sides)', () => {
  let dir: string;
  let running: RunningServer;
  let serveIo: ReturnType<typeof captureIo>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'credssp-cli-'));
    const samFile = join(dir, 'sam');
    writeFileSync(samFile, `alice:::${ntHashOf(Buffer.from(PASSWORD, 'utf16le')).toString('hex')}:::\n`);
    serveIo = captureIo();
    running = await startServe(['--port', '0', '--users', samFile], serveIo);
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const authLines = () => serveIo.stdout.map((l) => JSON.parse(l)).filter((e) => e.event === 'auth');

  async function waitForAuthLines(count: number) {
    for (let i = 0; i < 100 && authLines().length < count; i++) await new Promise((r) => setTimeout(r, 20));
    return authLines();
  }

  it('the right password: exit 0, and serve logs one success line with the delegated user', async () => {
    const io = captureIo(`${PASSWORD}\n`);
    const code = await main(
      ['rdp-check', `127.0.0.1:${running.port}`, '-u', 'alice', '--password-stdin'],
      io,
    );
    expect({ code, stderr: io.stderr }).toEqual({ code: 0, stderr: expect.any(Array) });
    expect(io.stdout.join('\n')).toContain('NLA succeeded');
    const [line] = await waitForAuthLines(1);
    expect(line).toEqual({
      event: 'auth',
      result: 'success',
      user: 'alice',
      domain: '',
      version: 6,
      inner: 'NTLM',
      delegated: { type: 'password', user: 'alice', domain: '' },
      remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });
    expect(io.all() + serveIo.all()).not.toContain(PASSWORD);
  });

  it('a wrong password: exit 1, and serve logs SEC_E_LOGON_DENIED', async () => {
    const io = captureIo('wrong-password\n');
    const code = await main(
      ['rdp-check', `127.0.0.1:${running.port}`, '-u', 'alice', '--password-stdin'],
      io,
    );
    expect({ code, stderr: io.stderr.join('\n') }).toEqual({
      code: 1,
      stderr: expect.stringContaining('SEC_E_LOGON_DENIED'),
    });
    const lines = await waitForAuthLines(2);
    expect(lines[1]).toEqual(expect.objectContaining({ event: 'auth', result: 'SEC_E_LOGON_DENIED' }));
    expect(serveIo.all()).not.toContain('wrong-password');
  });

  it('a wrong password with SPNEGO inside (--inner spnego): exit 1, SEC_E_LOGON_DENIED on both sides', async () => {
    // The acceptor's refusal must reach the client inside TLS (a TSRequest errorCode), not as a
    // bare SPNEGO reject the client cannot read (which ended in exit 3, SEC_E_INVALID_TOKEN).
    const before = authLines().length;
    const io = captureIo('wrong-password\n');
    const code = await main(
      ['rdp-check', `127.0.0.1:${running.port}`, '-u', 'alice', '--password-stdin', '--inner', 'spnego'],
      io,
    );
    expect({ code, stderr: io.stderr.join('\n') }).toEqual({
      code: 1,
      stderr: expect.stringContaining('SEC_E_LOGON_DENIED'),
    });
    const lines = await waitForAuthLines(before + 1);
    expect(lines[before]).toEqual(expect.objectContaining({ event: 'auth', result: 'SEC_E_LOGON_DENIED' }));
  });

  it('SPNEGO inside CredSSP works too (--inner spnego)', async () => {
    const io = captureIo(`${PASSWORD}\n`);
    const code = await main(
      ['rdp-check', `127.0.0.1:${running.port}`, '-u', 'alice', '--password-stdin', '--inner', 'spnego'],
      io,
    );
    expect({ code, stderr: io.stderr }).toEqual({ code: 0, stderr: expect.any(Array) });
  });
});

describe('credssp demo', () => {
  it('prints each leg, ends with the delegated user, and prints no secret', async () => {
    const io = captureIo();
    expect(await main(['demo'], io)).toBe(0);
    const text = io.stdout.join('\n');
    expect(text).toMatch(/client -> acceptor\s+SEC_I_CONTINUE_NEEDED\s+\d+\s+TLS handshake: ClientHello/);
    expect(text).toMatch(/acceptor -> client\s+SEC_I_CONTINUE_NEEDED\s+\d+\s+TLS handshake: ServerHello/);
    expect(text).toMatch(/client -> acceptor\s+SEC_E_OK\s+\d+\s+TSRequest authInfo/);
    expect(text).toContain('delegated: password credentials of DEMO\\demo (secret not shown)');
    expect(io.stderr).toEqual([]);
  });
});
