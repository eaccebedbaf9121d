/**
 * MIT's GSSAPI Kerberos through scripts/peers/gss_peer.py, initiator ↔ acceptor through the JSON
 * relay: the peer every Kerberos interop test stands on, proved against itself first. Raw krb5
 * (RFC 4121) and under SPNEGO, mutual authentication, delegation (the forwarded TGT lands in a
 * ccache klist reads), wraps both ways, and a service key that does not match is refused.
 */
import { join } from 'node:path';
import { describeWithPeers } from './peers/availability';
import { JsonPeer, PeerRefused, type PeerStep } from './peers/json-peer';
import { startMitRealm, type MitRealm } from './peers/mit-realm';

const KRB5_OID = '1.2.840.113554.1.2.2';
const SPNEGO_OID = '1.3.6.1.5.5.2';

interface Relayed {
  initiator: JsonPeer;
  acceptor: JsonPeer;
  initiatorDone: PeerStep;
  acceptorDone: PeerStep;
  /** How many tokens went across. */
  legs: number;
}

/** Relays tokens from `initiator` to `acceptor` and back until both are complete. */
async function relay(initiator: JsonPeer, acceptor: JsonPeer): Promise<Relayed> {
  await acceptor.start();
  let fromInitiator = await initiator.start();
  let legs = 1;
  for (;;) {
    const fromAcceptor = await acceptor.step(fromInitiator.token!);
    if (fromAcceptor.token === null) {
      if (!fromInitiator.complete || !fromAcceptor.complete) throw new Error('the relay stalled');
      return { initiator, acceptor, initiatorDone: fromInitiator, acceptorDone: fromAcceptor, legs };
    }
    legs++;
    fromInitiator = await initiator.step(fromAcceptor.token);
    if (fromInitiator.token === null) {
      if (!fromInitiator.complete || !fromAcceptor.complete) throw new Error('the relay stalled');
      return { initiator, acceptor, initiatorDone: fromInitiator, acceptorDone: fromAcceptor, legs };
    }
    legs++;
  }
}

async function wrapBothWays(a: JsonPeer, b: JsonPeer): Promise<void> {
  for (const [from, to] of [
    [a, b],
    [b, a],
    [a, b],
  ]) {
    const data = Buffer.from(`a message sealed by MIT, ${Math.random()}`);
    const wrapped = await from.wrap(data);
    expect(wrapped.includes(data)).toBe(false);
    expect(await to.unwrap(wrapped)).toEqual({ data, confidential: true });
  }
}

describeWithPeers(
  ['mit-krb5', 'gss-ntlmssp'],
  "MIT GSSAPI Kerberos: MIT's initiator ↔ MIT's acceptor",
  () => {
    let realm: MitRealm;
    let ccache: string;
    let keytab: string;
    const peers: JsonPeer[] = [];

    beforeAll(async () => {
      realm = await startMitRealm({ realm: 'GSS.TEST' });
      await realm.addUser('alice', 'Alice-Gss-1');
      ccache = await realm.kinit('alice', 'Alice-Gss-1');
      keytab = await realm.addService('HTTP/svc.gss.test');
    });
    afterEach(async () => {
      await Promise.all(peers.splice(0).map((peer) => peer.close()));
    });
    afterAll(() => realm?.stop());

    const initiator = (mech: 'krb5' | 'spnego', deleg = false): JsonPeer => {
      const peer = JsonPeer.mitInitiator(mech, {
        env: { ...realm.env, KRB5CCNAME: `FILE:${ccache}` },
        target: 'HTTP@svc.gss.test',
        deleg,
      });
      peers.push(peer);
      return peer;
    };
    const acceptor = (mech: 'krb5' | 'spnego', keys = keytab, storeDelegated?: string): JsonPeer => {
      const peer = JsonPeer.mitAcceptor(mech, {
        env: { ...realm.env, KRB5_KTNAME: `FILE:${keys}` },
        storeDelegated,
      });
      peers.push(peer);
      return peer;
    };

    test('raw krb5: AP-REQ, AP-REP; names, mech, mutual; no delegation unasked; wraps both ways', async () => {
      const done = await relay(initiator('krb5'), acceptor('krb5'));
      expect(done.legs).toBe(2);
      expect(done.acceptorDone.peer).toBe('alice@GSS.TEST');
      // No [domain_realm] entry: MIT names the target in the referral realm, '' (RFC 6806).
      expect(done.initiatorDone.peer).toBe('HTTP/svc.gss.test@');
      expect(done.acceptorDone.mech).toBe(KRB5_OID);
      expect(done.initiatorDone.mech).toBe(KRB5_OID);
      expect(done.initiatorDone.flagNames).toEqual(
        expect.arrayContaining(['mutual_authentication', 'confidentiality', 'integrity']),
      );
      expect(done.acceptorDone.delegated).toBe(false);
      expect(done.acceptorDone.sessionKey).toEqual(done.initiatorDone.sessionKey);
      await wrapBothWays(done.initiator, done.acceptor);
    });

    test('--deleg: the acceptor gets alice’s forwarded TGT and stores it where klist reads it', async () => {
      const stored = join(realm.dir, 'delegated.ccache');
      const done = await relay(initiator('krb5', true), acceptor('krb5', keytab, stored));
      expect(done.initiatorDone.flagNames).toContain('delegate_to_peer');
      expect(done.acceptorDone.delegated).toBe(true);
      const { stdout } = await realm.run('klist', ['-c', `FILE:${stored}`]);
      expect(stdout).toContain('Default principal: alice@GSS.TEST');
      expect(stdout).toContain('krbtgt/GSS.TEST@GSS.TEST');
    });

    test('SPNEGO picks Kerberos from the ccache and keytab; wraps both ways', async () => {
      const done = await relay(initiator('spnego'), acceptor('spnego'));
      expect(done.acceptorDone.peer).toBe('alice@GSS.TEST');
      expect(done.acceptorDone.mech).toBe(KRB5_OID);
      expect(done.initiatorDone.mech).toBe(KRB5_OID);
      expect(done.initiatorDone.mech).not.toBe(SPNEGO_OID);
      await wrapBothWays(done.initiator, done.acceptor);
    });

    test('an acceptor whose keytab holds other keys refuses the AP-REQ', async () => {
      await realm.kadmin('addprinc -randkey HTTP/other.gss.test');
      const other = join(realm.dir, 'other.keytab');
      await realm.ktadd('HTTP/other.gss.test', other);
      await expect(relay(initiator('krb5'), acceptor('krb5', other))).rejects.toBeInstanceOf(PeerRefused);
    });
  },
);
