/**
 * On a real Windows runner only (.github/workflows/windows.yml): Secur32's CredSSP, Negotiate and
 * NTLM in both roles, against each other and against the emulated backend in one process; the
 * acceptor certificate from the store and from a PFX; stream decrypt edge cases; impersonation;
 * threads and handle counts. Needs the account, certificate and file the workflow creates
 * (test/windows/helpers.ts lists the variables). Skipped elsewhere.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Worker } from 'node:worker_threads';
import * as api from '../../lib/index';
import {
  CREDSSP_ASC_FLAGS,
  MESSAGE_ASC_FLAGS,
  MESSAGE_ISC_FLAGS,
  account,
  certificate,
  credsspIscFlags,
  describeWindows,
  handshake,
  roundTrip,
} from './helpers';

const { user, password, domain } = account;
const storeTls = { store: 'My', location: 'LocalMachine' as const, thumbprint: certificate.thumbprint };
const pfxTls = () => ({ pfx: fs.readFileSync(certificate.pfxPath), password: certificate.pfxPassword });

function nativeAcceptor(tls: object) {
  return api.acquireCredentialsHandle({ package: 'CredSSP', use: 'inbound', native: { tls } } as never);
}
function emulatedClient() {
  return api.acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    backend: 'emulated',
    identity: { user, domain, password },
    // ISC_REQ_MUTUAL_AUTH: the emulated client checks the acceptor's certificate against this.
    emulated: { credssp: { ca: fs.readFileSync(certificate.pemPath) } },
  });
}

/** The PE machine field of a DLL (IMAGE_FILE_HEADER.Machine). */
function peMachine(file: string): number {
  const image = fs.readFileSync(file);
  const pe = image.readUInt32LE(0x3c);
  expect(image.toString('latin1', pe, pe + 4)).toBe('PE\0\0');
  return image.readUInt16LE(pe + 4);
}

function processHandleCount(): number {
  const out = execFileSync('powershell', [
    '-NoProfile',
    '-Command',
    `(Get-Process -Id ${process.pid}).HandleCount`,
  ]);
  return Number(out.toString().trim());
}

describeWindows('native Secur32 on Windows', () => {
  test('the process default is the native backend, built for this architecture', () => {
    expect(api.backend).toBe('native');
    expect(process.arch).toBe(process.env.CREDSSP_TEST_ARCH);
    const machine = { x64: 0x8664, arm64: 0xaa64 }[process.arch as 'x64' | 'arm64'];
    expect(peMachine(path.join(__dirname, '../../build/Release/credssp.node'))).toBe(machine);
  });

  test.each(['NTLM', 'Negotiate'] as const)('%s: native on both sides, messages both ways', async (pkg) => {
    const client = await api.acquireCredentialsHandle({ package: pkg, use: 'outbound', identity: account });
    const server = await api.acquireCredentialsHandle({ package: pkg, use: 'inbound' });
    const { clientContext, serverContext } = await handshake(
      client,
      server,
      `HOST/${domain}`,
      MESSAGE_ISC_FLAGS,
      MESSAGE_ASC_FLAGS,
    );
    expect((await roundTrip(clientContext, serverContext, Buffer.from('to the acceptor'))).toString()).toBe(
      'to the acceptor',
    );
    expect((await roundTrip(serverContext, clientContext, Buffer.from('to the initiator'))).toString()).toBe(
      'to the initiator',
    );
    const names = await api.queryContextAttributes(serverContext, 'names');
    expect(String(names.user).toLowerCase()).toContain(user.toLowerCase());
  });

  test('a wrong password is SEC_E_LOGON_DENIED', async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { ...account, password: `${password}-wrong` },
    });
    const server = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'inbound' });
    await expect(
      handshake(client, server, 'HOST/localhost', MESSAGE_ISC_FLAGS, MESSAGE_ASC_FLAGS),
    ).rejects.toMatchObject({ code: 'SEC_E_LOGON_DENIED' });
  });

  test('single sign-on: Negotiate with the logon’s own credentials', async () => {
    const client = await api.acquireCredentialsHandle({ package: 'Negotiate', use: 'outbound' });
    const server = await api.acquireCredentialsHandle({ package: 'Negotiate', use: 'inbound' });
    const { clientContext, serverContext } = await handshake(
      client,
      server,
      `HOST/${process.env.COMPUTERNAME}`,
      MESSAGE_ISC_FLAGS,
      MESSAGE_ASC_FLAGS,
    );
    expect((await roundTrip(clientContext, serverContext, Buffer.from('sso'))).toString()).toBe('sso');
  });

  test.each([
    ['the store certificate', () => storeTls],
    ['a PFX', pfxTls],
  ])('native CredSSP in both roles, the acceptor presenting %s', async (_label, tls) => {
    const client = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'outbound',
      identity: account,
    });
    const server = await nativeAcceptor(tls());
    const { clientContext, serverContext, accepted } = await handshake(
      client,
      server,
      'TERMSRV/localhost',
      credsspIscFlags(false),
      CREDSSP_ASC_FLAGS,
    );
    expect(api.credentialsDelegated(accepted)).toBe(true);
    expect((await roundTrip(clientContext, serverContext, Buffer.from('native both ways'))).toString()).toBe(
      'native both ways',
    );
  });

  test('single sign-on over native CredSSP (default credentials, AllowDefaultCredentialsWhenNTLMOnly)', async () => {
    const client = await api.acquireCredentialsHandle({ package: 'CredSSP', use: 'outbound' });
    const server = await nativeAcceptor(storeTls);
    const { serverContext } = await handshake(
      client,
      server,
      'TERMSRV/localhost',
      credsspIscFlags(false),
      CREDSSP_ASC_FLAGS,
    );
    expect(serverContext.isValid).toBe(true);
  });

  test('native CredSSP client -> emulated acceptor: the password is delegated; its TLS 1.3 ticket is absorbed', async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'outbound',
      identity: account,
    });
    const server = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'inbound',
      backend: 'emulated',
      emulated: { users: { [user]: password } },
    });
    const { clientContext, serverContext } = await handshake(
      client,
      server,
      'TERMSRV/localhost',
      credsspIscFlags(false),
      CREDSSP_ASC_FLAGS,
    );
    expect(await api.queryContextAttributes(serverContext, 'delegatedCredentials')).toMatchObject({
      user,
      domain,
    });
    // The emulated acceptor's first records after the handshake carry its NewSessionTicket:
    // Schannel answers SEC_I_RENEGOTIATE, which the addon feeds back to ISC before decrypting on.
    expect((await roundTrip(serverContext, clientContext, Buffer.from('after the ticket'))).toString()).toBe(
      'after the ticket',
    );
  });

  describe.each([
    ['MUTUAL_AUTH on (the client trusts the CA)', true],
    ['MUTUAL_AUTH off', false],
  ])('emulated CredSSP client -> native acceptor, %s', (_label, mutualAuth) => {
    test.each([
      ['the store certificate', () => storeTls],
      ['a PFX', pfxTls],
    ])('with %s: stream decrypt of large, several and partial records', async (_cert, tls) => {
      const client = await emulatedClient();
      const server = await nativeAcceptor(tls());
      const { clientContext, serverContext, accepted } = await handshake(
        client,
        server,
        'TERMSRV/localhost',
        credsspIscFlags(mutualAuth),
        CREDSSP_ASC_FLAGS,
      );
      expect(api.credentialsDelegated(accepted)).toBe(true);
      // Over 16 KiB: several TLS records from one encryptMessage.
      const large = Buffer.alloc(40_000, 'x');
      expect((await roundTrip(clientContext, serverContext, large)).equals(large)).toBe(true);
      // Several records in one input.
      const first = await api.encryptMessage(clientContext, Buffer.from('one,'));
      const second = await api.encryptMessage(clientContext, Buffer.from('two'));
      expect((await api.decryptMessage(serverContext, Buffer.concat([first, second]))).toString()).toBe(
        'one,two',
      );
      // A complete record then a partial one: the first's plaintext is kept.
      const third = await api.encryptMessage(clientContext, Buffer.from('three'));
      const fourth = await api.encryptMessage(clientContext, Buffer.from('four'));
      const input = Buffer.concat([third, fourth.subarray(0, 10)]);
      const partial = await api.decryptMessage(serverContext, input).catch((err: unknown) => err);
      expect(partial).toMatchObject({ code: 'SEC_E_INCOMPLETE_MESSAGE', consumed: third.length });
      expect((partial as { data: Buffer }).data.toString()).toBe('three');
      expect((partial as { missing: number }).missing).toBeGreaterThan(0);
      expect((await api.decryptMessage(serverContext, fourth)).toString()).toBe('four');
    });
  });

  test('impersonation of the delegated user reaches a file only that user may read', async () => {
    const file = process.env.CREDSSP_TEST_USER_ONLY_FILE ?? '';
    expect(() => fs.readFileSync(file)).toThrow(); // not as the runner's account
    const client = await emulatedClient();
    const server = await nativeAcceptor(storeTls);
    const { serverContext } = await handshake(
      client,
      server,
      'TERMSRV/localhost',
      credsspIscFlags(true),
      CREDSSP_ASC_FLAGS,
    );
    const text = await api.impersonateSecurityContext(serverContext, () => fs.readFileSync(file, 'utf8'));
    expect(text.trim()).toBe('only the test user');
    expect(() => fs.readFileSync(file)).toThrow(); // reverted
  });

  test("the acceptor's access token names the client, holds its groups, and closes once", async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: account,
    });
    const server = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'inbound' });
    const { serverContext } = await handshake(
      client,
      server,
      'HOST/localhost',
      MESSAGE_ISC_FLAGS,
      MESSAGE_ASC_FLAGS,
    );
    const token = await api.querySecurityContextToken(serverContext);
    expect(token.user.name?.toLowerCase()).toBe(user.toLowerCase());
    expect(token.user.domain?.toLowerCase()).toBe(domain.toLowerCase());
    expect(token.user).toMatchObject({ sid: expect.stringMatching(/^S-1-5-21-/), type: 'user' });
    // SSPI's acceptor tokens are impersonation tokens; either way the level goes with the type.
    expect(token.impersonationLevel === null).toBe(token.tokenType === 'primary');
    // A network logon: Everyone, Users and NETWORK, all enabled; not an administrator.
    for (const sid of ['S-1-1-0', 'S-1-5-32-545', 'S-1-5-2']) {
      expect(token.groups).toContainEqual(expect.objectContaining({ sid, enabled: true }));
      await expect(token.isMember(sid)).resolves.toBe(true);
    }
    await expect(token.isMember('S-1-5-32-544')).resolves.toBe(false);
    await expect(token.isMember('S-1-5-18')).resolves.toBe(false);
    // The token is a copy: it outlives the context.
    await api.deleteSecurityContext(serverContext);
    await expect(token.isMember('S-1-1-0')).resolves.toBe(true);
    await token.close();
    await expect(token.close()).rejects.toMatchObject({ code: 'SEC_E_INVALID_HANDLE' });
    await expect(token.isMember('S-1-1-0')).rejects.toMatchObject({ code: 'SEC_E_INVALID_HANDLE' });
  });

  test('the access token of a CredSSP acceptor the client delegated to', async () => {
    const client = await emulatedClient();
    const server = await nativeAcceptor(storeTls);
    const { serverContext } = await handshake(
      client,
      server,
      'TERMSRV/localhost',
      credsspIscFlags(true),
      CREDSSP_ASC_FLAGS,
    );
    const token = await api.querySecurityContextToken(serverContext);
    expect(token.user.name?.toLowerCase()).toBe(user.toLowerCase());
    // The logon CredSSP made from the delegated password can act as the user (the reason for
    // CredSSP): not an identification-only or anonymous token.
    expect(['identification', 'anonymous']).not.toContain(token.impersonationLevel);
    await expect(token.isMember('S-1-1-0')).resolves.toBe(true);
    await token.close();
  });

  test('1,000 tokens closed, and 200 forgotten ones collected, leave the handle count where it was', async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: account,
    });
    const server = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'inbound' });
    const { serverContext } = await handshake(
      client,
      server,
      'HOST/localhost',
      MESSAGE_ISC_FLAGS,
      MESSAGE_ASC_FLAGS,
    );
    const query = () => api.querySecurityContextToken(serverContext);
    for (let i = 0; i < 20; i++) await (await query()).close();
    const before = processHandleCount();
    for (let i = 0; i < 1000; i++) await (await query()).close();
    expect(processHandleCount() - before).toBeLessThan(50);
    // Forgotten: dropped unclosed; the finalizer hands them to the release thread.
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    for (let i = 0; i < 200; i++) await query();
    for (let i = 0; i < 20; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(processHandleCount() - before).toBeLessThan(50);
  }, 120_000);

  test('worker threads load the addon and run legs', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const api = require(workerData.index);
      (async () => {
        const credential = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'outbound', identity: workerData.account });
        const leg = await api.initializeSecurityContext({ credential, flags: workerData.flags });
        await api.deleteSecurityContext(leg.context);
        await api.freeCredentialsHandle(credential);
        parentPort.postMessage({ backend: api.backend, status: leg.statusName });
      })().catch((err) => parentPort.postMessage({ error: String(err) }));`;
    const index = path.join(__dirname, '../../dist/index.js');
    const run = () =>
      new Promise((resolve, reject) => {
        const worker = new Worker(source, {
          eval: true,
          workerData: { index, account, flags: MESSAGE_ISC_FLAGS },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    expect(await Promise.all([run(), run()])).toEqual([
      { backend: 'native', status: 'SEC_I_CONTINUE_NEEDED' },
      { backend: 'native', status: 'SEC_I_CONTINUE_NEEDED' },
    ]);
  });

  test('delete while a leg is in flight: the leg completes, the context is then invalid', async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: account,
    });
    const server = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'inbound' });
    const first = await api.initializeSecurityContext({ credential: client, flags: MESSAGE_ISC_FLAGS });
    const challenge = await api.acceptSecurityContext({
      credential: server,
      flags: MESSAGE_ASC_FLAGS,
      input: first.output,
    });
    const inFlight = api.initializeSecurityContext({
      credential: client,
      context: first.context,
      flags: MESSAGE_ISC_FLAGS,
      input: challenge.output,
    });
    await api.deleteSecurityContext(first.context);
    await inFlight.catch(() => undefined);
    await expect(api.deleteSecurityContext(first.context)).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
    await api.deleteSecurityContext(challenge.context);
  });

  test('1,000 contexts leave the process handle count where it was', async () => {
    const credential = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: account,
    });
    const round = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const leg = await api.initializeSecurityContext({
          credential,
          targetName: 'HOST/localhost',
          flags: MESSAGE_ISC_FLAGS,
        });
        await api.deleteSecurityContext(leg.context);
      }
    };
    await round(50);
    const before = processHandleCount();
    await round(1000);
    expect(processHandleCount() - before).toBeLessThan(50);
  }, 120_000);
});
