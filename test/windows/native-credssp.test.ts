/**
 * On a real Windows runner only (.github/workflows/windows.yml): Secur32's CredSSP against the
 * emulated one, both ways, in one process (the `backend` option per credential), and single
 * sign-on with the runner's own logon. Needs CREDSSP_TEST_USER / _PASSWORD / _DOMAIN, a local
 * account the workflow creates. Skipped on other platforms.
 */
import * as api from '../../lib/index';
import type { CredentialsHandle, SecurityContext } from '../../lib/index';

const onWindows = process.platform === 'win32' && process.env.CREDSSP_TEST_USER !== undefined;
const describeWindows = onWindows ? describe : describe.skip;

const user = process.env.CREDSSP_TEST_USER ?? '';
const password = process.env.CREDSSP_TEST_PASSWORD ?? '';
const domain = process.env.CREDSSP_TEST_DOMAIN ?? '';

const ISC_FLAGS =
  api.ISC_REQ.DELEGATE |
  api.ISC_REQ.MUTUAL_AUTH |
  api.ISC_REQ.CONFIDENTIALITY |
  api.ISC_REQ.INTEGRITY |
  api.ISC_REQ.SEQUENCE_DETECT |
  api.ISC_REQ.REPLAY_DETECT |
  api.ISC_REQ.CONNECTION;
const ASC_FLAGS =
  api.ASC_REQ.CONFIDENTIALITY |
  api.ASC_REQ.INTEGRITY |
  api.ASC_REQ.SEQUENCE_DETECT |
  api.ASC_REQ.REPLAY_DETECT |
  api.ASC_REQ.CONNECTION;

/** ISC and ASC in turn until both sides are done; returns both contexts. */
async function handshake(client: CredentialsHandle, server: CredentialsHandle, targetName: string) {
  let clientContext: SecurityContext | null = null;
  let serverContext: SecurityContext | null = null;
  let token: Buffer | undefined;
  for (let leg = 0; leg < 12; leg++) {
    const isc = await api.initializeSecurityContext({
      credential: client,
      context: clientContext,
      targetName,
      flags: ISC_FLAGS,
      input: token,
    });
    clientContext = isc.context;
    if (isc.output.length === 0 && isc.status === api.SEC.E_OK) break;
    const asc = await api.acceptSecurityContext({
      credential: server,
      context: serverContext,
      flags: ASC_FLAGS,
      input: isc.output,
    });
    serverContext = asc.context;
    if (asc.status === api.SEC.E_OK && isc.status === api.SEC.E_OK) break;
    if (asc.status === api.SEC.E_OK && asc.output.length === 0) break;
    token = asc.output;
  }
  return { clientContext: clientContext!, serverContext: serverContext! };
}

async function roundTrip(from: SecurityContext, to: SecurityContext, text: string): Promise<string> {
  return (await api.decryptMessage(to, await api.encryptMessage(from, Buffer.from(text)))).toString();
}

describeWindows('native Secur32 on Windows', () => {
  test('the process default is the native backend', () => {
    expect(api.backend).toBe('native');
  });

  test.each(['NTLM', 'Negotiate'] as const)(
    '%s: explicit identity, native on both sides, messages both ways',
    async (pkg) => {
      const client = await api.acquireCredentialsHandle({
        package: pkg,
        use: 'outbound',
        identity: { user, domain, password },
      });
      const server = await api.acquireCredentialsHandle({ package: pkg, use: 'inbound' });
      const { clientContext, serverContext } = await handshake(client, server, `HOST/${domain}`);
      expect(await roundTrip(clientContext, serverContext, 'to the acceptor')).toBe('to the acceptor');
      expect(await roundTrip(serverContext, clientContext, 'to the initiator')).toBe('to the initiator');
      const names = await api.queryContextAttributes(serverContext, 'names');
      expect(String(names.user).toLowerCase()).toContain(user.toLowerCase());
    },
  );

  test('single sign-on: Negotiate with the logon’s own credentials', async () => {
    const client = await api.acquireCredentialsHandle({ package: 'Negotiate', use: 'outbound' });
    const server = await api.acquireCredentialsHandle({ package: 'Negotiate', use: 'inbound' });
    const { clientContext, serverContext } = await handshake(
      client,
      server,
      `HOST/${process.env.COMPUTERNAME}`,
    );
    expect(await roundTrip(clientContext, serverContext, 'sso')).toBe('sso');
  });

  test('native CredSSP client -> emulated CredSSP acceptor: the password is delegated', async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'outbound',
      identity: { user, domain, password },
    });
    const server = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'inbound',
      backend: 'emulated',
      emulated: { users: { [user]: password } },
    });
    const { serverContext } = await handshake(client, server, 'TERMSRV/localhost');
    const delegated = await api.queryContextAttributes(serverContext, 'delegatedCredentials');
    expect(delegated).toMatchObject({ user, domain });
  });

  test('emulated CredSSP client -> native CredSSP acceptor', async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'outbound',
      backend: 'emulated',
      identity: { user, domain, password },
    });
    const server = await api.acquireCredentialsHandle({ package: 'CredSSP', use: 'inbound' });
    const { clientContext, serverContext } = await handshake(client, server, 'TERMSRV/localhost');
    expect(await roundTrip(clientContext, serverContext, 'over TLS')).toBe('over TLS');
  });
});
