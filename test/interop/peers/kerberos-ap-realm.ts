/**
 * A throwaway MIT realm set up for AP-exchange interop: alice with a TGT and a service ticket
 * (MIT's `kvno`) in her ccache, a service with its keytab, and constructors for the four ends:
 * our initiator over the ccache's ticket, our acceptor over the keytab's keys, and MIT's
 * initiator and acceptor (scripts/peers/gss_peer.py --mech krb5). Register it inside a describe:
 * it starts the realm in beforeAll and stops it (and every peer) after.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KerberosAcceptor } from '../../../lib/emulated/mechanisms/kerberos/acceptor';
import {
  findCredential,
  parseCcache,
  wipeCcache,
  type CcacheCredential,
} from '../../../lib/emulated/mechanisms/kerberos/files/ccache';
import {
  keysFor,
  parseKeytab,
  wipeKeytab,
  type KeytabEntry,
} from '../../../lib/emulated/mechanisms/kerberos/files/keytab';
import { encodeDelegation } from '../../../lib/emulated/mechanisms/kerberos/delegation';
import { KerberosInitiator } from '../../../lib/emulated/mechanisms/kerberos/initiator';
import { NameType } from '../../../lib/emulated/mechanisms/kerberos/messages/constants';
import { parseTicket } from '../../../lib/emulated/mechanisms/kerberos/messages/ticket';
import { ReplayCache } from '../../../lib/emulated/mechanisms/kerberos/replay-cache';
import { JsonPeer } from './json-peer';
import { startMitRealm, type MitRealm } from './mit-realm';

export interface ApRealm {
  readonly realm: MitRealm;
  /** The service's host ('svc.<realm, lowercased>'); its SPN is HTTP/host. */
  readonly host: string;
  /** Our initiator over the service ticket in alice's ccache; with `delegate`, forwarding her TGT. */
  ourInitiator(flags: number, opts?: { delegate?: boolean }): KerberosInitiator;
  /** The enctypes of that ticket's session key and of its encryption (the service key). */
  ticketEnctypes(): { session: number; ticket: number };
  ourAcceptor(): KerberosAcceptor;
  mitInitiator(opts?: { target?: string; deleg?: boolean }): JsonPeer;
  /** MIT's acceptor, storing a delegated credential into `storeDelegated` when one comes. */
  mitAcceptor(storeDelegated?: string): JsonPeer;
}

/**
 * The realm `name` for the enclosing describe. With `enctypes` (MIT's names), the realm's keys,
 * alice's tickets and every session key and subkey are of those only (unless `clientEnctypes` is
 * false: then the keys only, and MIT's KDC picks session keys of aes256-cts-hmac-sha1-96);
 * without, the harness's. `allowRc4` lets MIT's KDC issue rc4-hmac session keys (startMitRealm).
 */
export function useApRealm(
  name: string,
  enctypes?: string[],
  opts: { clientEnctypes?: boolean; allowRc4?: boolean } = {},
): ApRealm {
  const host = `svc.${name.toLowerCase()}`;
  const spn = `HTTP/${host}`;
  let realm: MitRealm | undefined;
  let ccache = '';
  let keytabPath = '';
  let keytab: KeytabEntry[] = [];
  const peers: JsonPeer[] = [];
  const started = (): MitRealm => {
    if (!realm) throw new Error('the realm has not started');
    return realm;
  };

  let clientEnv: Record<string, string> = {};

  beforeAll(async () => {
    realm = await startMitRealm({ realm: name, enctypes, allowRc4: opts.allowRc4 });
    if (enctypes && opts.clientEnctypes !== false) {
      // The KDC gives a session key of an enctype the client asks for, whatever the service's
      // keys: only asking for `enctypes` makes the session keys and subkeys of those too.
      const only = enctypes.join(' ');
      const config = join(realm.dir, 'krb5-client.conf');
      writeFileSync(
        config,
        readFileSync(realm.krb5ConfPath, 'utf8').replace(
          '[libdefaults]\n',
          `[libdefaults]\n default_tkt_enctypes = ${only}\n default_tgs_enctypes = ${only}\n permitted_enctypes = ${only}\n`,
        ),
      );
      clientEnv = { KRB5_CONFIG: config };
    }
    await realm.addUser('alice', 'Alice-Ap-1');
    keytabPath = await realm.addService(spn);
    ccache = join(realm.dir, 'cc_alice');
    await realm.run('kinit', ['-c', `FILE:${ccache}`, 'alice'], 'Alice-Ap-1\n', clientEnv);
    keytab = parseKeytab(readFileSync(keytabPath));
    await realm.run('kvno', ['-c', `FILE:${ccache}`, `${spn}@${name}`], undefined, clientEnv);
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((peer) => peer.close()));
  });
  afterAll(async () => {
    wipeKeytab(keytab);
    await realm?.stop();
  });

  /** `use` over the ccache's ticket for `server` (in the realm); the cache's keys wiped after. */
  const withCredential = <T>(server: string, use: (credential: CcacheCredential) => T): T => {
    const cache = parseCcache(readFileSync(ccache));
    try {
      const credential = findCredential(cache, {
        realm: name,
        name: { nameType: NameType.SRV_INST, nameString: server.split('/') },
      });
      if (!credential) throw new Error(`the ccache has no ticket for ${server}`);
      return use(credential);
    } finally {
      wipeCcache(cache);
    }
  };

  const track = (peer: JsonPeer): JsonPeer => {
    peers.push(peer);
    return peer;
  };

  return {
    get realm() {
      return started();
    },
    host,
    ourInitiator(flags, opts = {}) {
      return withCredential(spn, (credential) => {
        const delegation = opts.delegate
          ? withCredential(`krbtgt/${name}`, (tgt) =>
              encodeDelegation(
                {
                  ticket: parseTicket(tgt.ticket),
                  key: tgt.key,
                  client: tgt.client,
                  server: tgt.server,
                  flags: tgt.ticketFlags,
                  authtime: tgt.authtime,
                  starttime: tgt.starttime,
                  endtime: tgt.endtime,
                  renewTill: tgt.renewTill,
                },
                credential.key,
                new Date(),
              ),
            )
          : undefined;
        return new KerberosInitiator({
          ticket: parseTicket(credential.ticket),
          sessionKey: credential.key,
          cname: credential.client.name,
          crealm: credential.client.realm,
          flags,
          delegation,
        });
      });
    },
    ticketEnctypes() {
      return withCredential(spn, (credential) => ({
        session: credential.key.keyType,
        ticket: parseTicket(credential.ticket).encPart.etype,
      }));
    },
    ourAcceptor() {
      return new KerberosAcceptor({
        keys: (sname, r, kvno, etype) => keysFor(keytab, sname, r, kvno, etype)[0]?.key,
        replayCache: new ReplayCache(),
      });
    },
    mitInitiator(opts = {}) {
      return track(
        JsonPeer.mitInitiator('krb5', {
          env: { ...started().env, ...clientEnv, KRB5CCNAME: `FILE:${ccache}` },
          target: opts.target ?? `HTTP@${host}`,
          deleg: opts.deleg,
        }),
      );
    },
    mitAcceptor(storeDelegated) {
      return track(
        JsonPeer.mitAcceptor('krb5', {
          env: { ...started().env, ...clientEnv, KRB5_KTNAME: `FILE:${keytabPath}` },
          storeDelegated,
        }),
      );
    },
  };
}
