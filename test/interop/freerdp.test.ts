/**
 * The command line against FreeRDP 2.x on 127.0.0.1: our `rdp-check` against
 * freerdp-shadow-cli, and xfreerdp against our `serve`. MS-RDPBCGR preamble, then MS-CSSP over
 * TLS with raw NTLMSSP inside, which is what FreeRDP speaks.
 */
import {
  describeWithFreerdp,
  freePort,
  makeTempHome,
  runCli,
  runXfreerdp,
  startServe,
  startShadow,
  startXvfb,
  stopAll,
  stopPeer,
  waitFor,
  writeSamFile,
  type Peer,
} from './peers-freerdp';

const USER = 'alice';
const PASSWORD = 'Rdp-Interop-Secret-7';
const WRONG_PASSWORD = 'not-the-password';

jest.setTimeout(120_000);

describeWithFreerdp('FreeRDP interop: credssp rdp-check and credssp serve', () => {
  let display: string;
  let home: ReturnType<typeof makeTempHome>;
  let samFile: string;

  beforeAll(async () => {
    home = makeTempHome();
    samFile = writeSamFile(home.path, USER, PASSWORD);
    display = (await startXvfb()).display;
  });

  afterAll(async () => {
    await stopAll();
    home?.remove();
  });

  describe('credssp rdp-check -> freerdp-shadow-cli /sec:nla', () => {
    let shadow: Peer;
    let port: number;
    beforeAll(async () => {
      port = await freePort();
      shadow = await startShadow({ display, home: home.path, port, samFile });
    });
    afterAll(async () => {
      if (shadow) await stopPeer(shadow);
    });

    test('the right password authenticates: exit 0', async () => {
      const run = await runCli(
        ['rdp-check', `127.0.0.1:${port}`, '-u', USER, '--password-stdin'],
        `${PASSWORD}\n`,
      );
      expect({ exit: run.exit, output: run.output }).toEqual({
        exit: 0,
        output: expect.stringContaining('NLA succeeded'),
      });
      expect(run.output).not.toContain(PASSWORD);
    });

    test('a wrong password is refused: exit 1', async () => {
      const run = await runCli(
        ['rdp-check', `127.0.0.1:${port}`, '-u', USER, '--password-stdin'],
        `${WRONG_PASSWORD}\n`,
      );
      expect({ exit: run.exit, output: run.output }).toEqual({
        exit: 1,
        output: expect.stringContaining('refuse'),
      });
      expect(run.output).not.toContain(WRONG_PASSWORD);
    });

    test('SPNEGO inside CredSSP, which shadow does not take: the message names its errorCode, not the password', async () => {
      const run = await runCli(
        ['rdp-check', `127.0.0.1:${port}`, '-u', USER, '--password-stdin', '--inner', 'spnego'],
        `${PASSWORD}\n`,
      );
      expect(run.exit).not.toBe(0);
      expect(run.output).not.toContain('Check the user name');
      expect(run.output).toContain('try --inner ntlm');
    });

    test('--json --verbose: one JSON line with what was negotiated, and each leg as demo prints them', async () => {
      const run = await runCli(
        ['rdp-check', `127.0.0.1:${port}`, '-u', USER, '--password-stdin', '--json', '--verbose'],
        `${PASSWORD}\n`,
      );
      const json = run.output.split('\n').filter((line) => line.startsWith('{'));
      expect({ exit: run.exit, json: json.map((line) => JSON.parse(line)) }).toEqual({
        exit: 0,
        json: [
          expect.objectContaining({
            event: 'rdp-check',
            result: 'success',
            status: 'SEC_E_OK',
            port,
            user: USER,
            version: expect.any(Number),
            inner: 'NTLM',
            certificate: expect.objectContaining({ sha256: expect.any(String) }),
          }),
        ],
      });
      const legs = run.output.split('\n').filter((line) => /^\s+\d+  (client|acceptor) /.test(line));
      expect(legs[0]).toMatch(
        /client -> acceptor\s+SEC_I_CONTINUE_NEEDED\s+\d+\s+TLS handshake: ClientHello/,
      );
      expect(legs[legs.length - 1]).toMatch(/client -> acceptor\s+SEC_E_OK\s+\d+\s+TSRequest authInfo/);
      expect(run.output).not.toContain(PASSWORD);
    });

    test('--json with a wrong password: one line, result "refused"; exit 1', async () => {
      const run = await runCli(
        ['rdp-check', `127.0.0.1:${port}`, '-u', USER, '--password-stdin', '--json'],
        `${WRONG_PASSWORD}\n`,
      );
      const json = run.output.split('\n').filter((line) => line.startsWith('{'));
      expect({ exit: run.exit, json: json.map((line) => JSON.parse(line)) }).toEqual({
        exit: 1,
        json: [
          expect.objectContaining({ event: 'rdp-check', result: 'refused', message: expect.any(String) }),
        ],
      });
      expect(run.output).not.toContain(WRONG_PASSWORD);
    });

    test('a port where nothing listens is a network error: exit 3', async () => {
      const closed = await freePort();
      const run = await runCli(
        ['rdp-check', `127.0.0.1:${closed}`, '-u', USER, '--password-stdin'],
        `${PASSWORD}\n`,
      );
      expect(run.exit).toBe(3);
    });
  });

  describe('xfreerdp +auth-only -> credssp serve', () => {
    let serve: Awaited<ReturnType<typeof startServe>>;
    beforeAll(async () => {
      serve = await startServe(samFile);
    });
    afterAll(async () => {
      if (serve) await stopPeer(serve.peer);
    });

    test('the right password: xfreerdp passes NLA and serve logs the delegated user', async () => {
      const before = serve.events().length;
      const client = await runXfreerdp({
        display,
        home: home.path,
        port: serve.port,
        user: USER,
        password: PASSWORD,
      });
      // No RDP follows NLA here, so xfreerdp fails afterwards: its exit code is not the verdict.
      expect(client.log).toContain('CONNECTION_STATE_NLA --> CONNECTION_STATE_MCS_CONNECT');
      const auth = await authEventsSince(serve, before);
      expect(auth).toEqual([
        expect.objectContaining({
          result: 'success',
          user: USER,
          version: 6,
          inner: 'NTLM',
          delegated: { type: 'password', user: USER, domain: expect.any(String) },
          remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
        }),
      ]);
      expect(serve.peer.output()).not.toContain(PASSWORD);
    });

    test('a wrong password: serve logs SEC_E_LOGON_DENIED and xfreerdp does not pass NLA', async () => {
      const before = serve.events().length;
      const client = await runXfreerdp({
        display,
        home: home.path,
        port: serve.port,
        user: USER,
        password: WRONG_PASSWORD,
      });
      expect(client.log).not.toContain('CONNECTION_STATE_NLA --> CONNECTION_STATE_MCS_CONNECT');
      expect(client.exit).not.toBe(0);
      const auth = await authEventsSince(serve, before);
      expect(auth).toEqual([expect.objectContaining({ result: 'SEC_E_LOGON_DENIED' })]);
      expect(serve.peer.output()).not.toContain(WRONG_PASSWORD);
    });
  });
});

/** The auth lines serve wrote after the first `before` lines, once at least one arrived. */
async function authEventsSince(
  serve: Awaited<ReturnType<typeof startServe>>,
  before: number,
): Promise<Record<string, unknown>[]> {
  const auth = () =>
    serve
      .events()
      .slice(before)
      .filter((e) => e.event === 'auth' || e.event === 'disconnect');
  await waitFor(() => auth().length > 0, 'credssp serve to log the connection', 10_000).catch(
    () => undefined,
  );
  return auth();
}
