/**
 * The ticket store (tickets/ticket-store.ts) over the fake KDC: TGT and service tickets
 * cached until near their endtime, a ccache's TGT used as is, keys wiped on dispose.
 */
import type { SendOptions } from '../../lib/emulated/kdc/client';
import type { KdcCredential } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/credential';
import { isResponseTooBig } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/kdc-reply';
import { KrbErrorCode } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { encodeKrbError } from '../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import type { Ccache } from '../../lib/emulated/mechanisms/kerberos/files/ccache';
import { acquireTgt, runExchange } from '../../lib/emulated/tickets/kdc-calls';
import { MAX_TICKETS, TicketStore, type TicketStoreOptions } from '../../lib/emulated/tickets/ticket-store';
import { FakeKdc } from './support/fake-kdc';

function world() {
  const kdc = new FakeKdc();
  kdc.users.set('alice', { password: 'pw-alice', etypes: [18] });
  kdc.services.set('HTTP/web.fake.test', Buffer.alloc(32, 7));
  kdc.services.set('TERMSRV/rdp.fake.test', Buffer.alloc(32, 8));
  let clock = Date.now();
  kdc.now = () => new Date(clock);
  const sent: Array<{ realm: string; options: SendOptions }> = [];
  const options: TicketStoreOptions = {
    now: () => new Date(clock),
    send: async (realm, request, sendOptions) => {
      sent.push({ realm, options: sendOptions });
      return kdc.handle(request);
    },
  };
  return { kdc, options, sent, advance: (ms: number) => (clock += ms) };
}

const alice = (password = 'pw-alice') => ({
  user: 'alice',
  realm: 'FAKE.TEST',
  password: Buffer.from(password),
});

test('a service ticket is got once per SPN and kept until near its endtime', async () => {
  const { kdc, options, sent, advance } = world();
  const store = new TicketStore(alice(), options);
  const first = await store.serviceTicket('HTTP/web.fake.test');
  expect(await store.serviceTicket('HTTP/web.fake.test')).toBe(first);
  expect(kdc.requests.map((r) => r.msgType)).toEqual([10, 10, 12]);
  expect(sent[0].realm).toBe('FAKE.TEST');
  expect(sent[0].options.wantsTcp).toBe(isResponseTooBig);
  await store.serviceTicket('TERMSRV/rdp.fake.test');
  expect(kdc.requests.map((r) => r.msgType)).toEqual([10, 10, 12, 12]);
  // Ten hours on, minus less than the margin: both tickets are got again, and the TGT too.
  advance(10 * 3600_000 - 60_000);
  const renewed = await store.serviceTicket('HTTP/web.fake.test');
  expect(renewed).not.toBe(first);
  expect(kdc.requests.map((r) => r.msgType)).toEqual([10, 10, 12, 12, 10, 10, 12]);
  expect(first.key.keyValue.every((b) => b === 0)).toBe(true); // the old one was wiped
  store.dispose();
});

test('SPNs that differ only after the first 128 characters get tickets of their own', async () => {
  const { kdc, options } = world();
  const long = 'x'.repeat(150);
  kdc.services.set(`HTTP/${long}a`, Buffer.alloc(32, 1));
  kdc.services.set(`HTTP/${long}b`, Buffer.alloc(32, 2));
  const store = new TicketStore(alice(), options);
  const a = await store.serviceTicket(`HTTP/${long}a`);
  const b = await store.serviceTicket(`HTTP/${long}b`);
  expect(b).not.toBe(a);
  expect(b.server.name.nameString[1]).toBe(`${long}b`);
  store.dispose();
});

test('concurrent requests for one SPN share one TGS exchange', async () => {
  const { kdc, options } = world();
  const store = new TicketStore(alice(), options);
  const [a, b] = await Promise.all([
    store.serviceTicket('HTTP@web.fake.test'),
    store.serviceTicket('HTTP/web.fake.test'),
  ]);
  expect(a).toBe(b);
  expect(kdc.requests.filter((r) => r.msgType === 12)).toHaveLength(1);
  store.dispose();
});

test('a TGT the KDC finds expired is got again once', async () => {
  const { kdc, options } = world();
  const store = new TicketStore(alice(), { ...options, marginMs: 0 });
  await store.tgt();
  kdc.bend.error = KrbErrorCode.KRB_AP_ERR_TKT_EXPIRED;
  const handle = kdc.handle.bind(kdc);
  let failures = 1;
  kdc.handle = (req) => {
    if (failures-- <= 0) kdc.bend = {};
    return handle(req);
  };
  const ticket = await store.serviceTicket('HTTP/web.fake.test');
  expect(ticket.server.name.nameString).toEqual(['HTTP', 'web.fake.test']);
  expect(kdc.requests.map((r) => r.msgType)).toEqual([10, 10, 12, 10, 10, 12]);
  store.dispose();
});

test('a wrong password surfaces as SEC_E_LOGON_DENIED', async () => {
  const { options } = world();
  await expect(acquireTgt(alice('wrong'), options)).rejects.toMatchObject({ code: 'SEC_E_LOGON_DENIED' });
});

/** A ccache as kinit leaves it: the default principal and its TGT. */
function ccacheOf(...tgts: KdcCredential[]): Ccache {
  return {
    version: 4,
    defaultPrincipal: tgts[0].client,
    credentials: tgts.map((tgt) => ({
      client: tgt.client,
      server: tgt.server,
      key: tgt.key,
      authtime: tgt.authtime,
      endtime: tgt.endtime,
      isSkey: false,
      ticketFlags: tgt.flags,
      addresses: [],
      authData: [],
      ticket: tgt.ticket.encoded,
      secondTicket: Buffer.alloc(0),
    })),
    configEntries: [],
  };
}

test('a ccache TGT is used as it is; expired it is SEC_E_CONTEXT_EXPIRED, absent SEC_E_NO_CREDENTIALS', async () => {
  const { kdc, options, advance } = world();
  const tgt = await acquireTgt(alice(), options);
  const asRequests = kdc.requests.length;
  const store = new TicketStore({ ccache: ccacheOf(tgt) }, options);
  const held = await store.tgt();
  expect(held.key.keyValue).toEqual(tgt.key.keyValue);
  expect(held.key.keyValue).not.toBe(tgt.key.keyValue); // a copy of its own
  expect(held.ticket.encoded).toEqual(tgt.ticket.encoded);
  await store.serviceTicket('HTTP/web.fake.test');
  expect(kdc.requests.slice(asRequests).map((r) => r.msgType)).toEqual([12]);
  advance(11 * 3600_000);
  await expect(store.tgt()).rejects.toMatchObject({ code: 'SEC_E_CONTEXT_EXPIRED' });
  await expect(store.serviceTicket('TERMSRV/rdp.fake.test')).rejects.toMatchObject({
    code: 'SEC_E_CONTEXT_EXPIRED',
  });
  const empty = new TicketStore({ ccache: { ...ccacheOf(tgt), credentials: [] } }, options);
  await expect(empty.tgt()).rejects.toMatchObject({ code: 'SEC_E_NO_CREDENTIALS' });
  store.dispose();
  expect(held.key.keyValue.every((b) => b === 0)).toBe(true);
  expect(tgt.key.keyValue.every((b) => b === 0)).toBe(false); // the caller's stays the caller's
});

test('of two TGTs in a ccache the one that lasts longer is used', async () => {
  const { kdc, options } = world();
  kdc.bend.lifetimeSeconds = 3600;
  const short = await acquireTgt(alice(), options);
  kdc.bend.lifetimeSeconds = 7200;
  const long = await acquireTgt(alice(), options);
  const store = new TicketStore({ ccache: ccacheOf(short, long) }, options);
  expect((await store.tgt()).endtime).toEqual(long.endtime);
  store.dispose();
});

test('dispose wipes the password copy and every session key, and the store is closed', async () => {
  const { options } = world();
  const password = Buffer.from('pw-alice');
  const store = new TicketStore({ user: 'alice', realm: 'FAKE.TEST', password }, options);
  const tickets: KdcCredential[] = [await store.tgt(), await store.serviceTicket('HTTP/web.fake.test')];
  const captured = (store as unknown as { secret: { password: Buffer } }).secret.password;
  store.dispose();
  for (const t of tickets) expect(t.key.keyValue.every((b) => b === 0)).toBe(true);
  expect(captured.every((b) => b === 0)).toBe(true);
  expect(password.toString()).toBe('pw-alice'); // the caller's own stays the caller's
  await expect(store.serviceTicket('HTTP/web.fake.test')).rejects.toMatchObject({
    code: 'SEC_E_NO_CREDENTIALS',
  });
});

describe(`at most MAX_TICKETS (${MAX_TICKETS}) service tickets`, () => {
  /** A world with MAX_TICKETS + 1 services host0..hostN, and a store with tickets for host0..host{count-1}. */
  async function filled(count: number) {
    const w = world();
    for (let i = 0; i <= MAX_TICKETS; i++) w.kdc.services.set(`HTTP/host${i}.fake.test`, Buffer.alloc(32, i));
    const store = new TicketStore(alice(), w.options);
    const tickets: KdcCredential[] = [];
    for (let i = 0; i < count; i++) tickets.push(await store.serviceTicket(`HTTP/host${i}.fake.test`));
    const tgsRequests = () => w.kdc.requests.filter((r) => r.msgType === 12).length;
    return { ...w, store, tickets, tgsRequests };
  }
  const wiped = (t: KdcCredential) => t.key.keyValue.every((b) => b === 0);

  test('past the bound the least recently used is dropped and its key wiped', async () => {
    const { store, tickets, tgsRequests } = await filled(MAX_TICKETS);
    expect(await store.serviceTicket('HTTP/host0.fake.test')).toBe(tickets[0]); // host1 is now the oldest
    tickets.push(await store.serviceTicket(`HTTP/host${MAX_TICKETS}.fake.test`));
    expect(wiped(tickets[1])).toBe(true);
    expect(tickets.filter(wiped)).toEqual([tickets[1]]);
    // The other MAX_TICKETS are all still held: asking again sends nothing; host1 is got again.
    const before = tgsRequests();
    for (let i = 0; i <= MAX_TICKETS; i++)
      if (i !== 1) expect(await store.serviceTicket(`HTTP/host${i}.fake.test`)).toBe(tickets[i]);
    expect(tgsRequests()).toBe(before);
    expect(await store.serviceTicket('HTTP/host1.fake.test')).not.toBe(tickets[1]);
    expect(tgsRequests()).toBe(before + 1);
    store.dispose();
  });

  test('a ticket too near its endtime to be handed out goes before the least recently used', async () => {
    const { kdc, store, tickets, tgsRequests } = await filled(MAX_TICKETS - 1);
    kdc.bend.lifetimeSeconds = 60; // inside the five-minute margin from the start
    const short = await store.serviceTicket(`HTTP/host${MAX_TICKETS - 1}.fake.test`);
    expect(wiped(short)).toBe(false); // the ticket just got is handed out whole, stale or not
    kdc.bend.lifetimeSeconds = undefined;
    await store.serviceTicket(`HTTP/host${MAX_TICKETS}.fake.test`);
    expect(wiped(short)).toBe(true);
    expect(tickets.some(wiped)).toBe(false);
    const before = tgsRequests();
    expect(await store.serviceTicket('HTTP/host0.fake.test')).toBe(tickets[0]);
    expect(tgsRequests()).toBe(before);
    store.dispose();
  });
});

test('an unknown service through the store is SEC_E_TARGET_UNKNOWN', async () => {
  const { options } = world();
  const store = new TicketStore(alice(), options);
  await expect(store.serviceTicket('HTTP/nowhere.fake.test')).rejects.toMatchObject({
    code: 'SEC_E_TARGET_UNKNOWN',
  });
  store.dispose();
});

test('an exchange that never ends is cut after three round trips', async () => {
  let sent = 0;
  const endless = { start: () => Buffer.from([1]), receive: () => ({ request: Buffer.from([2]) }) };
  const send = async () => {
    sent++;
    return Buffer.alloc(0);
  };
  await expect(runExchange('R.TEST', endless, { send }, 'R.TEST')).rejects.toMatchObject({
    code: 'SEC_E_INTERNAL_ERROR',
  });
  expect(sent).toBe(3);
});

test('the kdc option names the KDCs of the client realm only', async () => {
  const configured: Array<[string, readonly string[] | undefined]> = [];
  const exchange = () => ({
    start: () => Buffer.from([1]),
    receive: () => ({ credential: {} as KdcCredential }),
  });
  const options: TicketStoreOptions = {
    kdc: ['127.0.0.1:88'],
    send: async (realm, _, o) => {
      configured.push([realm, o.configured]);
      return Buffer.alloc(0);
    },
  };
  await runExchange('HOME.TEST', exchange(), options, 'HOME.TEST');
  await runExchange('AWAY.TEST', exchange(), options, 'HOME.TEST');
  expect(configured).toEqual([
    ['HOME.TEST', ['127.0.0.1:88']],
    ['AWAY.TEST', undefined],
  ]);
});

test('isResponseTooBig recognises KRB_ERR_RESPONSE_TOO_BIG only', () => {
  const error = (errorCode: number) =>
    encodeKrbError({
      stime: new Date(0),
      susec: 0,
      errorCode,
      realm: 'R',
      sname: { nameType: 2, nameString: ['krbtgt', 'R'] },
    });
  expect(isResponseTooBig(error(KrbErrorCode.KRB_ERR_RESPONSE_TOO_BIG))).toBe(true);
  expect(isResponseTooBig(error(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED))).toBe(false);
  expect(isResponseTooBig(Buffer.from([0x7e, 0x00]))).toBe(false);
  expect(isResponseTooBig(Buffer.from([0x6b, 0x00]))).toBe(false);
});
