/**
 * Our Kerberos AP exchange (lib/emulated/mechanisms/kerberos/initiator.ts, acceptor.ts) against
 * MIT's GSSAPI (scripts/peers/gss_peer.py --mech krb5) in throwaway realms:
 * - our initiator, over the service ticket MIT's `kvno` put in the ccache (read with the ccache
 *   codec) → MIT's acceptor with the keytab: with and without mutual authentication, wraps both
 *   ways, alice's TGT forwarded (encodeDelegation) into the ccache MIT stores, a replayed AP-REQ
 *   refused;
 * - MIT's initiator (after kinit) → our acceptor, keys read from the keytab MIT wrote: the
 *   client's name, MIT's mutual authentication over our AP-REP and subkey, wraps both ways, a
 *   forwarded TGT, and a ticket for another service refused with a KRB-ERROR MIT understands;
 * - both ways again in realms of one enctype each (AES-SHA1, AES-SHA2; rc4-hmac service keys);
 * - rc4-hmac session keys (allow_rc4): RFC 4757's Wrap and MIC tokens both ways, sealed and not,
 *   and altered, replayed and skipped tokens refused by each side.
 */
import { join } from 'node:path';
import { Enctype } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { GssFlag } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { unwrapInitialContextToken } from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';
import type { MechanismContext } from '../../lib/emulated/mechanisms/mechanism-context';
import { describeWithPeers } from './peers/availability';
import { PeerRefused, type JsonPeer } from './peers/json-peer';
import { useApRealm } from './peers/kerberos-ap-realm';

const MUTUAL = GssFlag.MUTUAL | GssFlag.REPLAY | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG;

/** Three messages, alternating sides, each sealed by one and opened by the other. */
async function wrapBothWays(ours: MechanismContext, mit: JsonPeer): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const toMit = Buffer.from(`sealed by us, #${i}`);
    expect(await mit.unwrap(ours.wrap(toMit))).toEqual({ data: toMit, confidential: true });
    const toUs = Buffer.from(`sealed by MIT, #${i}`);
    const wrapped = await mit.wrap(toUs);
    expect(wrapped.includes(toUs)).toBe(false);
    expect(ours.unwrap(wrapped)).toEqual(toUs);
  }
}

describeWithPeers(['mit-krb5'], 'Kerberos AP exchange: ours ↔ MIT GSSAPI', () => {
  const REALM = 'AP.TEST';
  const setup = useApRealm(REALM);

  describe('our initiator → MIT’s acceptor', () => {
    test('mutual: MIT’s AP-REP verified, its subkey taken; MIT sees alice@AP.TEST; wraps both ways', async () => {
      const initiator = setup.ourInitiator(MUTUAL);
      const mit = setup.mitAcceptor();
      await mit.start();
      const first = initiator.step(null);
      expect(first.complete).toBe(false);
      const reply = await mit.step(first.output);
      expect(reply.complete).toBe(true);
      expect(reply.peer).toBe(`alice@${REALM}`);
      expect(initiator.step(reply.token!)).toEqual({ output: Buffer.alloc(0), complete: true });
      expect(initiator.sessionKey).toEqual(reply.sessionKey);
      await wrapBothWays(initiator, mit);
      initiator.dispose();
    });

    test('without mutual: one leg, MIT sends nothing back; wraps both ways', async () => {
      const initiator = setup.ourInitiator(MUTUAL & ~GssFlag.MUTUAL);
      const mit = setup.mitAcceptor();
      await mit.start();
      const first = initiator.step(null);
      expect(first.complete).toBe(true);
      const reply = await mit.step(first.output);
      expect(reply).toMatchObject({ token: null, complete: true, peer: `alice@${REALM}` });
      await wrapBothWays(initiator, mit);
      initiator.dispose();
    });

    test('a forwarded TGT (our KRB-CRED) lands in the ccache MIT stores, where klist reads it', async () => {
      const initiator = setup.ourInitiator(MUTUAL | GssFlag.DELEG, { delegate: true });
      const stored = join(setup.realm.dir, 'delegated-to-mit.ccache');
      const mit = setup.mitAcceptor(stored);
      await mit.start();
      const reply = await mit.step(initiator.step(null).output);
      expect(reply.delegated).toBe(true);
      initiator.step(reply.token!);
      expect(initiator.gssFlags & GssFlag.DELEG).toBe(GssFlag.DELEG);
      const { stdout } = await setup.realm.run('klist', ['-c', `FILE:${stored}`]);
      expect(stdout).toContain(`Default principal: alice@${REALM}`);
      expect(stdout).toContain(`krbtgt/${REALM}@${REALM}`);
    });

    test('a replayed AP-REQ is refused by MIT’s replay cache', async () => {
      const token = setup.ourInitiator(MUTUAL).step(null).output;
      const mit = setup.mitAcceptor();
      await mit.start();
      await mit.step(token);
      const again = setup.mitAcceptor();
      await again.start();
      const refused = await again.step(token).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(PeerRefused);
      expect((refused as PeerRefused).reason).toMatch(/replay/i);
    });
  });

  describe('MIT’s initiator → our acceptor', () => {
    test('mutual authentication over our AP-REP; the client is alice@AP.TEST; wraps both ways', async () => {
      const mit = setup.mitInitiator();
      const acceptor = setup.ourAcceptor();
      const ours = acceptor.step((await mit.start()).token!);
      expect(ours.complete).toBe(true);
      expect(acceptor.identity).toEqual({ user: 'alice', domain: REALM });
      expect(acceptor.gssFlags & GssFlag.MUTUAL).toBe(GssFlag.MUTUAL);
      const done = await mit.step(ours.output);
      expect(done.complete).toBe(true);
      expect(done.token).toBeNull();
      // MIT's SSPI session key is the key in force: our acceptor subkey.
      expect(done.sessionKey).toEqual(acceptor.sessionKey);
      await wrapBothWays(acceptor, mit);
      acceptor.dispose();
    });

    test('a forwarded TGT arrives as `delegated`', async () => {
      const mit = setup.mitInitiator({ deleg: true });
      const acceptor = setup.ourAcceptor();
      await mit.step(acceptor.step((await mit.start()).token!).output);
      expect(acceptor.gssFlags & GssFlag.DELEG).toBe(GssFlag.DELEG);
      const [info] = acceptor.delegated!.ticketInfo;
      expect(info.pname?.nameString).toEqual(['alice']);
      expect(info.sname?.nameString).toEqual(['krbtgt', REALM]);
      acceptor.dispose();
    });

    test('a ticket for another service is refused, and MIT reads our KRB-ERROR', async () => {
      await setup.realm.kadmin('addprinc -randkey HTTP/other.ap.test');
      const mit = setup.mitInitiator({ target: 'HTTP@other.ap.test' });
      const acceptor = setup.ourAcceptor();
      let refusal: { code?: string; output?: Buffer } | undefined;
      try {
        acceptor.step((await mit.start()).token!);
      } catch (err) {
        refusal = err as typeof refusal;
      }
      expect(refusal?.code).toBe('SEC_E_NO_KERB_KEY');
      const mitSaw = await mit.step(refusal!.output!).catch((err: unknown) => err);
      expect(mitSaw).toBeInstanceOf(PeerRefused);
      // KRB_AP_ERR_NOKEY, as MIT's error table words it.
      expect((mitSaw as PeerRefused).reason).toContain('Service key not available');
    });
  });
});

describeWithPeers(['mit-krb5'], 'Kerberos AP exchange with MIT, one enctype per realm', () => {
  describe.each([
    ['AES128-SHA1.TEST', 'aes128-cts-hmac-sha1-96', Enctype.AES128_CTS_HMAC_SHA1_96],
    ['AES128-SHA256.TEST', 'aes128-cts-hmac-sha256-128', Enctype.AES128_CTS_HMAC_SHA256_128],
    ['AES256-SHA384.TEST', 'aes256-cts-hmac-sha384-192', Enctype.AES256_CTS_HMAC_SHA384_192],
  ])('%s (%s)', (name, mitName, enctype) => {
    const setup = useApRealm(name, [mitName]);

    test('the realm issues tickets and session keys of that enctype only', () => {
      expect(setup.ticketEnctypes()).toEqual({ session: enctype, ticket: enctype });
    });

    test('our initiator → MIT’s acceptor', async () => {
      const initiator = setup.ourInitiator(MUTUAL);
      const mit = setup.mitAcceptor();
      await mit.start();
      const reply = await mit.step(initiator.step(null).output);
      expect(reply.peer).toBe(`alice@${name}`);
      initiator.step(reply.token!);
      expect(initiator.complete).toBe(true);
      await wrapBothWays(initiator, mit);
    });

    test('MIT’s initiator → our acceptor', async () => {
      const mit = setup.mitInitiator();
      const acceptor = setup.ourAcceptor();
      const done = await mit.step(acceptor.step((await mit.start()).token!).output);
      expect(done.complete).toBe(true);
      expect(acceptor.identity).toEqual({ user: 'alice', domain: name });
      await wrapBothWays(acceptor, mit);
    });
  });

  describe('RC4.TEST (arcfour-hmac service keys)', () => {
    // Without allow_rc4 MIT's KDC issues no rc4-hmac session key even when asked for one (kinit
    // then fails with KDC_ERR_ETYPE_NOSUPP), so the rc4-hmac in play here is the service key the
    // ticket is encrypted in; RC4-SESSION.TEST below has rc4-hmac session keys.
    const setup = useApRealm('RC4.TEST', ['arcfour-hmac'], { clientEnctypes: false });

    test('tickets under rc4-hmac service keys, with aes256 session keys', () => {
      expect(setup.ticketEnctypes()).toEqual({
        session: Enctype.AES256_CTS_HMAC_SHA1_96,
        ticket: Enctype.RC4_HMAC,
      });
    });

    test('our initiator → MIT’s acceptor, and MIT’s initiator → our acceptor', async () => {
      const initiator = setup.ourInitiator(MUTUAL);
      const mitAcceptor = setup.mitAcceptor();
      await mitAcceptor.start();
      initiator.step((await mitAcceptor.step(initiator.step(null).output)).token!);
      await wrapBothWays(initiator, mitAcceptor);
      const mitInitiator = setup.mitInitiator();
      const acceptor = setup.ourAcceptor();
      await mitInitiator.step(acceptor.step((await mitInitiator.start()).token!).output);
      await wrapBothWays(acceptor, mitInitiator);
    });
  });
});

/** Both sides' per-message tokens over an rc4-hmac key (RFC 4757 7): sealed, signed-only and MICs. */
async function rc4TokensBothWays(ours: MechanismContext, mit: JsonPeer): Promise<void> {
  await wrapBothWays(ours, mit);
  for (let i = 0; i < 2; i++) {
    const toMit = Buffer.from(`signed by us, #${i}`);
    await mit.verifyMic(toMit, ours.sign(toMit));
    const toUs = Buffer.from(`signed by MIT, #${i}`);
    const mic = await mit.getMic(toUs);
    expect(unwrapInitialContextToken(mic).tokId).toBe(0x0101);
    ours.verify(toUs, mic);
    const clear = Buffer.from(`wrapped unsealed by MIT, #${i}`);
    const wrapped = await mit.wrapSigned(clear);
    expect(unwrapInitialContextToken(wrapped).tokId).toBe(0x0201);
    expect(wrapped.includes(clear)).toBe(true);
    expect(ours.unwrap(wrapped)).toEqual(clear);
  }
}

/**
 * MIT's tokens altered, replayed or skipped are refused by us and leave our sequence where it
 * was; ours altered are refused by MIT (last: MIT's peer ends on a refusal).
 */
async function rc4Refusals(ours: MechanismContext, mit: JsonPeer): Promise<void> {
  const first = await mit.wrap(Buffer.from('first'));
  const second = await mit.wrap(Buffer.from('second'));
  const altered = Buffer.from(first);
  altered[altered.length - 3] ^= 0x01;
  expect(() => ours.unwrap(altered)).toThrow(expect.objectContaining({ code: 'SEC_E_MESSAGE_ALTERED' }));
  expect(() => ours.unwrap(second)).toThrow(expect.objectContaining({ code: 'SEC_E_OUT_OF_SEQUENCE' }));
  expect(ours.unwrap(first).toString()).toBe('first');
  expect(() => ours.unwrap(first)).toThrow(expect.objectContaining({ code: 'SEC_E_OUT_OF_SEQUENCE' }));
  const mic = await mit.getMic(Buffer.from('signed'));
  expect(() => ours.verify(Buffer.from('signeD'), mic)).toThrow(
    expect.objectContaining({ code: 'SEC_E_MESSAGE_ALTERED' }),
  );
  expect(ours.unwrap(second).toString()).toBe('second');
  ours.verify(Buffer.from('signed'), mic);
  const ourToken = ours.wrap(Buffer.from('to MIT'));
  ourToken[ourToken.length - 2] ^= 0x01;
  await expect(mit.unwrap(ourToken)).rejects.toBeInstanceOf(PeerRefused);
}

describeWithPeers(['mit-krb5'], 'rc4-hmac per-message tokens with MIT (RFC 4757 7)', () => {
  const name = 'RC4-SESSION.TEST';
  // allow_rc4: MIT's KDC issues rc4-hmac session keys, and its client takes them, only with it.
  const setup = useApRealm(name, ['arcfour-hmac'], { allowRc4: true });

  test('the realm issues rc4-hmac session keys and tickets', () => {
    expect(setup.ticketEnctypes()).toEqual({ session: Enctype.RC4_HMAC, ticket: Enctype.RC4_HMAC });
  });

  test('our initiator → MIT’s acceptor: wraps sealed and not, MICs, both ways', async () => {
    const initiator = setup.ourInitiator(MUTUAL);
    const mit = setup.mitAcceptor();
    await mit.start();
    initiator.step((await mit.step(initiator.step(null).output)).token!);
    expect(initiator.complete).toBe(true);
    await rc4TokensBothWays(initiator, mit);
  });

  test('our initiator → MIT’s acceptor without mutual authentication (one sequence number both ways)', async () => {
    const initiator = setup.ourInitiator(MUTUAL & ~GssFlag.MUTUAL);
    const mit = setup.mitAcceptor();
    await mit.start();
    await mit.step(initiator.step(null).output);
    await rc4TokensBothWays(initiator, mit);
  });

  test('MIT’s initiator → our acceptor: wraps sealed and not, MICs, both ways', async () => {
    const mit = setup.mitInitiator();
    const acceptor = setup.ourAcceptor();
    const done = await mit.step(acceptor.step((await mit.start()).token!).output);
    expect(done.complete).toBe(true);
    // No acceptor subkey for rc4-hmac: MIT and we run on its initiator subkey.
    expect(done.sessionKey).toEqual(acceptor.sessionKey);
    await rc4TokensBothWays(acceptor, mit);
  });

  test('altered, replayed and skipped tokens are refused both ways', async () => {
    const initiator = setup.ourInitiator(MUTUAL);
    const mitAcceptor = setup.mitAcceptor();
    await mitAcceptor.start();
    initiator.step((await mitAcceptor.step(initiator.step(null).output)).token!);
    await rc4Refusals(initiator, mitAcceptor);
    const mitInitiator = setup.mitInitiator();
    const acceptor = setup.ourAcceptor();
    await mitInitiator.step(acceptor.step((await mitInitiator.start()).token!).output);
    await rc4Refusals(acceptor, mitInitiator);
  });
});
