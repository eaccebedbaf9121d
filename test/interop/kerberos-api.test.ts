/**
 * Kerberos through the public API (lib/index.ts), in one throwaway MIT realm (API.TEST):
 * - package Kerberos, our client (password; the ccache kinit wrote: single sign-on) → MIT's
 *   GSSAPI acceptor, and MIT's initiator → our acceptor with the keytab; wraps both ways, names,
 *   a forwarded TGT as an MIT ccache that MIT's klist reads; a wrong password, an unknown service;
 * - Negotiate ours ↔ MIT's SPNEGO choosing Kerberos, and ours ↔ ours choosing Kerberos, or NTLM
 *   when the KDC is down or does not know the service;
 * - CredSSP with Kerberos inside ours ↔ ours, delegating the password, under the policy
 *   allowFreshCredentials (the NTLM-only list does not count with Kerberos).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  ASC_REQ,
  ISC_REQ,
  deleteSecurityContext,
  initializeSecurityContext,
  queryContextAttributes,
  type AcquireCredentialsOptions,
  type CredentialsHandle,
} from '../../lib';
import { handshake, mitSide, ourSide, perTestResources, wrapBetween, wrapBothWays } from './peers/api-sides';
import { describeWithPeers } from './peers/availability';
import { JsonPeer } from './peers/json-peer';
import { startMitRealm, type MitRealm } from './peers/mit-realm';

const REALM = 'API.TEST';
const HOST = 'svc.api.test';
const PASSWORD = 'Alice-Api-1';
const KRB5_OID = '1.2.840.113554.1.2.2';
const ISC_FLAGS = ISC_REQ.MUTUAL_AUTH | ISC_REQ.CONFIDENTIALITY | ISC_REQ.INTEGRITY | ISC_REQ.SEQUENCE_DETECT;
const ASC_FLAGS = ASC_REQ.CONFIDENTIALITY | ASC_REQ.INTEGRITY | ASC_REQ.SEQUENCE_DETECT;

function ours(
  role: 'initiator' | 'acceptor',
  credential: CredentialsHandle,
  target = `HTTP/${HOST}`,
  flags?: number,
) {
  return ourSide(role, credential, {
    target: role === 'initiator' ? target : undefined,
    flags: flags ?? (role === 'initiator' ? ISC_FLAGS : ASC_FLAGS),
  });
}

/** A port nothing listens on (UDP or TCP), for a KDC that is down. */
async function deadPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

describeWithPeers(['mit-krb5', 'python3-gssapi'], 'Kerberos through the public API, with MIT', () => {
  let realm: MitRealm;
  let httpKeytab = '';
  let rdpKeytab = '';
  let ccache = '';
  const { acquire, keep } = perTestResources();

  const alice = (
    pkg: 'Kerberos' | 'Negotiate' | 'CredSSP',
    extra: AcquireCredentialsOptions['emulated'] = {},
    password = PASSWORD,
  ) =>
    acquire({
      package: pkg,
      use: 'outbound',
      identity: { user: 'alice', domain: REALM.toLowerCase(), password },
      emulated: { ...extra, kerberos: { kdc: realm.kdc, ...extra.kerberos } },
    });
  const service = (
    pkg: 'Kerberos' | 'Negotiate' | 'CredSSP',
    extra: AcquireCredentialsOptions['emulated'] = {},
  ) => acquire({ package: pkg, use: 'inbound', emulated: { kerberos: { keytab: httpKeytab }, ...extra } });
  const mitAcceptor = (mech: 'krb5' | 'spnego') => {
    const peer = JsonPeer.mitAcceptor(mech, { env: { ...realm.env, KRB5_KTNAME: `FILE:${httpKeytab}` } });
    return keep(peer);
  };
  const mitInitiator = (mech: 'krb5' | 'spnego', deleg = false) => {
    const peer = JsonPeer.mitInitiator(mech, {
      env: { ...realm.env, KRB5CCNAME: `FILE:${ccache}` },
      target: `HTTP@${HOST}`,
      deleg,
    });
    return keep(peer);
  };
  /** Our initiator with `credential` → MIT's acceptor, the handshake done. */
  const toMitAcceptor = async (credential: CredentialsHandle, mech: 'krb5' | 'spnego' = 'krb5') => {
    const client = ours('initiator', credential);
    const peer = mitAcceptor(mech);
    const mit = mitSide(peer);
    await peer.start();
    await handshake(client.side, mit);
    return { client, peer, mit };
  };
  /** MIT's initiator → our acceptor of `pkg` with the HTTP keytab, the handshake done. */
  const fromMitInitiator = async (pkg: 'Kerberos' | 'Negotiate', mech: 'krb5' | 'spnego', deleg = false) => {
    const server = ours('acceptor', await service(pkg));
    const peer = mitInitiator(mech, deleg);
    await handshake(mitSide(peer), server.side);
    return { server, peer };
  };

  beforeAll(async () => {
    realm = await startMitRealm({ realm: REALM });
    await realm.addUser('alice', PASSWORD);
    httpKeytab = await realm.addService(`HTTP/${HOST}`);
    rdpKeytab = await realm.addService(`TERMSRV/${HOST}`);
    ccache = await realm.kinit('alice', PASSWORD);
  });
  afterAll(async () => {
    await realm?.stop();
  });

  describe('package Kerberos', () => {
    test('our client (password) → MIT’s acceptor: mutual, MIT sees alice@API.TEST, wraps both ways', async () => {
      const { client, peer, mit } = await toMitAcceptor(await alice('Kerberos'));
      expect(mit.last).toMatchObject({ complete: true, peer: `alice@${REALM}`, mech: KRB5_OID });
      expect(await queryContextAttributes(client.context, 'names')).toEqual({ user: `${REALM}\\alice` });
      expect(await queryContextAttributes(client.context, 'packageInfo')).toMatchObject({
        name: 'Kerberos',
        maxToken: 48000,
      });
      await wrapBothWays(client.context, peer);
      await deleteSecurityContext(client.context);
    });

    test('single sign-on: no identity, the ccache kinit wrote → MIT’s acceptor', async () => {
      const credential = await acquire({
        package: 'Kerberos',
        use: 'outbound',
        emulated: { kerberos: { kdc: realm.kdc, ccache: `FILE:${ccache}` } },
      });
      const { client, peer, mit } = await toMitAcceptor(credential);
      expect(mit.last?.peer).toBe(`alice@${REALM}`);
      await wrapBothWays(client.context, peer);
    });

    test('single sign-on from a DIR collection kinit filled (its primary cache) → MIT’s acceptor', async () => {
      const collection = join(realm.dir, 'dcc');
      mkdirSync(collection);
      await realm.run('kinit', ['alice'], `${PASSWORD}\n`, { KRB5CCNAME: `DIR:${collection}` });
      const credential = await acquire({
        package: 'Kerberos',
        use: 'outbound',
        emulated: { kerberos: { kdc: realm.kdc, ccache: `DIR:${collection}` } },
      });
      const { mit } = await toMitAcceptor(credential);
      expect(mit.last?.peer).toBe(`alice@${REALM}`);
    });

    test('a client keytab (kadmin ktadd of alice): no identity, her keys log on', async () => {
      const path = join(realm.dir, 'alice-client.keytab');
      await realm.ktadd('alice', path);
      const credential = await acquire({
        package: 'Kerberos',
        use: 'outbound',
        emulated: { kerberos: { kdc: realm.kdc, keytab: path } },
      });
      const { mit } = await toMitAcceptor(credential);
      expect(mit.last?.peer).toBe(`alice@${REALM}`);
    });

    test('MIT’s initiator → our acceptor (keytab path): names, mutual, wraps both ways', async () => {
      const { server, peer } = await fromMitInitiator('Kerberos', 'krb5');
      expect(await queryContextAttributes(server.context, 'names')).toEqual({ user: `${REALM}\\alice` });
      await wrapBothWays(server.context, peer);
    });

    test('a forwarded TGT arrives as an MIT ccache that klist reads', async () => {
      const { server } = await fromMitInitiator('Kerberos', 'krb5', true);
      const delegated = await queryContextAttributes(server.context, 'delegatedCredentials');
      expect(delegated).toMatchObject({ type: 'kerberos', client: `alice@${REALM}` });
      const path = join(realm.dir, 'cc_delegated');
      writeFileSync(path, (delegated as { ccache: Buffer }).ccache);
      const { stdout } = await realm.run('klist', ['-c', `FILE:${path}`]);
      expect(stdout).toContain(`Default principal: alice@${REALM}`);
      expect(stdout).toContain(`krbtgt/${REALM}@${REALM}`);
    });

    test('our client delegating (ISC_REQ_DELEGATE, delegation always) → our acceptor gets the TGT; a keytab Buffer works too', async () => {
      // The service is not ok-as-delegate: only 'always' forwards to it (kerberos-api-service-rules.test.ts).
      const insisting = await alice('Kerberos', { kerberos: { delegation: 'always' } });
      const client = ours('initiator', insisting, `HTTP/${HOST}`, ISC_FLAGS | ISC_REQ.DELEGATE);
      const server = ours(
        'acceptor',
        await acquire({
          package: 'Kerberos',
          use: 'inbound',
          emulated: { kerberos: { keytab: readFileSync(httpKeytab) } },
        }),
      );
      await handshake(client.side, server.side);
      const delegated = await queryContextAttributes(server.context, 'delegatedCredentials');
      expect(delegated).toMatchObject({ type: 'kerberos', client: `alice@${REALM}` });
      await wrapBetween(client.context, server.context);
    });

    test('a wrong password is SEC_E_LOGON_DENIED', async () => {
      const credential = await alice('Kerberos', {}, 'not-the-password');
      await expect(
        initializeSecurityContext({ credential, targetName: `HTTP/${HOST}`, flags: ISC_FLAGS }),
      ).rejects.toMatchObject({ code: 'SEC_E_LOGON_DENIED' });
    });

    test('a service the KDC does not know is SEC_E_TARGET_UNKNOWN', async () => {
      const credential = await alice('Kerberos');
      await expect(
        initializeSecurityContext({
          credential,
          targetName: `HTTP/nowhere.${REALM.toLowerCase()}`,
          flags: ISC_FLAGS,
        }),
      ).rejects.toMatchObject({ code: 'SEC_E_TARGET_UNKNOWN' });
    });
  });

  describe('Negotiate', () => {
    test('ours → MIT’s SPNEGO: Kerberos chosen, wraps both ways', async () => {
      const { client, peer, mit } = await toMitAcceptor(await alice('Negotiate'), 'spnego');
      expect(mit.last).toMatchObject({ peer: `alice@${REALM}`, mech: KRB5_OID });
      expect(await queryContextAttributes(client.context, 'negotiationInfo')).toMatchObject({
        packageInfo: { name: 'Kerberos' },
        state: 0,
      });
      await wrapBothWays(client.context, peer);
    });

    test('MIT’s SPNEGO → our Negotiate acceptor with only a keytab', async () => {
      const { server, peer } = await fromMitInitiator('Negotiate', 'spnego');
      expect(await queryContextAttributes(server.context, 'names')).toEqual({ user: `${REALM}\\alice` });
      await wrapBothWays(server.context, peer);
    });

    test('MIT’s bare Kerberos → our Negotiate acceptor, as Windows’ Negotiate takes it', async () => {
      const { server, peer } = await fromMitInitiator('Negotiate', 'krb5');
      await wrapBothWays(server.context, peer);
    });

    describe('ours ↔ ours (server with a keytab and NTLM users)', () => {
      const server = () =>
        service('Negotiate', {
          kerberos: { keytab: httpKeytab },
          users: { [`${REALM}\\alice`]: PASSWORD },
        });
      const negotiated = async (client: CredentialsHandle, target = `HTTP/${HOST}`) => {
        const c = ours('initiator', client, target);
        const s = ours('acceptor', await server());
        await handshake(c.side, s.side);
        await wrapBetween(c.context, s.context);
        const info = await queryContextAttributes(s.context, 'negotiationInfo');
        // NTLM names the domain as the client gave it (here 'api.test'), Kerberos the realm.
        const { user } = await queryContextAttributes(s.context, 'names');
        expect(user.toUpperCase()).toBe(`${REALM}\\ALICE`);
        return info.packageInfo.name;
      };

      test('Kerberos when the KDC answers', async () => {
        expect(await negotiated(await alice('Negotiate'))).toBe('Kerberos');
      });

      test('NTLM when no KDC answers', async () => {
        const down = await alice('Negotiate', { kerberos: { kdc: await deadPort() } });
        expect(await negotiated(down)).toBe('NTLM');
      });

      test('NTLM when the KDC does not know the service', async () => {
        expect(await negotiated(await alice('Negotiate'), `HTTP/unknown.${REALM.toLowerCase()}`)).toBe(
          'NTLM',
        );
      });

      test('NTLM, and no KDC asked, when Kerberos is not configured for the realm', async () => {
        const unconfigured = await acquire({
          package: 'Negotiate',
          use: 'outbound',
          identity: { user: 'alice', domain: REALM, password: PASSWORD },
        });
        const kdcLog = join(realm.dir, 'kdc.log');
        const before = readFileSync(kdcLog, 'utf8').length;
        expect(await negotiated(unconfigured)).toBe('NTLM');
        expect(readFileSync(kdcLog, 'utf8').length).toBe(before);
      });
    });
  });

  describe('CredSSP with Kerberos inside (ours ↔ ours, MIT’s KDC)', () => {
    const TARGET = `TERMSRV/${HOST}`;
    const credssp = (policy: {
      allowFreshCredentials: string[];
      allowFreshCredentialsWhenNTLMOnly: string[];
    }) => alice('CredSSP', { credssp: { inner: 'spnego' }, policy });
    const rdpServer = () =>
      acquire({
        package: 'CredSSP',
        use: 'inbound',
        // An ECDSA key: made in milliseconds, where RSA takes most of a second.
        emulated: { kerberos: { keytab: rdpKeytab }, credssp: { keyType: 'ecdsa' } },
      });
    /** Our CredSSP client → our CredSSP acceptor (`server`, else the RDP service's keytab), the handshake done. */
    const rdpHandshake = async (credential: CredentialsHandle, flags: number, server?: CredentialsHandle) => {
      const c = ours('initiator', credential, TARGET, flags);
      const s = ours('acceptor', server ?? (await rdpServer()), undefined, 0);
      await handshake(c.side, s.side);
      return { client: c, server: s };
    };

    test('delegates the password to a server Kerberos authenticated (allowFreshCredentials)', async () => {
      const { server } = await rdpHandshake(
        await credssp({ allowFreshCredentials: [TARGET], allowFreshCredentialsWhenNTLMOnly: [] }),
        ISC_REQ.DELEGATE,
      );
      expect(await queryContextAttributes(server.context, 'negotiationInfo')).toMatchObject({
        innerPackage: 'Kerberos',
      });
      expect(await queryContextAttributes(server.context, 'names')).toEqual({ user: `${REALM}\\alice` });
      const delegated = await queryContextAttributes(server.context, 'delegatedCredentials');
      expect(delegated).toMatchObject({ type: 'password', user: 'alice' });
      expect((delegated as { password: Buffer }).password.toString()).toBe(PASSWORD);
    });

    test('ISC_REQ_MUTUAL_AUTH is met by Kerberos (the AP-REP), not the untrusted certificate', async () => {
      const policy = { allowFreshCredentials: [TARGET], allowFreshCredentialsWhenNTLMOnly: [] };
      const flags = ISC_REQ.DELEGATE | ISC_REQ.MUTUAL_AUTH;
      const { client } = await rdpHandshake(await credssp(policy), flags);
      expect(await queryContextAttributes(client.context, 'negotiationInfo')).toMatchObject({
        innerPackage: 'Kerberos',
      });
      // No KDC: NTLM, and the self-signed certificate must then authenticate the server; it cannot.
      const down = await alice('CredSSP', {
        credssp: { inner: 'spnego' },
        policy,
        kerberos: { kdc: await deadPort() },
      });
      await expect(rdpHandshake(down, flags)).rejects.toMatchObject({
        code: 'SEC_E_MUTUAL_AUTH_FAILED',
      });
    });

    test('single sign-on: no identity, Kerberos from the ccache; names say whom it logged on as', async () => {
      const credential = await acquire({
        package: 'CredSSP',
        use: 'outbound',
        emulated: { credssp: { inner: 'spnego' }, kerberos: { kdc: realm.kdc, ccache: `FILE:${ccache}` } },
      });
      const { client, server } = await rdpHandshake(credential, 0);
      expect(await queryContextAttributes(client.context, 'names')).toEqual({ user: `${REALM}\\alice` });
      expect(await queryContextAttributes(server.context, 'names')).toEqual({ user: `${REALM}\\alice` });
    });

    test('single sign-on with ISC_REQ_DELEGATE: no password to delegate, SEC_E_NO_CREDENTIALS before any byte', async () => {
      const credential = await acquire({
        package: 'CredSSP',
        use: 'outbound',
        emulated: {
          credssp: { inner: 'spnego' },
          kerberos: { kdc: realm.kdc, ccache: `FILE:${ccache}` },
          policy: { allowFreshCredentials: [TARGET], allowFreshCredentialsWhenNTLMOnly: [] },
        },
      });
      await expect(
        initializeSecurityContext({ credential, targetName: TARGET, flags: ISC_REQ.DELEGATE }),
      ).rejects.toMatchObject({ code: 'SEC_E_NO_CREDENTIALS', output: undefined });
    });

    test('a wrong password is SEC_E_LOGON_DENIED from the KDC, not an NTLM attempt', async () => {
      const credential = await alice('CredSSP', { credssp: { inner: 'spnego' } }, 'wrong');
      // A server whose NTLM would take that password: a fallback would succeed.
      const ntlmToo = await acquire({
        package: 'CredSSP',
        use: 'inbound',
        emulated: {
          kerberos: { keytab: rdpKeytab },
          users: { [`${REALM}\\alice`]: 'wrong' },
          credssp: { keyType: 'ecdsa' },
        },
      });
      await expect(rdpHandshake(credential, 0, ntlmToo)).rejects.toMatchObject({
        code: 'SEC_E_LOGON_DENIED',
      });
      // The premise: with no KDC answering, the same password goes through by NTLM.
      const down = await alice(
        'CredSSP',
        { credssp: { inner: 'spnego' }, kerberos: { kdc: await deadPort() } },
        'wrong',
      );
      await rdpHandshake(down, 0, ntlmToo);
    });

    test('the NTLM-only list does not allow delegation once Kerberos authenticated the server', async () => {
      const policy = { allowFreshCredentials: [], allowFreshCredentialsWhenNTLMOnly: [TARGET] };
      await expect(rdpHandshake(await credssp(policy), ISC_REQ.DELEGATE)).rejects.toMatchObject({
        code: 'SEC_E_DELEGATION_POLICY',
      });
    });
  });
});
