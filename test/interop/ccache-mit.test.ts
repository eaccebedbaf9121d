/**
 * Credential caches against MIT krb5: the cache kinit writes parses to alice's TGT, whose
 * session key is the one inside the ticket (decrypted with the krbtgt key kadmin exports); MIT's
 * klist reads the cache we re-encode as it read the original, and kvno uses its TGT to get a
 * service ticket it appends to our file. kinit's version 3 caches read too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TagClass, contextFields, explicitContent, parseDer } from '../../lib/emulated/asn1/der';
import { readInteger, readOctetString } from '../../lib/emulated/asn1/der-values';
import { enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import {
  encodeCcache,
  findCredential,
  parseCcache,
  wipeCcache,
  type Ccache,
} from '../../lib/emulated/mechanisms/kerberos/files/ccache';
import { keysFor, parseKeytab } from '../../lib/emulated/mechanisms/kerberos/files/keytab';
import { describeWithPeers } from './peers/availability';
import { startMitRealm, type MitRealm } from './peers/mit-realm';

const REALM = 'CCACHE.TEST';
const TGS = { realm: REALM, name: { nameType: 2, nameString: ['krbtgt', REALM] } };
const FORWARDABLE = 0x40000000;
const INITIAL = 0x00400000;

/** The session key inside a Ticket (RFC 4120 5.3), decrypted with the service's key. */
function ticketSessionKey(
  ticketDer: Buffer,
  serviceKey: Buffer,
  etype: number,
): { keyType: number; keyValue: Buffer } {
  const ticket = contextFields(explicitContent(parseDer(ticketDer), 1, TagClass.Application));
  const encPart = contextFields(ticket.get(3)!);
  expect(readInteger(encPart.get(0)!)).toBe(etype);
  const plain = enctypeProfile(etype).decrypt(
    serviceKey,
    KeyUsage.KDC_REP_TICKET,
    readOctetString(encPart.get(2)!),
  );
  const encTicketPart = contextFields(explicitContent(parseDer(plain), 3, TagClass.Application));
  const key = contextFields(encTicketPart.get(1)!);
  return { keyType: readInteger(key.get(0)!), keyValue: readOctetString(key.get(1)!) };
}

/** klist's listing without its first line (which names the file). */
async function klist(realm: MitRealm, path: string): Promise<string> {
  const { stdout } = await realm.run('klist', ['-c', `FILE:${path}`, '-e', '-f', '-C']);
  return stdout.split('\n').slice(1).join('\n');
}

describeWithPeers(['mit-krb5'], 'credential caches against MIT krb5', () => {
  let realm: MitRealm;
  let kinitCache: string;
  let cache: Ccache;
  beforeAll(async () => {
    realm = await startMitRealm({ realm: REALM });
    await realm.addUser('alice', 'Alice-Ccache-1');
    await realm.addService('HTTP/svc.ccache.test');
    kinitCache = await realm.kinit('alice', 'Alice-Ccache-1');
    cache = parseCcache(readFileSync(kinitCache));
  });
  afterAll(async () => {
    if (cache) wipeCcache(cache);
    await realm?.stop();
  });

  test("kinit's cache: version 4, alice, one TGT with its times and flags, MIT's config entries apart", () => {
    expect(cache.version).toBe(4);
    // The KDC's clock and ours are one machine's: the offset kinit measured is under a second.
    expect(Math.abs(cache.kdcTimeOffset!.seconds)).toBeLessThanOrEqual(1);
    expect(cache.defaultPrincipal).toEqual({ realm: REALM, name: { nameType: 1, nameString: ['alice'] } });
    expect(cache.credentials).toHaveLength(1);
    const tgt = findCredential(cache, TGS)!;
    expect(tgt.client).toEqual(cache.defaultPrincipal);
    expect(tgt.server).toEqual(TGS);
    expect(Math.abs(tgt.authtime.getTime() - Date.now())).toBeLessThan(120_000);
    expect(tgt.starttime).toEqual(tgt.authtime);
    expect(tgt.endtime.getTime() - tgt.authtime.getTime()).toBe(10 * 3600 * 1000); // the realm's max_life
    expect(tgt.ticketFlags & (FORWARDABLE | INITIAL)).toBe(FORWARDABLE | INITIAL);
    expect(tgt.isSkey).toBe(false);
    expect(tgt.secondTicket.length).toBe(0);
    expect(tgt.ticket[0]).toBe(0x61); // [APPLICATION 1] Ticket
    expect(cache.configEntries.map((c) => c.server.name.nameString.slice(0, 2))).toContainEqual([
      'krb5_ccache_conf_data',
      'fast_avail',
    ]);
  });

  test("the TGT's session key is the one sealed inside the ticket by the krbtgt key", async () => {
    const tgt = findCredential(cache, TGS)!;
    const keytab = join(realm.dir, 'krbtgt.keytab');
    await realm.ktadd(`krbtgt/${REALM}`, keytab);
    const etype = contextFields(
      contextFields(explicitContent(parseDer(tgt.ticket), 1, TagClass.Application)).get(3)!,
    ).get(0)!;
    const [krbtgtKey] = keysFor(
      parseKeytab(readFileSync(keytab)),
      TGS.name,
      REALM,
      undefined,
      readInteger(etype),
    );
    const inside = ticketSessionKey(tgt.ticket, krbtgtKey.key.keyValue, krbtgtKey.key.keyType);
    expect(tgt.key).toEqual(inside);
  });

  test('MIT klist reads the cache we encode exactly as it read kinit’s, config entries included', async () => {
    const ours = join(realm.dir, 'ours.ccache');
    writeFileSync(ours, encodeCcache(cache));
    expect(await klist(realm, ours)).toBe(await klist(realm, kinitCache));
    expect(parseCcache(readFileSync(ours))).toEqual(cache);
  });

  test('MIT kvno takes the TGT from our cache, gets a service ticket and appends it we then read', async () => {
    const ours = join(realm.dir, 'kvno.ccache');
    writeFileSync(ours, encodeCcache(cache));
    const { stdout } = await realm.run('kvno', ['-c', `FILE:${ours}`, `HTTP/svc.ccache.test@${REALM}`]);
    expect(stdout).toMatch(/HTTP\/svc\.ccache\.test@CCACHE\.TEST: kvno = 1/);
    const after = parseCcache(readFileSync(ours));
    try {
      const service = findCredential(after, {
        realm: REALM,
        name: { nameType: 1, nameString: ['HTTP', 'svc.ccache.test'] },
      });
      expect(service).toBeDefined();
      expect(service!.client).toEqual(cache.defaultPrincipal);
      expect(service!.key.keyValue.length).toBeGreaterThanOrEqual(16);
      expect(service!.ticketFlags & INITIAL).toBe(0);
    } finally {
      wipeCcache(after);
    }
  });

  test('a version 3 cache (ccache_type = 3) reads to the same TGT', async () => {
    const v3conf = join(realm.dir, 'v3.conf');
    writeFileSync(v3conf, '[libdefaults]\n ccache_type = 3\n');
    const path = join(realm.dir, 'v3.ccache');
    // KRB5_CONFIG is a list of profiles; the first to set a relation wins.
    await realm.run('kinit', ['-c', `FILE:${path}`, 'alice'], 'Alice-Ccache-1\n', {
      KRB5_CONFIG: `${v3conf}:${realm.krb5ConfPath}`,
    });
    const v3 = parseCcache(readFileSync(path));
    try {
      expect(v3.version).toBe(3);
      expect(v3.kdcTimeOffset).toBeUndefined();
      expect(findCredential(v3, TGS)?.client).toEqual(cache.defaultPrincipal);
    } finally {
      wipeCcache(v3);
    }
  });
});
