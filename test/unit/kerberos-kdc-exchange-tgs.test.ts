/**
 * The TGS exchange (RFC 4120 3.3) against the fake KDC: the PA-TGS-REQ the KDC verifies (ticket,
 * authenticator, body checksum), subkeys, forwarded TGTs, and what the reply must match.
 */
import { enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import { AsExchange, type KdcStep } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/as-exchange';
import {
  disposeCredential,
  referralRealm,
  tgsRealmOf,
  type KdcCredential,
} from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/credential';
import {
  TgsExchange,
  canForward,
  forwardedTgtExchange,
} from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/tgs-exchange';
import {
  KdcOption,
  KrbErrorCode,
  NameType,
  TicketFlag,
} from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { encodeKdcReq } from '../../lib/emulated/mechanisms/kerberos/messages/kdc-req';
import { parseKrbError } from '../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import { parseApReq } from '../../lib/emulated/mechanisms/kerberos/messages/ap';
import { parseEncTicketPart } from '../../lib/emulated/mechanisms/kerberos/messages/ticket';
import { FakeKdc } from './support/fake-kdc';

const WEB = {
  name: { nameType: NameType.SRV_INST, nameString: ['HTTP', 'web.fake.test'] },
  realm: 'FAKE.TEST',
};

function drive(kdc: FakeKdc, exchange: { start(): Buffer; receive(r: Buffer): KdcStep }): KdcCredential {
  let step: KdcStep = { request: exchange.start() };
  while (step.request) step = exchange.receive(kdc.handle(step.request));
  return step.credential;
}

function setup(): { kdc: FakeKdc; tgt: KdcCredential } {
  const kdc = new FakeKdc();
  kdc.users.set('alice', { password: 'pw-alice', etypes: [18] });
  kdc.services.set('HTTP/web.fake.test', Buffer.alloc(32, 7));
  const tgt = drive(
    kdc,
    new AsExchange({
      client: { name: { nameType: NameType.PRINCIPAL, nameString: ['alice'] }, realm: kdc.realm },
      secret: { password: Buffer.from('pw-alice') },
    }),
  );
  return { kdc, tgt };
}

function statusOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

test.each([false, true])('gets a service ticket the service key decrypts (subkey: %s)', (useSubkey) => {
  const { kdc, tgt } = setup();
  const ticket = drive(kdc, new TgsExchange({ tgt, server: WEB, useSubkey }));
  const request = kdc.requests.at(-1)!;
  expect(request.msgType).toBe(12);
  expect(request.reqBody.sname).toEqual(WEB.name);
  expect(request.reqBody.kdcOptions & KdcOption.FORWARDABLE).toBeTruthy(); // the TGT is forwardable
  expect(ticket.server.name.nameString).toEqual(['HTTP', 'web.fake.test']);
  expect(ticket.key.keyValue).toEqual(kdc.sessionKeys.at(-1));
  const part = parseEncTicketPart(
    enctypeProfile(18).decrypt(Buffer.alloc(32, 7), KeyUsage.KDC_REP_TICKET, ticket.ticket.encPart.cipher),
  );
  expect(part.cname.nameString).toEqual(['alice']);
  expect(part.key.keyValue).toEqual(ticket.key.keyValue);
});

test('the authenticator checksum covers the body: a KDC that gets another body refuses', () => {
  const { kdc, tgt } = setup();
  kdc.handle(new TgsExchange({ tgt, server: WEB }).start());
  const sent = kdc.requests.at(-1)!;
  expect(parseApReq(sent.padata![0].padataValue).ticket.encoded).toEqual(tgt.ticket.encoded);
  // The same PA-TGS-REQ with another service in the body.
  const { encoded: _, ...body } = {
    ...sent.reqBody,
    sname: { nameType: 2, nameString: ['krbtgt', 'FAKE.TEST'] },
  };
  const forged = encodeKdcReq({ msgType: 12, padata: sent.padata, reqBody: body });
  expect(parseKrbError(kdc.handle(forged)).errorCode).toBe(KrbErrorCode.KRB_AP_ERR_MODIFIED);
});

test('an unknown service is SEC_E_TARGET_UNKNOWN', () => {
  const { kdc, tgt } = setup();
  const server = { name: { nameType: 2, nameString: ['HTTP', 'nowhere'] }, realm: 'FAKE.TEST' };
  const exchange = new TgsExchange({ tgt, server });
  const reply = kdc.handle(exchange.start());
  expect(() => exchange.receive(reply)).toThrow(/knows no service HTTP\/nowhere@FAKE.TEST/);
  const again = new TgsExchange({ tgt, server });
  expect(statusOf(() => again.receive(kdc.handle(again.start())))).toBe('SEC_E_TARGET_UNKNOWN');
});

test('an expired TGT is SEC_E_CONTEXT_EXPIRED', () => {
  const { kdc, tgt } = setup();
  kdc.now = () => new Date(Date.now() + 48 * 3600_000);
  const exchange = new TgsExchange({ tgt, server: WEB });
  expect(statusOf(() => exchange.receive(kdc.handle(exchange.start())))).toBe('SEC_E_CONTEXT_EXPIRED');
});

test.each([
  ['another nonce', { nonce: 1 }],
  ['another sname', { sname: { nameType: 2, nameString: ['HTTP', 'evil.fake.test'] } }],
  ['another cname', { cname: { nameType: 1, nameString: ['bob'] } }],
  ['a flipped byte', { tamper: true }],
])('a TGS-REP with %s is SEC_E_INVALID_TOKEN', (_, bend) => {
  const { kdc, tgt } = setup();
  kdc.bend = bend;
  const exchange = new TgsExchange({ tgt, server: WEB, useSubkey: true });
  expect(statusOf(() => exchange.receive(kdc.handle(exchange.start())))).toBe('SEC_E_INVALID_TOKEN');
});

describe('referrals (a TGT for another realm in place of the service)', () => {
  const toOther = { sname: { nameType: 2, nameString: ['krbtgt', 'OTHER.TEST'] } };

  test('are refused unless asked for', () => {
    const { kdc, tgt } = setup();
    kdc.bend = toOther;
    const exchange = new TgsExchange({ tgt, server: WEB });
    expect(statusOf(() => exchange.receive(kdc.handle(exchange.start())))).toBe('SEC_E_INVALID_TOKEN');
  });

  test('are taken with acceptReferrals, and referralRealm names the next realm', () => {
    const { kdc, tgt } = setup();
    kdc.bend = toOther;
    const referral = drive(kdc, new TgsExchange({ tgt, server: WEB, acceptReferrals: true }));
    expect(referralRealm(referral.server)).toBe('OTHER.TEST');
    expect(tgsRealmOf(referral)).toBe('OTHER.TEST');
    expect(referralRealm(tgt.server)).toBeUndefined();
  });

  test('must come from the KDC asked', () => {
    const { kdc, tgt } = setup();
    kdc.bend = { ...toOther, srealm: 'THIRD.TEST' };
    const exchange = new TgsExchange({ tgt, server: WEB, acceptReferrals: true });
    expect(() => exchange.receive(kdc.handle(exchange.start()))).toThrow(/not one of the KDC we asked/);
  });
});

test('a forwarded TGT: kdc-option FORWARDED, a krbtgt ticket flagged FORWARDED', () => {
  const { kdc, tgt } = setup();
  expect(canForward(tgt)).toBe(true);
  const forwarded = drive(kdc, forwardedTgtExchange(tgt));
  expect(kdc.requests.at(-1)!.reqBody.kdcOptions & KdcOption.FORWARDED).toBeTruthy();
  expect(forwarded.server.name.nameString).toEqual(['krbtgt', 'FAKE.TEST']);
  expect(forwarded.flags & TicketFlag.FORWARDED).toBeTruthy();
  expect(forwarded.key.keyValue).not.toEqual(tgt.key.keyValue);
});

test('a TGT that is not forwardable cannot be forwarded', () => {
  const { tgt } = setup();
  const plain = { ...tgt, flags: tgt.flags & ~TicketFlag.FORWARDABLE };
  expect(canForward(plain)).toBe(false);
  expect(statusOf(() => forwardedTgtExchange(plain))).toBe('SEC_E_NO_CREDENTIALS');
});

test.each([
  ['an etype we do not run (DES)', { keyType: 3, keyValue: Buffer.alloc(8) }],
  ['a key of the wrong length', { keyType: 18, keyValue: Buffer.alloc(16) }],
])('a TGT whose session key is %s is SEC_E_NO_CREDENTIALS', (_, key) => {
  const { tgt } = setup();
  expect(statusOf(() => new TgsExchange({ tgt: { ...tgt, key }, server: WEB }).start())).toBe(
    'SEC_E_NO_CREDENTIALS',
  );
});

test('disposeCredential wipes the session key', () => {
  const { tgt } = setup();
  disposeCredential(tgt);
  expect(tgt.key.keyValue.every((b) => b === 0)).toBe(true);
});

test('a TGT replaced (its key wiped) while the KDC answers: the reply still decrypts under the key it was asked with', () => {
  const { kdc, tgt } = setup();
  const exchange = new TgsExchange({ tgt, server: WEB });
  const request = exchange.start();
  disposeCredential(tgt); // what the store does to a TGT it replaces
  expect(tgt.key.keyValue.every((b) => b === 0)).toBe(true);
  const step = exchange.receive(kdc.handle(request));
  expect(step.credential!.key.keyValue).toEqual(kdc.sessionKeys.at(-1));
});
