/**
 * Kerberos through the public API without MIT: the test's own KDC (support/fake-kdc.ts) answers
 * on a UDP port of 127.0.0.1, and the service's keys are a keytab made here. What it pins:
 * package Kerberos and Negotiate choosing Kerberos ours ↔ ours; tickets cached per handle;
 * a forwarded TGT as a ccache; an unconfigured Negotiate's first token unchanged, and a
 * configured one whose KDC is down falling back to exactly that NTLM token; the errors.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ASC_RET,
  ISC_REQ,
  credentialsDelegated,
  acceptSecurityContext,
  acquireCredentialsHandle,
  decryptMessage,
  encryptMessage,
  freeCredentialsHandle,
  initializeSecurityContext,
  queryContextAttributes,
  type AcquireCredentialsOptions,
  type CredentialsHandle,
} from '../../lib';
import { Enctype } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { parseCcache, wipeCcache } from '../../lib/emulated/mechanisms/kerberos/files/ccache';
import { encodeKeytab } from '../../lib/emulated/mechanisms/kerberos/files/keytab';
import { NameType } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { FakeKdc } from './support/fake-kdc';

const REALM = 'FAKE.TEST';
const SPN = 'HTTP/web.fake.test';
const PASSWORD = 'alice-password';
const FLAGS = ISC_REQ.MUTUAL_AUTH | ISC_REQ.CONFIDENTIALITY | ISC_REQ.INTEGRITY;

let kdc: FakeKdc;
let socket: Socket;
let kdcAddress = '';
let keytab: Buffer;
const handles: CredentialsHandle[] = [];

beforeAll(async () => {
  kdc = new FakeKdc(REALM);
  kdc.users.set('alice', { password: PASSWORD, etypes: [Enctype.AES256_CTS_HMAC_SHA1_96] });
  const serviceKey = randomBytes(32);
  kdc.services.set(SPN, serviceKey);
  keytab = encodeKeytab([
    {
      principal: { nameType: NameType.SRV_INST, nameString: SPN.split('/') },
      realm: REALM,
      timestamp: new Date(Math.floor(Date.now() / 1000) * 1000),
      kvno: 1,
      key: { keyType: Enctype.AES256_CTS_HMAC_SHA1_96, keyValue: serviceKey },
    },
  ]);
  socket = createSocket('udp4');
  socket.on('message', (message, peer) => socket.send(kdc.handle(message), peer.port, peer.address));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  kdcAddress = `127.0.0.1:${socket.address().port}`;
});
afterEach(async () => {
  await Promise.all(handles.splice(0).map((handle) => freeCredentialsHandle(handle)));
});
afterAll(() => new Promise<void>((resolve) => socket.close(() => resolve())));

async function acquire(opts: AcquireCredentialsOptions): Promise<CredentialsHandle> {
  const handle = await acquireCredentialsHandle(opts);
  handles.push(handle);
  return handle;
}

const client = (pkg: 'Kerberos' | 'Negotiate', kdcOption?: string) =>
  acquire({
    package: pkg,
    use: 'outbound',
    identity: { user: 'alice', domain: REALM, password: PASSWORD },
    emulated: kdcOption === undefined ? {} : { kerberos: { kdc: kdcOption } },
  });
const server = (pkg: 'Kerberos' | 'Negotiate', users = false) =>
  acquire({
    package: pkg,
    use: 'inbound',
    emulated: { kerberos: { keytab }, ...(users ? { users: { alice: PASSWORD } } : {}) },
  });

/** ISC/ASC until both are done; the two contexts. */
async function handshake(initiator: CredentialsHandle, acceptor: CredentialsHandle, flags = FLAGS) {
  let c = await initializeSecurityContext({ credential: initiator, targetName: SPN, flags });
  let s = await acceptSecurityContext({ credential: acceptor, flags: 0, input: c.output });
  while (c.statusName !== 'SEC_E_OK' || s.statusName !== 'SEC_E_OK') {
    if (s.output.length === 0) break;
    c = await initializeSecurityContext({
      credential: initiator,
      context: c.context,
      targetName: SPN,
      flags,
      input: s.output,
    });
    if (c.output.length === 0) break;
    s = await acceptSecurityContext({ credential: acceptor, context: s.context, flags: 0, input: c.output });
  }
  expect([c.statusName, s.statusName]).toEqual(['SEC_E_OK', 'SEC_E_OK']);
  const message = Buffer.from('sealed');
  expect(await decryptMessage(s.context, await encryptMessage(c.context, message))).toEqual(message);
  expect(await decryptMessage(c.context, await encryptMessage(s.context, message))).toEqual(message);
  return { client: c, server: s };
}

describe('package Kerberos', () => {
  test('ours ↔ ours: mutual, names REALM\\user, SecPkgInfo of Windows', async () => {
    const { client: c, server: s } = await handshake(
      await client('Kerberos', kdcAddress),
      await server('Kerberos'),
    );
    expect(c.attributes & ISC_REQ.MUTUAL_AUTH).toBe(ISC_REQ.MUTUAL_AUTH);
    expect(await queryContextAttributes(s.context, 'names')).toEqual({ user: `${REALM}\\alice` });
    expect(await queryContextAttributes(c.context, 'packageInfo')).toEqual({
      name: 'Kerberos',
      comment: 'Microsoft Kerberos V1.0',
      capabilities: 0x000f3bbf,
      version: 1,
      rpcid: 16,
      maxToken: 48000,
    });
  });

  test('an acceptor takes the clockSkew option (its replay cache made for it)', async () => {
    const acceptor = await acquire({
      package: 'Kerberos',
      use: 'inbound',
      emulated: { kerberos: { keytab, clockSkew: 900 } },
    });
    await handshake(await client('Kerberos', kdcAddress), acceptor);
  });

  test('a handle gets its TGT and service ticket once, for every context', async () => {
    const before = kdc.requests.length;
    const credential = await client('Kerberos', kdcAddress);
    const acceptor = await server('Kerberos');
    await handshake(credential, acceptor);
    const afterFirst = kdc.requests.length;
    await handshake(credential, acceptor);
    expect(kdc.requests.length).toBe(afterFirst);
    // AS-REQ (with and without pre-authentication) and one TGS-REQ.
    expect(afterFirst - before).toBe(3);
  });

  test('ISC_REQ_DELEGATE forwards the TGT to an ok-as-delegate service; the acceptor gives it as an MIT ccache', async () => {
    kdc.okAsDelegate.add(SPN);
    const { server: s, client: c } = await handshake(
      await client('Kerberos', kdcAddress),
      await server('Kerberos'),
      FLAGS | ISC_REQ.DELEGATE,
    ).finally(() => kdc.okAsDelegate.delete(SPN));
    expect(c.attributes & ISC_REQ.DELEGATE).toBe(ISC_REQ.DELEGATE);
    expect(credentialsDelegated(s)).toBe(true);
    expect(s.attributes & ASC_RET.MUTUAL_AUTH).toBe(ASC_RET.MUTUAL_AUTH);
    const delegated = await queryContextAttributes(s.context, 'delegatedCredentials');
    expect(delegated).toMatchObject({ type: 'kerberos', client: `alice@${REALM}` });
    const cache = parseCcache((delegated as { ccache: Buffer }).ccache);
    expect(cache.defaultPrincipal).toEqual({
      realm: REALM,
      name: { nameType: NameType.PRINCIPAL, nameString: ['alice'] },
    });
    expect(cache.credentials.map((cred) => cred.server.name.nameString)).toEqual([['krbtgt', REALM]]);
    wipeCcache(cache);
  });

  test('ISC_REQ_DELEGATE to a service not ok-as-delegate: no TGT and no ISC_RET_DELEGATE, unless delegation is always', async () => {
    const policy = await handshake(
      await client('Kerberos', kdcAddress),
      await server('Kerberos'),
      FLAGS | ISC_REQ.DELEGATE,
    );
    expect(policy.client.attributes & ISC_REQ.DELEGATE).toBe(0);
    expect(credentialsDelegated(policy.server)).toBe(false);
    const always = await acquire({
      package: 'Kerberos',
      use: 'outbound',
      identity: { user: 'alice', domain: REALM, password: PASSWORD },
      emulated: { kerberos: { kdc: kdcAddress, delegation: 'always' } },
    });
    const insisted = await handshake(always, await server('Kerberos'), FLAGS | ISC_REQ.DELEGATE);
    expect(insisted.client.attributes & ISC_REQ.DELEGATE).toBe(ISC_REQ.DELEGATE);
    expect(credentialsDelegated(insisted.server)).toBe(true);
  });

  test('lifespan and expiry are the service ticket’s authtime to endtime, on both sides', async () => {
    kdc.bend.lifetimeSeconds = 1800;
    const before = Math.floor(Date.now() / 1000) * 1000;
    const { client: c, server: s } = await handshake(
      await client('Kerberos', kdcAddress),
      await server('Kerberos'),
    ).finally(() => (kdc.bend = {}));
    const clientSpan = await queryContextAttributes(c.context, 'lifespan');
    expect(clientSpan.start.getTime()).toBeGreaterThanOrEqual(before);
    expect(clientSpan.expiry.getTime() - clientSpan.start.getTime()).toBe(1800_000);
    expect(await queryContextAttributes(s.context, 'lifespan')).toEqual(clientSpan);
    expect(c.expiry).toEqual(clientSpan.expiry);
    expect(s.expiry).toEqual(clientSpan.expiry);
  });

  test('without delegation, delegatedCredentials is SEC_E_NO_CREDENTIALS', async () => {
    const { server: s } = await handshake(await client('Kerberos', kdcAddress), await server('Kerberos'));
    expect(credentialsDelegated(s)).toBe(false);
    await expect(queryContextAttributes(s.context, 'delegatedCredentials')).rejects.toMatchObject({
      code: 'SEC_E_NO_CREDENTIALS',
    });
  });

  test('no target name is SEC_E_TARGET_UNKNOWN; an unknown service too', async () => {
    const credential = await client('Kerberos', kdcAddress);
    await expect(initializeSecurityContext({ credential, flags: FLAGS })).rejects.toMatchObject({
      code: 'SEC_E_TARGET_UNKNOWN',
    });
    await expect(
      initializeSecurityContext({ credential, targetName: 'HTTP/nowhere.fake.test', flags: FLAGS }),
    ).rejects.toMatchObject({ code: 'SEC_E_TARGET_UNKNOWN' });
  });

  test('an acceptor without a keytab is SEC_E_NO_CREDENTIALS; an unreadable keytab fails the acquire', async () => {
    const credential = await acquire({ package: 'Kerberos', use: 'inbound', emulated: { users: {} } });
    await expect(
      acceptSecurityContext({ credential, flags: 0, input: Buffer.from([0x60, 0x00]) }),
    ).rejects.toMatchObject({ code: 'SEC_E_NO_CREDENTIALS' });
    await expect(
      acquireCredentialsHandle({
        package: 'Kerberos',
        use: 'inbound',
        emulated: { kerberos: { keytab: '/nonexistent/krb5.keytab' } },
      }),
    ).rejects.toMatchObject({ code: 'SEC_E_NO_CREDENTIALS' });
  });
});

describe('Negotiate', () => {
  test('prefers Kerberos when configured for the realm, and says so in negotiationInfo', async () => {
    const { server: s } = await handshake(
      await client('Negotiate', kdcAddress),
      await server('Negotiate', true),
    );
    expect(await queryContextAttributes(s.context, 'negotiationInfo')).toMatchObject({
      packageInfo: { name: 'Kerberos' },
    });
  });

  test('the acceptor takes a bare Kerberos token too (a client of the Kerberos package)', async () => {
    const { server: s } = await handshake(
      await client('Kerberos', kdcAddress),
      await server('Negotiate', true),
    );
    expect(await queryContextAttributes(s.context, 'negotiationInfo')).toMatchObject({
      packageInfo: { name: 'Kerberos' },
    });
  });

  test('a krb5.conf [realms] entry for the realm configures Kerberos (KRB5_CONFIG)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'krb5conf-'));
    const saved = process.env.KRB5_CONFIG;
    try {
      process.env.KRB5_CONFIG = join(dir, 'krb5.conf');
      writeFileSync(process.env.KRB5_CONFIG, `[realms]\n ${REALM} = {\n  kdc = ${kdcAddress}\n }\n`);
      const { server: s } = await handshake(await client('Negotiate'), await server('Negotiate', true));
      expect(await queryContextAttributes(s.context, 'negotiationInfo')).toMatchObject({
        packageInfo: { name: 'Kerberos' },
      });
    } finally {
      if (saved === undefined) delete process.env.KRB5_CONFIG;
      else process.env.KRB5_CONFIG = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('unconfigured, or configured for another realm only: the NTLM first token, no KDC asked', async () => {
    const before = kdc.requests.length;
    const first = async (credential: CredentialsHandle) =>
      (await initializeSecurityContext({ credential, targetName: SPN, flags: FLAGS })).output;
    const plain = await first(await client('Negotiate'));
    const otherRealm = await acquire({
      package: 'Negotiate',
      use: 'outbound',
      identity: { user: 'alice', domain: REALM, password: PASSWORD },
      emulated: { kerberos: { kdc: { 'OTHER.TEST': kdcAddress } } },
    });
    expect(await first(otherRealm)).toEqual(plain);
    expect(kdc.requests.length).toBe(before);
  });

  test('KDC down: the same NTLM first token as unconfigured, and NTLM completes', async () => {
    const dead = createSocket('udp4');
    await new Promise<void>((resolve) => dead.bind(0, '127.0.0.1', resolve));
    const deadAddress = `tcp/127.0.0.1:${dead.address().port}`; // no TCP listener there
    dead.close();
    const unconfigured = await initializeSecurityContext({
      credential: await client('Negotiate'),
      targetName: SPN,
      flags: FLAGS,
    });
    const down = await client('Negotiate', deadAddress);
    const fallback = await initializeSecurityContext({ credential: down, targetName: SPN, flags: FLAGS });
    expect(fallback.output).toEqual(unconfigured.output);
    const { server: s } = await handshake(down, await server('Negotiate', true));
    expect(await queryContextAttributes(s.context, 'negotiationInfo')).toMatchObject({
      packageInfo: { name: 'NTLM' },
    });
  });
});
