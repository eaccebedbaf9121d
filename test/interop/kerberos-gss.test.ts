/**
 * Our Kerberos AP exchange (lib/emulated/mechanisms/kerberos/initiator.ts, acceptor.ts) against
 * MIT's GSSAPI (scripts/peers/gss_peer.py --mech krb5) in a throwaway realm:
 * - MIT's initiator (after kinit) → our acceptor, keys from the keytab file as MIT wrote it: the
 *   client's name, MIT's mutual authentication over our AP-REP and subkey, wraps both ways, a
 *   forwarded TGT, and a ticket for another service refused with a KRB-ERROR MIT understands;
 * - our initiator, with the service ticket MIT's `kvno` put in the ccache → MIT's acceptor with the
 *   keytab: mutual authentication, wraps both ways.
 */
import { readFileSync } from 'node:fs';
import { KerberosAcceptor } from '../../lib/emulated/mechanisms/kerberos/acceptor';
import {
  keysFor,
  parseKeytab,
  wipeKeytab,
  type KeytabEntry,
} from '../../lib/emulated/mechanisms/kerberos/files/keytab';
import { GssFlag } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { ReplayCache } from '../../lib/emulated/mechanisms/kerberos/replay-cache';
import type { MechanismContext } from '../../lib/emulated/mechanisms/mechanism-context';
import { describeWithPeers } from './peers/availability';
import { JsonPeer, PeerRefused } from './peers/json-peer';
import { startMitRealm, type MitRealm } from './peers/mit-realm';

const REALM = 'AP.TEST';
const SERVICE = 'HTTP/svc.ap.test';

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
  let realm: MitRealm;
  let ccache: string;
  let keytab: KeytabEntry[];
  const peers: JsonPeer[] = [];

  beforeAll(async () => {
    realm = await startMitRealm({ realm: REALM });
    await realm.addUser('alice', 'Alice-Ap-1');
    ccache = await realm.kinit('alice', 'Alice-Ap-1');
    keytab = parseKeytab(readFileSync(await realm.addService(SERVICE)));
    await realm.kadmin('addprinc -randkey HTTP/other.ap.test');
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });
  afterAll(async () => {
    wipeKeytab(keytab ?? []);
    await realm?.stop();
  });

  const ourAcceptor = () =>
    new KerberosAcceptor({
      keys: (sname, r, kvno, etype) => keysFor(keytab, sname, r, kvno, etype)[0]?.key,
      replayCache: new ReplayCache(),
    });

  const mitInitiator = (target = 'HTTP@svc.ap.test', deleg = false) => {
    const peer = JsonPeer.mitInitiator('krb5', {
      env: { ...realm.env, KRB5CCNAME: `FILE:${ccache}` },
      target,
      deleg,
    });
    peers.push(peer);
    return peer;
  };

  describe('MIT’s initiator → our acceptor', () => {
    test('mutual authentication over our AP-REP; the client is alice@AP.TEST; wraps both ways', async () => {
      const mit = mitInitiator();
      const acceptor = ourAcceptor();
      const apReq = (await mit.start()).token!;
      const ours = acceptor.step(apReq);
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
      const mit = mitInitiator('HTTP@svc.ap.test', true);
      const acceptor = ourAcceptor();
      await mit.step(acceptor.step((await mit.start()).token!).output);
      expect(acceptor.gssFlags & GssFlag.DELEG).toBe(GssFlag.DELEG);
      const [info] = acceptor.delegated!.ticketInfo;
      expect(info.pname?.nameString).toEqual(['alice']);
      expect(info.sname?.nameString).toEqual(['krbtgt', REALM]);
      acceptor.dispose();
    });

    test('a ticket for another service is refused, and MIT reads our KRB-ERROR', async () => {
      const mit = mitInitiator('HTTP@other.ap.test');
      const acceptor = ourAcceptor();
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
