/**
 * rc4-hmac Kerberos through the public API, in a throwaway MIT realm (RC4API.TEST) whose keys are
 * all rc4-hmac and whose services take rc4-hmac session keys (session_enctypes, allow_rc4): the
 * per-message tokens are then RFC 4757's, with MIT's GSSAPI on the other end:
 * - package Kerberos both ways: encryptMessage/decryptMessage, the sizes an rc4 context reports;
 * - Negotiate both ways with MIT's SPNEGO, and ours ↔ ours with the mechListMIC both ways;
 * - CredSSP ours ↔ ours with Kerberos inside: pubKeyAuth and the delegated password sealed in
 *   rc4-hmac Wrap tokens;
 * - without allowRc4 our client does not log on with an rc4-only key, nor our acceptor take an
 *   rc4-hmac ticket (fail closed).
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ASC_REQ,
  ISC_REQ,
  decryptMessage,
  encryptMessage,
  queryContextAttributes,
  type AcquireCredentialsOptions,
  type CredentialsHandle,
  type SecurityContext,
} from '../../lib';
import { unwrapInitialContextToken } from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';
import { describeWithPeers } from './peers/availability';
import { JsonPeer } from './peers/json-peer';
import { handshake, mitSide, ourSide, perTestResources } from './peers/api-sides';
import { startMitRealm, type MitRealm } from './peers/mit-realm';

const REALM = 'RC4API.TEST';
const HOST = 'svc.rc4api.test';
const PASSWORD = 'Alice-Rc4-1';
const ISC_FLAGS = ISC_REQ.MUTUAL_AUTH | ISC_REQ.CONFIDENTIALITY | ISC_REQ.INTEGRITY | ISC_REQ.SEQUENCE_DETECT;
const ASC_FLAGS = ASC_REQ.CONFIDENTIALITY | ASC_REQ.INTEGRITY | ASC_REQ.SEQUENCE_DETECT;
/** What queryContextAttributes('sizes') gives over an rc4-hmac key: a 37-byte MIC. */
const RC4_SIZES = { maxSignature: 37, blockSize: 1, securityTrailer: 50 };
/** RFC 4757 7.3's Wrap TOK_ID, where CFX's is 05 04. */
const RC4_WRAP_TOK_ID = 0x0201;

/** Our end of a handshake, with this file's flags unless told otherwise. */
function ours(
  role: 'initiator' | 'acceptor',
  credential: CredentialsHandle,
  target = `HTTP/${HOST}`,
  flags?: number,
) {
  return ourSide(role, credential, {
    target,
    flags: flags ?? (role === 'initiator' ? ISC_FLAGS : ASC_FLAGS),
  });
}

/** Messages each way through encryptMessage/decryptMessage and MIT's wrap/unwrap; MIT's are RFC 4757's. */
async function wrapBothWays(context: SecurityContext, mit: JsonPeer): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const toMit = Buffer.from(`sealed by us, #${i}`);
    const sealed = await encryptMessage(context, toMit);
    expect(unwrapInitialContextToken(sealed).tokId).toBe(RC4_WRAP_TOK_ID);
    expect(await mit.unwrap(sealed)).toEqual({ data: toMit, confidential: true });
    const toUs = Buffer.from(`sealed by MIT, #${i}`);
    const fromMit = await mit.wrap(toUs);
    expect(unwrapInitialContextToken(fromMit).tokId).toBe(RC4_WRAP_TOK_ID);
    expect(await decryptMessage(context, fromMit)).toEqual(toUs);
  }
}

async function wrapBetween(a: SecurityContext, b: SecurityContext): Promise<void> {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ]) {
    const message = Buffer.from('between our two ends');
    const sealed = await encryptMessage(from, message);
    expect(unwrapInitialContextToken(sealed).tokId).toBe(RC4_WRAP_TOK_ID);
    expect(await decryptMessage(to, sealed)).toEqual(message);
  }
}

describeWithPeers(
  ['mit-krb5', 'python3-gssapi'],
  'rc4-hmac Kerberos through the public API, with MIT',
  () => {
    let realm: MitRealm;
    let httpKeytab = '';
    let rdpKeytab = '';
    let ccache = '';
    let mitEnv: Record<string, string> = {};
    const { acquire, keep } = perTestResources();

    const alice = (
      pkg: 'Kerberos' | 'Negotiate' | 'CredSSP',
      extra: AcquireCredentialsOptions['emulated'] = {},
    ) =>
      acquire({
        package: pkg,
        use: 'outbound',
        identity: { user: 'alice', domain: REALM, password: PASSWORD },
        emulated: { ...extra, kerberos: { kdc: realm.kdc, allowRc4: true, ...extra.kerberos } },
      });
    const service = (
      pkg: 'Kerberos' | 'Negotiate' | 'CredSSP',
      extra: AcquireCredentialsOptions['emulated'] = {},
    ) =>
      acquire({
        package: pkg,
        use: 'inbound',
        emulated: { ...extra, kerberos: { keytab: httpKeytab, allowRc4: true, ...extra.kerberos } },
      });
    const mitAcceptor = (mech: 'krb5' | 'spnego') => {
      const peer = JsonPeer.mitAcceptor(mech, { env: { ...mitEnv, KRB5_KTNAME: `FILE:${httpKeytab}` } });
      return keep(peer);
    };
    const mitInitiator = (mech: 'krb5' | 'spnego') => {
      const peer = JsonPeer.mitInitiator(mech, {
        env: { ...mitEnv, KRB5CCNAME: `FILE:${ccache}` },
        target: `HTTP@${HOST}`,
      });
      return keep(peer);
    };

    beforeAll(async () => {
      realm = await startMitRealm({ realm: REALM, enctypes: ['arcfour-hmac'], allowRc4: true });
      // MIT's tools ask for rc4-hmac only, so its tickets' session keys are rc4-hmac too.
      const config = join(realm.dir, 'krb5-rc4-client.conf');
      writeFileSync(
        config,
        readFileSync(realm.krb5ConfPath, 'utf8').replace(
          '[libdefaults]\n',
          '[libdefaults]\n default_tkt_enctypes = arcfour-hmac\n default_tgs_enctypes = arcfour-hmac\n permitted_enctypes = arcfour-hmac\n',
        ),
      );
      mitEnv = { ...realm.env, KRB5_CONFIG: config };
      await realm.addUser('alice', PASSWORD);
      httpKeytab = await realm.addService(`HTTP/${HOST}`);
      rdpKeytab = await realm.addService(`TERMSRV/${HOST}`);
      // Our client asks for AES first; the services' session keys are rc4-hmac whoever asks.
      for (const spn of [`HTTP/${HOST}`, `TERMSRV/${HOST}`])
        await realm.kadmin(`setstr ${spn} session_enctypes arcfour-hmac`);
      ccache = join(realm.dir, 'cc_alice');
      await realm.run('kinit', ['-c', `FILE:${ccache}`, 'alice'], `${PASSWORD}\n`, { KRB5_CONFIG: config });
    });
    afterAll(async () => {
      await realm?.stop();
    });

    describe('package Kerberos', () => {
      test('our client → MIT’s acceptor: rc4-hmac sizes, wraps both ways', async () => {
        const client = ours('initiator', await alice('Kerberos'));
        const peer = mitAcceptor('krb5');
        await peer.start();
        await handshake(client.side, mitSide(peer));
        expect(await queryContextAttributes(client.context, 'sizes')).toEqual({
          maxToken: 48000,
          ...RC4_SIZES,
        });
        await wrapBothWays(client.context, peer);
      });

      test('MIT’s initiator → our acceptor: rc4-hmac sizes, wraps both ways', async () => {
        const server = ours('acceptor', await service('Kerberos'));
        const peer = mitInitiator('krb5');
        await handshake(mitSide(peer), server.side);
        expect(await queryContextAttributes(server.context, 'sizes')).toEqual({
          maxToken: 48000,
          ...RC4_SIZES,
        });
        await wrapBothWays(server.context, peer);
      });

      test('without allowRc4: no logon with alice’s rc4-only key (SEC_E_KDC_UNKNOWN_ETYPE), no rc4 ticket taken (SEC_E_NO_KERB_KEY)', async () => {
        const client = ours('initiator', await alice('Kerberos', { kerberos: { allowRc4: false } }));
        await expect(client.side(null)).rejects.toMatchObject({ code: 'SEC_E_KDC_UNKNOWN_ETYPE' });
        const server = ours(
          'acceptor',
          await acquire({
            package: 'Kerberos',
            use: 'inbound',
            emulated: { kerberos: { keytab: httpKeytab } },
          }),
        );
        const peer = mitInitiator('krb5');
        await expect(handshake(mitSide(peer), server.side)).rejects.toMatchObject({
          code: 'SEC_E_NO_KERB_KEY',
        });
      });
    });

    describe('Negotiate', () => {
      test('ours → MIT’s SPNEGO: Kerberos over rc4-hmac, wraps both ways', async () => {
        const client = ours('initiator', await alice('Negotiate'));
        const peer = mitAcceptor('spnego');
        await peer.start();
        await handshake(client.side, mitSide(peer));
        expect((await queryContextAttributes(client.context, 'sizes')).maxSignature).toBe(37);
        await wrapBothWays(client.context, peer);
      });

      test('MIT’s SPNEGO → our Negotiate acceptor: wraps both ways', async () => {
        const server = ours('acceptor', await service('Negotiate'));
        const peer = mitInitiator('spnego');
        await handshake(mitSide(peer), server.side);
        expect((await queryContextAttributes(server.context, 'sizes')).maxSignature).toBe(37);
        await wrapBothWays(server.context, peer);
      });

      test('ours ↔ ours: the mechListMIC both ways is an rc4-hmac MIC, then wraps both ways', async () => {
        const client = ours('initiator', await alice('Negotiate'));
        const server = ours('acceptor', await service('Negotiate'));
        await handshake(client.side, server.side);
        expect(await queryContextAttributes(server.context, 'negotiationInfo')).toMatchObject({
          packageInfo: { name: 'Kerberos' },
        });
        await wrapBetween(client.context, server.context);
      });
    });

    test('CredSSP with Kerberos inside: pubKeyAuth and the delegated password over rc4-hmac', async () => {
      const TARGET = `TERMSRV/${HOST}`;
      const client = ours(
        'initiator',
        await alice('CredSSP', {
          credssp: { inner: 'spnego' },
          policy: { allowFreshCredentials: [TARGET], allowFreshCredentialsWhenNTLMOnly: [] },
        }),
        TARGET,
        ISC_REQ.DELEGATE,
      );
      const server = ours(
        'acceptor',
        await acquire({
          package: 'CredSSP',
          use: 'inbound',
          emulated: { kerberos: { keytab: rdpKeytab, allowRc4: true }, credssp: { keyType: 'ecdsa' } },
        }),
        undefined,
        0,
      );
      await handshake(client.side, server.side);
      expect(await queryContextAttributes(server.context, 'negotiationInfo')).toMatchObject({
        innerPackage: 'Kerberos',
      });
      const delegated = await queryContextAttributes(server.context, 'delegatedCredentials');
      expect((delegated as { password: Buffer }).password.toString()).toBe(PASSWORD);
    });
  },
);
