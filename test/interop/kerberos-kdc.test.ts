/**
 * Our AS and TGS exchanges against MIT's KDC (a throwaway realm, peers/mit-realm.ts): TGTs from
 * passwords in each AES enctype (and rc4-hmac only when allowed), with and without required
 * pre-authentication, and from a keytab; refusals as SSPI statuses (wrong password, unknown
 * user, clock skew); service tickets the service's own keytab key decrypts (so they are real),
 * over UDP and TCP, with and without a subkey; a forwarded TGT; a kinit's ccache TGT used for a
 * TGS (single sign-on); and a service of a second realm reached through a cross-realm TGT.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendToKdc } from '../../lib/emulated/kdc/client';
import { configOf, parseProfile } from '../../lib/emulated/kdc/krb5-conf';
import { enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import { parseCcache, wipeCcache } from '../../lib/emulated/mechanisms/kerberos/files/ccache';
import { keysFor, parseKeytab } from '../../lib/emulated/mechanisms/kerberos/files/keytab';
import {
  AsExchange,
  type AsExchangeOptions,
  type KdcStep,
} from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/as-exchange';
import { TgsExchange } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/tgs-exchange';
import {
  disposeCredential,
  type KdcCredential,
} from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/credential';
import { isResponseTooBig } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/kdc-reply';
import { parseEncryptedData } from '../../lib/emulated/mechanisms/kerberos/messages/common';
import { NameType, PaType, TicketFlag } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { parseKdcReq } from '../../lib/emulated/mechanisms/kerberos/messages/kdc-req';
import { parseEncTicketPart } from '../../lib/emulated/mechanisms/kerberos/messages/ticket';
import { acquireTgt } from '../../lib/emulated/tickets/kdc-calls';
import type { TicketSource } from '../../lib/emulated/tickets/ticket-sources';
import { TicketStore, type TicketStoreOptions } from '../../lib/emulated/tickets/ticket-store';
import { describeWithPeers } from './peers/availability';
import { startMitRealm, type MitRealm } from './peers/mit-realm';

const PASSWORD = 'Interop-Pass-1';
const ENCTYPES: Array<[string, number]> = [
  ['aes256-cts-hmac-sha1-96', 18],
  ['aes128-cts-hmac-sha1-96', 17],
  ['aes256-cts-hmac-sha384-192', 20],
  ['aes128-cts-hmac-sha256-128', 19],
];

/**
 * A service ticket's EncTicketPart, decrypted with `service@realm`'s key from its keytab: only a
 * ticket the KDC really issued for that service decrypts.
 */
function decryptedWithKeytab(ticket: KdcCredential, keytab: string, service: string, realm: string) {
  const [entry] = keysFor(
    parseKeytab(readFileSync(keytab)),
    { nameType: NameType.SRV_INST, nameString: service.split('/') },
    realm,
    undefined,
    ticket.ticket.encPart.etype,
  );
  const cipher = ticket.ticket.encPart.cipher;
  return parseEncTicketPart(
    enctypeProfile(entry.key.keyType).decrypt(entry.key.keyValue, KeyUsage.KDC_REP_TICKET, cipher),
  );
}

/** Run `use` with a TicketStore that is disposed after, whatever happens. */
async function withStore(
  source: TicketSource,
  options: TicketStoreOptions,
  use: (store: TicketStore) => Promise<void>,
): Promise<void> {
  const store = new TicketStore(source, options);
  try {
    await use(store);
  } finally {
    store.dispose();
  }
}

describeWithPeers(['mit-krb5'], 'Kerberos AS and TGS exchanges against MIT krb5kdc', () => {
  let realm: MitRealm;
  let webKeytab: string;

  beforeAll(async () => {
    realm = await startMitRealm({ realm: 'KDC.TEST' });
    await realm.kadmin(`addprinc +requires_preauth -pw ${PASSWORD} alice`);
    await realm.addUser('nopreauth', PASSWORD);
    for (const [name] of ENCTYPES)
      await realm.kadmin(`addprinc +requires_preauth -e ${name}:normal -pw ${PASSWORD} user-${name}`);
    await realm.kadmin(`addprinc +requires_preauth -e rc4-hmac:normal -pw ${PASSWORD} user-rc4`);
    webKeytab = await realm.addService('HTTP/web.kdc.test');
  }, 60_000);

  afterAll(() => realm?.stop());

  const user = (name: string, password = PASSWORD) => ({
    user: name,
    realm: 'KDC.TEST',
    password: Buffer.from(password),
  });
  const over = (transport: 'udp' | 'tcp') => ({ kdc: [`${transport}/${realm.kdc}`] });

  /** The ticket's EncTicketPart, decrypted with HTTP/web.kdc.test's key from its keytab. */
  const decryptedWithServiceKey = (ticket: KdcCredential) =>
    decryptedWithKeytab(ticket, webKeytab, 'HTTP/web.kdc.test', 'KDC.TEST');

  /** An exchange step by step over sendToKdc, so the requests can be looked at. */
  async function drive(exchange: {
    start(): Buffer;
    receive(reply: Buffer): KdcStep;
  }): Promise<{ credential: KdcCredential; requests: Buffer[] }> {
    const requests: Buffer[] = [];
    let step: KdcStep = { request: exchange.start() };
    while (step.request) {
      requests.push(step.request);
      step = exchange.receive(
        await sendToKdc('KDC.TEST', step.request, { configured: [realm.kdc], wantsTcp: isResponseTooBig }),
      );
    }
    return { credential: step.credential, requests };
  }

  const asExchange = (name: string, extra: Partial<AsExchangeOptions> = {}) =>
    new AsExchange({
      client: { name: { nameType: NameType.PRINCIPAL, nameString: [name] }, realm: 'KDC.TEST' },
      secret: { password: Buffer.from(PASSWORD) },
      ...extra,
    });

  async function asWithRequests(name: string): Promise<{ tgt: KdcCredential; requests: Buffer[] }> {
    const { credential, requests } = await drive(asExchange(name));
    return { tgt: credential, requests };
  }

  test.each(ENCTYPES)(
    'a password TGT with keys of %s only: PA-ENC-TIMESTAMP in etype %d',
    async (name, etype) => {
      const { tgt, requests } = await asWithRequests(`user-${name}`);
      expect(requests).toHaveLength(2);
      const pa = parseKdcReq(requests[1]).padata!.find((p) => p.padataType === PaType.ENC_TIMESTAMP)!;
      expect(parseEncryptedData(pa.padataValue).etype).toBe(etype);
      expect(tgt.server.name.nameString).toEqual(['krbtgt', 'KDC.TEST']);
      expect(tgt.flags & TicketFlag.PRE_AUTHENT).toBeTruthy();
      disposeCredential(tgt);
    },
  );

  test('a principal that needs no pre-authentication gets its TGT in one round trip', async () => {
    const { tgt, requests } = await asWithRequests('nopreauth');
    expect(requests).toHaveLength(1);
    expect(tgt.client.name.nameString).toEqual(['nopreauth']);
    disposeCredential(tgt);
  });

  test('a TGT from the user’s keytab (kadmin ktadd), and SEC_E_NO_CREDENTIALS from a keytab without the user', async () => {
    const path = join(realm.dir, 'alice.keytab');
    await realm.ktadd('alice', path);
    const keytab = parseKeytab(readFileSync(path));
    const tgt = await acquireTgt({ user: 'alice', realm: 'KDC.TEST', keytab }, over('udp'));
    expect(tgt.client.name.nameString).toEqual(['alice']);
    disposeCredential(tgt);
    const other = parseKeytab(readFileSync(webKeytab));
    await expect(
      acquireTgt({ user: 'alice', realm: 'KDC.TEST', keytab: other }, over('udp')),
    ).rejects.toMatchObject({
      code: 'SEC_E_NO_CREDENTIALS',
    });
  });

  test.each([
    ['a wrong password (pre-authentication fails)', 'alice', /KDC_ERR_PREAUTH_FAILED/],
    ['a wrong password (the AS-REP does not decrypt)', 'nopreauth', /does not decrypt/],
    ['an unknown user', 'nobody', /KDC_ERR_C_PRINCIPAL_UNKNOWN/],
  ])('%s is SEC_E_LOGON_DENIED', async (_, name, message) => {
    const failure = acquireTgt(user(name, 'Wrong-Pass-9'), over('udp'));
    await expect(failure).rejects.toMatchObject({ code: 'SEC_E_LOGON_DENIED' });
    await expect(failure).rejects.toThrow(message);
  });

  test.each(['udp', 'tcp'] as const)(
    'a service ticket over %s that the service’s keytab key decrypts',
    (transport) =>
      withStore(user('alice'), over(transport), async (store) => {
        const ticket = await store.serviceTicket('HTTP/web.kdc.test');
        const part = decryptedWithServiceKey(ticket);
        expect(part.cname.nameString).toEqual(['alice']);
        expect(part.crealm).toBe('KDC.TEST');
        expect(part.key.keyValue).toEqual(ticket.key.keyValue);
        // The host-based form names the same service: the cached ticket.
        expect(await store.serviceTicket('HTTP@web.kdc.test')).toBe(ticket);
      }),
  );

  test('an unknown service is SEC_E_TARGET_UNKNOWN', () =>
    withStore(user('alice'), over('tcp'), async (store) => {
      await expect(store.serviceTicket('HTTP/nowhere.kdc.test')).rejects.toMatchObject({
        code: 'SEC_E_TARGET_UNKNOWN',
      });
    }));

  test('a forwarded TGT for delegation', () =>
    withStore(user('alice'), over('udp'), async (store) => {
      const forwarded = await store.forwardedTgt();
      expect(forwarded.flags & TicketFlag.FORWARDED).toBeTruthy();
      expect(forwarded.server.name.nameString).toEqual(['krbtgt', 'KDC.TEST']);
      disposeCredential(forwarded);
    }));

  test('single sign-on: the TGT of a kinit ccache gets a real service ticket', async () => {
    const ccache = parseCcache(readFileSync(await realm.kinit('alice', PASSWORD)));
    await withStore({ ccache }, over('udp'), async (store) => {
      wipeCcache(ccache); // the store holds copies of its own
      expect(store.client).toEqual({
        realm: 'KDC.TEST',
        name: expect.objectContaining({ nameString: ['alice'] }),
      });
      const ticket = await store.serviceTicket('HTTP/web.kdc.test');
      expect(decryptedWithServiceKey(ticket).cname.nameString).toEqual(['alice']);
    });
  });

  test('rc4-hmac only when allowed: a user with only an rc4 key is SEC_E_KDC_UNKNOWN_ETYPE without', async () => {
    await expect(drive(asExchange('user-rc4'))).rejects.toMatchObject({ code: 'SEC_E_KDC_UNKNOWN_ETYPE' });
    const { credential, requests } = await drive(asExchange('user-rc4', { allowRc4: true }));
    const pa = parseKdcReq(requests[1]).padata!.find((p) => p.padataType === PaType.ENC_TIMESTAMP)!;
    expect(parseEncryptedData(pa.padataValue).etype).toBe(23);
    disposeCredential(credential);
  });

  test('a clock an hour off is SEC_E_TIME_SKEW', async () => {
    const late = () => new Date(Date.now() + 3600_000);
    await expect(drive(asExchange('alice', { now: late }))).rejects.toMatchObject({
      code: 'SEC_E_TIME_SKEW',
    });
  });

  test('a TGS-REQ with a subkey: MIT encrypts the reply in it (key usage 9)', async () => {
    const { credential: tgt } = await drive(asExchange('alice'));
    const server = {
      name: { nameType: NameType.SRV_INST, nameString: ['HTTP', 'web.kdc.test'] },
      realm: 'KDC.TEST',
    };
    const { credential: ticket } = await drive(new TgsExchange({ tgt, server, useSubkey: true }));
    expect(decryptedWithServiceKey(ticket).key.keyValue).toEqual(ticket.key.keyValue);
    disposeCredential(ticket);
    disposeCredential(tgt);
  });
});

describeWithPeers(['mit-krb5'], 'Kerberos cross-realm referrals between two MIT realms', () => {
  let home: MitRealm;
  let away: MitRealm;
  let awayKeytab: string;
  let services = 0;

  beforeAll(async () => {
    [home, away] = await Promise.all([
      startMitRealm({ realm: 'HOME.TEST' }),
      startMitRealm({ realm: 'AWAY.TEST' }),
    ]);
    // The trust: the same key for krbtgt/AWAY.TEST@HOME.TEST in both realms.
    const trust = `addprinc -pw Trust-Key-4 -e aes256-cts-hmac-sha1-96:normal krbtgt/AWAY.TEST@HOME.TEST`;
    await Promise.all([home.kadmin(trust), away.kadmin(trust)]);
    await home.addUser('alice', PASSWORD);
    awayKeytab = await away.addService('HTTP/web.away.test');
  }, 60_000);

  afterAll(async () => {
    await home?.stop();
    await away?.stop();
  });

  test.each(['HTTP/web.away.test@AWAY.TEST', 'HTTP/web.away.test'])(
    '%s: a cross-realm TGT from the home KDC, then the ticket from the away KDC',
    async (target) => {
      const config = configOf(
        parseProfile(`
[libdefaults]
  dns_lookup_kdc = false
[realms]
  HOME.TEST = {
    kdc = ${home.kdc}
  }
  AWAY.TEST = {
    kdc = ${away.kdc}
  }
[domain_realm]
  .away.test = AWAY.TEST
`),
      );
      const realms: string[] = [];
      const send: typeof sendToKdc = (realm, request, options) => {
        realms.push(realm);
        return sendToKdc(realm, request, options);
      };
      const alice = { user: 'alice', realm: 'HOME.TEST', password: Buffer.from(PASSWORD) };
      await withStore(alice, { config, send }, async (store) => {
        const ticket = await store.serviceTicket(target);
        expect(ticket.server).toEqual({
          name: expect.objectContaining({ nameString: ['HTTP', 'web.away.test'] }),
          realm: 'AWAY.TEST',
        });
        const part = decryptedWithKeytab(ticket, awayKeytab, 'HTTP/web.away.test', 'AWAY.TEST');
        expect(part.cname.nameString).toEqual(['alice']);
        expect(part.crealm).toBe('HOME.TEST');
        // The AS exchange and krbtgt/AWAY.TEST@HOME.TEST from home, the service from away.
        expect(realms).toEqual(['HOME.TEST', 'HOME.TEST', 'AWAY.TEST']);
        // The cross-realm TGT is kept: another service of the realm is one request away.
        const other = `HTTP/other-${++services}.away.test`;
        await away.kadmin(`addprinc -randkey ${other}`);
        await store.serviceTicket(`${other}@AWAY.TEST`);
        expect(realms.slice(3)).toEqual(['AWAY.TEST']);
      });
    },
  );
});
