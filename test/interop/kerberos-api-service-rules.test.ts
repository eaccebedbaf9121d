/**
 * Three rules of Windows' Kerberos that the emulated backend follows, against a throwaway MIT realm
 * (RULES.TEST) through the public API:
 * - an acceptor given its service account's password (identity), not a keytab, derives the keys
 *   the KDC made with `addprinc -pw`: the default salt, or the one `kerberos.salt` names (a
 *   principal keyed with MIT's norealm salt); MIT's initiator and ours log on to it; a wrong
 *   password cannot decrypt the ticket;
 * - ISC_REQ_DELEGATE forwards the TGT only to a service the KDC marks ok-as-delegate
 *   (`+ok_as_delegate`), unless `kerberos.delegation` is 'always', to our acceptor and MIT's;
 * - a context's lifespan is its service ticket's (a service with `-maxlife 20m`).
 */
import { join } from 'node:path';
import { ASC_REQ, ISC_REQ, credentialsDelegated, queryContextAttributes } from '../../lib';
import { ourSide as ours, handshake, mitSide, perTestResources, wrapBothWays } from './peers/api-sides';
import { describeWithPeers } from './peers/availability';
import { JsonPeer } from './peers/json-peer';
import { startMitRealm, type MitRealm } from './peers/mit-realm';

const REALM = 'RULES.TEST';
const DOMAIN = 'rules.test';
const ALICE_PASSWORD = 'Alice-Rules-1';
/** Keyed from passwords (addprinc -pw), each a different way. */
const WEB = { spn: 'HTTP/web.rules.test', password: 'Web-Service-1' }; // default salt
const ALT = { spn: 'HTTP/alt.rules.test', password: 'Alt-Service-2' }; // norealm salt
const TRUSTED = { spn: 'HTTP/trusted.rules.test', password: 'Trusted-Service-3' }; // ok_as_delegate
const SHORT = { spn: 'HTTP/short.rules.test', password: 'Short-Service-4' }; // maxlife 20 minutes
const ISC_FLAGS = ISC_REQ.MUTUAL_AUTH | ISC_REQ.CONFIDENTIALITY | ISC_REQ.INTEGRITY;
const ASC_FLAGS = ASC_REQ.CONFIDENTIALITY | ASC_REQ.INTEGRITY;

describeWithPeers(['mit-krb5', 'python3-gssapi'], 'Kerberos service rules, with MIT', () => {
  let realm: MitRealm;
  let ccache = '';
  const { acquire, keep } = perTestResources();

  const alice = (delegation?: 'policy' | 'always') =>
    acquire({
      package: 'Kerberos',
      use: 'outbound',
      identity: { user: 'alice', domain: DOMAIN, password: ALICE_PASSWORD },
      emulated: { kerberos: { kdc: realm.kdc, ...(delegation ? { delegation } : {}) } },
    });
  /** Our acceptor knowing only the service account's password (and a salt, when given). */
  const byPassword = (
    service: { spn: string; password: string },
    opts: { salt?: string; pkg?: 'Kerberos' | 'Negotiate'; password?: string } = {},
  ) =>
    acquire({
      package: opts.pkg ?? 'Kerberos',
      use: 'inbound',
      identity: {
        user: service.spn,
        domain: DOMAIN,
        password: Buffer.from(opts.password ?? service.password),
      },
      emulated: opts.salt === undefined ? {} : { kerberos: { salt: opts.salt } },
    });
  const mitInitiator = (spn: string, mech: 'krb5' | 'spnego' = 'krb5') => {
    const peer = JsonPeer.mitInitiator(mech, {
      env: { ...realm.env, KRB5CCNAME: `FILE:${ccache}` },
      target: spn.replace('/', '@'),
    });
    return keep(peer);
  };
  const mitAcceptor = async (spn: string) => {
    const keytab = join(realm.dir, `${spn.replace(/\W/g, '_')}.keytab`);
    await realm.ktadd(spn, keytab); // -norandkey: the password's keys stay
    const peer = JsonPeer.mitAcceptor('krb5', { env: { ...realm.env, KRB5_KTNAME: `FILE:${keytab}` } });
    keep(peer);
    await peer.start();
    return peer;
  };

  beforeAll(async () => {
    realm = await startMitRealm({ realm: REALM });
    await realm.addUser('alice', ALICE_PASSWORD);
    await realm.kadmin(`addprinc -pw ${WEB.password} ${WEB.spn}`);
    const norealm = 'aes256-cts-hmac-sha1-96:norealm,aes128-cts-hmac-sha1-96:norealm';
    await realm.kadmin(`addprinc -e ${norealm} -pw ${ALT.password} ${ALT.spn}`);
    await realm.kadmin(`addprinc +ok_as_delegate -pw ${TRUSTED.password} ${TRUSTED.spn}`);
    await realm.kadmin(`addprinc -maxlife 20m -pw ${SHORT.password} ${SHORT.spn}`);
    ccache = await realm.kinit('alice', ALICE_PASSWORD);
  });
  afterAll(async () => {
    await realm?.stop();
  });

  describe('an acceptor keyed by its password', () => {
    test('MIT’s initiator → our acceptor with the default salt: names, wraps both ways', async () => {
      const peer = mitInitiator(WEB.spn);
      const server = ours('acceptor', await byPassword(WEB), { flags: ASC_FLAGS });
      await handshake(mitSide(peer), server.side);
      expect(await queryContextAttributes(server.context, 'names')).toEqual({ user: `${REALM}\\alice` });
      await wrapBothWays(server.context, peer);
    });

    test('MIT’s SPNEGO → our Negotiate acceptor with the password', async () => {
      const peer = mitInitiator(WEB.spn, 'spnego');
      const server = ours('acceptor', await byPassword(WEB, { pkg: 'Negotiate' }), { flags: ASC_FLAGS });
      await handshake(mitSide(peer), server.side);
      expect(await queryContextAttributes(server.context, 'names')).toEqual({ user: `${REALM}\\alice` });
    });

    test('a norealm-salted principal: the salt option, and without it the ticket does not decrypt', async () => {
      const peer = mitInitiator(ALT.spn);
      const server = ours('acceptor', await byPassword(ALT, { salt: 'HTTPalt.rules.test' }), {
        flags: ASC_FLAGS,
      });
      await handshake(mitSide(peer), server.side);
      await wrapBothWays(server.context, peer);
      const unsalted = ours('acceptor', await byPassword(ALT), { flags: ASC_FLAGS });
      await expect(handshake(mitSide(mitInitiator(ALT.spn)), unsalted.side)).rejects.toMatchObject({
        code: 'SEC_E_INVALID_TOKEN',
      });
    });

    test('our client → our acceptor with the password', async () => {
      const client = ours('initiator', await alice(), { target: WEB.spn, flags: ISC_FLAGS });
      const server = ours('acceptor', await byPassword(WEB), { flags: ASC_FLAGS });
      await handshake(client.side, server.side);
      expect(await queryContextAttributes(server.context, 'names')).toEqual({ user: `${REALM}\\alice` });
    });

    test('a wrong password: our acceptor SEC_E_INVALID_TOKEN, our client, told KRB_AP_ERR_MODIFIED, SEC_E_WRONG_PRINCIPAL', async () => {
      const client = ours('initiator', await alice(), { target: WEB.spn, flags: ISC_FLAGS });
      const server = ours('acceptor', await byPassword(WEB, { password: 'Not-The-Password' }), {
        flags: ASC_FLAGS,
      });
      const first = await client.side(null);
      const refusal = await server.side(first.token).catch((err: unknown) => err);
      expect(refusal).toMatchObject({ code: 'SEC_E_INVALID_TOKEN' });
      const krbError = (refusal as { output: Buffer }).output;
      await expect(client.side(krbError)).rejects.toMatchObject({ code: 'SEC_E_WRONG_PRINCIPAL' });
    });
  });

  describe('ISC_REQ_DELEGATE and ok-as-delegate', () => {
    const delegating = async (spn: string, delegation?: 'policy' | 'always') =>
      ours('initiator', await alice(delegation), { target: spn, flags: ISC_FLAGS | ISC_REQ.DELEGATE });

    test('our acceptor: a TGT comes from a trusted service’s client only, or with delegation always', async () => {
      for (const [service, delegation, expected] of [
        [WEB, undefined, false],
        [TRUSTED, undefined, true],
        [WEB, 'always', true],
      ] as const) {
        const client = await delegating(service.spn, delegation);
        const server = ours('acceptor', await byPassword(service), { flags: ASC_FLAGS });
        await handshake(client.side, server.side);
        expect({
          spn: service.spn,
          delegation,
          granted: (client.last.attributes & ISC_REQ.DELEGATE) !== 0,
        }).toEqual({ spn: service.spn, delegation, granted: expected });
        expect(credentialsDelegated(server.last)).toBe(expected);
        if (expected) {
          expect(await queryContextAttributes(server.context, 'delegatedCredentials')).toMatchObject({
            type: 'kerberos',
            client: `alice@${REALM}`,
          });
        } else {
          await expect(queryContextAttributes(server.context, 'delegatedCredentials')).rejects.toMatchObject({
            code: 'SEC_E_NO_CREDENTIALS',
          });
        }
      }
    });

    test('MIT’s acceptor: delegated to the ok-as-delegate service, not to the other', async () => {
      for (const [service, expected] of [
        [TRUSTED, true],
        [WEB, false],
      ] as const) {
        const client = await delegating(service.spn);
        const mit = mitSide(await mitAcceptor(service.spn));
        await handshake(client.side, mit);
        expect({ spn: service.spn, delegated: mit.last?.delegated }).toEqual({
          spn: service.spn,
          delegated: expected,
        });
      }
    });
  });

  describe('lifespan', () => {
    test('both sides report the service ticket’s 20 minutes (maxlife), not 10 hours', async () => {
      const before = Date.now() - 1000;
      const client = ours('initiator', await alice(), { target: SHORT.spn, flags: ISC_FLAGS });
      const server = ours('acceptor', await byPassword(SHORT), { flags: ASC_FLAGS });
      await handshake(client.side, server.side);
      const span = await queryContextAttributes(client.context, 'lifespan');
      expect(await queryContextAttributes(server.context, 'lifespan')).toEqual(span);
      expect(span.start.getTime()).toBeGreaterThanOrEqual(before);
      // MIT's endtime: the ticket's starttime plus the service's maximum life.
      expect((span.expiry.getTime() - span.start.getTime()) / 1000).toBe(20 * 60);
      expect(client.last.expiry).toEqual(span.expiry);
      expect(server.last.expiry).toEqual(span.expiry);
    });

    test('MIT’s initiator → our acceptor: the same 20 minutes', async () => {
      const server = ours('acceptor', await byPassword(SHORT), { flags: ASC_FLAGS });
      await handshake(mitSide(mitInitiator(SHORT.spn)), server.side);
      const span = await queryContextAttributes(server.context, 'lifespan');
      expect((span.expiry.getTime() - span.start.getTime()) / 1000).toBe(20 * 60);
    });
  });
});
