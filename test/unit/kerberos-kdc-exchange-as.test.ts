/**
 * The AS exchange (RFC 4120 3.1) against a fake KDC in the test: the pre-authentication flow,
 * salts and etypes, the checks on the AS-REP, and KRB-ERRORs as SSPI statuses.
 */
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import {
  AsExchange,
  type AsExchangeOptions,
  type KdcStep,
} from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/as-exchange';
import type { KdcCredential } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/credential';
import {
  encodeEtypeInfo2,
  encodeMethodData,
  parseEncryptedData,
} from '../../lib/emulated/mechanisms/kerberos/messages/common';
import {
  KdcOption,
  KrbErrorCode,
  NameType,
  PaType,
} from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  encodeKerbErrorData,
  encodeKerbExtError,
  KerbErrorDataType,
} from '../../lib/emulated/mechanisms/kerberos/messages/ms-kile';
import { parseEncTicketPart } from '../../lib/emulated/mechanisms/kerberos/messages/ticket';
import { FakeKdc } from './support/fake-kdc';

const PASSWORD = 'Correct-Horse-7';

function kdcWithAlice(user: Partial<import('./support/fake-kdc').FakeUser> = {}): FakeKdc {
  const kdc = new FakeKdc();
  kdc.users.set('alice', { password: PASSWORD, etypes: [Enctype.AES256_CTS_HMAC_SHA1_96], ...user });
  return kdc;
}

function options(kdc: FakeKdc, extra: Partial<AsExchangeOptions> = {}): AsExchangeOptions {
  return {
    client: { name: { nameType: NameType.PRINCIPAL, nameString: ['alice'] }, realm: kdc.realm },
    secret: { password: Buffer.from(PASSWORD) },
    ...extra,
  };
}

function runAs(kdc: FakeKdc, opts: AsExchangeOptions): KdcCredential {
  const exchange = new AsExchange(opts);
  let step: KdcStep = { request: exchange.start() };
  for (let round = 0; step.request; round++) {
    if (round > 3) throw new Error('the exchange does not end');
    step = exchange.receive(kdc.handle(step.request));
  }
  return step.credential;
}

function statusOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('pre-authentication', () => {
  test('answers KDC_ERR_PREAUTH_REQUIRED with PA-ENC-TIMESTAMP and gets a TGT the KDC made', () => {
    const kdc = kdcWithAlice();
    const tgt = runAs(kdc, options(kdc));
    expect(kdc.requests).toHaveLength(2);
    expect(kdc.requests[0].padata ?? []).toHaveLength(0);
    const pa = kdc.requests[1].padata!.find((p) => p.padataType === PaType.ENC_TIMESTAMP)!;
    expect(parseEncryptedData(pa.padataValue).etype).toBe(Enctype.AES256_CTS_HMAC_SHA1_96);
    const body = kdc.requests[1].reqBody;
    expect(body.sname!.nameString).toEqual(['krbtgt', 'FAKE.TEST']);
    expect(body.kdcOptions).toBe(KdcOption.FORWARDABLE | KdcOption.RENEWABLE_OK);
    expect(body.etype).toEqual([18, 17, 20, 19]);
    expect(tgt.key.keyValue).toEqual(kdc.sessionKeys[0]);
    expect(tgt.server.name.nameString).toEqual(['krbtgt', 'FAKE.TEST']);
    expect(tgt.client.name.nameString).toEqual(['alice']);
    // The ticket is the KDC's: it decrypts with the krbtgt key and names alice.
    const part = parseEncTicketPart(
      enctypeProfile(18).decrypt(kdc.krbtgtKey, KeyUsage.KDC_REP_TICKET, tgt.ticket.encPart.cipher),
    );
    expect(part.cname.nameString).toEqual(['alice']);
  });

  test('uses the salt and s2kparams of ETYPE-INFO2', () => {
    const params = Buffer.from([0, 0, 0x10, 0]);
    const kdc = kdcWithAlice({ salt: 'CUSTOM.SALTalice-renamed', s2kParams: params });
    const tgt = runAs(kdc, options(kdc));
    expect(tgt.key.keyValue).toEqual(kdc.sessionKeys[0]);
  });

  test('takes the first ETYPE-INFO2 entry in an etype it offered', () => {
    const kdc = kdcWithAlice({ etypes: [Enctype.AES128_CTS_HMAC_SHA1_96] });
    kdc.bend.etypeInfo2 = [{ etype: 3 }, { etype: Enctype.AES128_CTS_HMAC_SHA1_96 }, { etype: 18 }];
    runAs(kdc, options(kdc));
    const pa = kdc.requests[1].padata!.find((p) => p.padataType === PaType.ENC_TIMESTAMP)!;
    expect(parseEncryptedData(pa.padataValue).etype).toBe(Enctype.AES128_CTS_HMAC_SHA1_96);
  });

  test('ETYPE-INFO2 in no etype it offered is SEC_E_KDC_UNKNOWN_ETYPE', () => {
    const kdc = kdcWithAlice();
    kdc.bend.etypeInfo2 = [{ etype: 23 }];
    expect(statusOf(() => runAs(kdc, options(kdc)))).toBe('SEC_E_KDC_UNKNOWN_ETYPE');
  });

  test('a wrong password is SEC_E_LOGON_DENIED (KDC_ERR_PREAUTH_FAILED)', () => {
    const kdc = kdcWithAlice();
    const opts = options(kdc, { secret: { password: Buffer.from('wrong') } });
    expect(() => runAs(kdc, opts)).toThrow(/KDC_ERR_PREAUTH_FAILED/);
    expect(statusOf(() => runAs(kdc, opts))).toBe('SEC_E_LOGON_DENIED');
  });

  test('an iteration count above the bound is refused before deriving', () => {
    const kdc = kdcWithAlice();
    kdc.bend.etypeInfo2 = [{ etype: 18, s2kParams: Buffer.from([0xff, 0, 0, 0]) }];
    const started = Date.now();
    expect(statusOf(() => runAs(kdc, options(kdc)))).toBe('SEC_E_INVALID_TOKEN');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a tampered AS-REP after pre-authentication is SEC_E_INVALID_TOKEN, not a wrong password', () => {
    const kdc = kdcWithAlice();
    kdc.bend.tamper = true;
    expect(statusOf(() => runAs(kdc, options(kdc)))).toBe('SEC_E_INVALID_TOKEN');
  });
});

describe('without pre-authentication', () => {
  test('the salt comes from the AS-REP PA-ETYPE-INFO2', () => {
    const kdc = kdcWithAlice({ salt: 'OTHERsalt' });
    kdc.requirePreauth = false;
    const tgt = runAs(kdc, options(kdc));
    expect(kdc.requests).toHaveLength(1);
    expect(tgt.key.keyValue).toEqual(kdc.sessionKeys[0]);
  });

  test('the salt comes from PA-PW-SALT', () => {
    const kdc = kdcWithAlice({ salt: 'PWSALT' });
    kdc.requirePreauth = false;
    kdc.bend.pwSalt = 'PWSALT';
    expect(runAs(kdc, options(kdc)).key.keyValue).toEqual(kdc.sessionKeys[0]);
  });

  test('a wrong password is SEC_E_LOGON_DENIED: the reply does not decrypt', () => {
    const kdc = kdcWithAlice();
    kdc.requirePreauth = false;
    expect(() => runAs(kdc, options(kdc, { secret: { password: Buffer.from('nope') } }))).toThrow(
      /does not decrypt/,
    );
    expect(statusOf(() => runAs(kdc, options(kdc, { secret: { password: Buffer.from('nope') } })))).toBe(
      'SEC_E_LOGON_DENIED',
    );
  });

  test('an enc-part in an etype it did not offer is refused', () => {
    const kdc = kdcWithAlice({ etypes: [18, 23] });
    kdc.requirePreauth = false;
    kdc.bend.replyEtype = 23;
    expect(() => runAs(kdc, options(kdc))).toThrow(/etype 23, which we did not offer/);
  });
});

describe('the AS-REP must answer our request', () => {
  test.each([
    ['another nonce', { nonce: 12345 }, /nonce/],
    ['another sname', { sname: { nameType: 2, nameString: ['krbtgt', 'EVIL.TEST'] } }, /krbtgt\/EVIL.TEST/],
    ['another cname', { cname: { nameType: 1, nameString: ['mallory'] } }, /mallory/],
  ])('%s is SEC_E_INVALID_TOKEN', (_, bend, message) => {
    const kdc = kdcWithAlice();
    kdc.bend = bend;
    expect(() => runAs(kdc, options(kdc))).toThrow(message);
    expect(statusOf(() => runAs(kdc, options(kdc)))).toBe('SEC_E_INVALID_TOKEN');
  });

  test('a session key in an etype we did not offer (rc4-hmac) is SEC_E_INVALID_TOKEN', () => {
    const kdc = kdcWithAlice();
    kdc.bend = { sessionEtype: Enctype.RC4_HMAC };
    expect(() => runAs(kdc, options(kdc))).toThrow(/session key is of etype 23, which we did not offer/);
  });

  test('a reply that is not a KDC message is SEC_E_INVALID_TOKEN', () => {
    const exchange = new AsExchange(options(new FakeKdc()));
    exchange.start();
    expect(statusOf(() => exchange.receive(Buffer.from([0x6b, 0x03, 0x30, 0x01, 0x00])))).toBe(
      'SEC_E_INVALID_TOKEN',
    );
  });
});

describe('etypes and keys', () => {
  test('rc4-hmac is offered only when allowed', () => {
    const kdc = kdcWithAlice({ etypes: [23] });
    expect(statusOf(() => runAs(kdc, options(kdc)))).toBe('SEC_E_KDC_UNKNOWN_ETYPE');
    const tgt = runAs(kdc, options(kdc, { allowRc4: true }));
    expect(kdc.requests.at(-1)!.reqBody.etype).toEqual([18, 17, 20, 19, 23]);
    expect(tgt.key.keyValue).toEqual(kdc.sessionKeys.at(-1));
  });

  test('with keytab keys it offers only their etypes and uses them as they are', () => {
    const kdc = kdcWithAlice({ etypes: [18, 17] });
    const key = kdc.userKey('alice', 17);
    const tgt = runAs(kdc, options(kdc, { secret: { keys: [{ keyType: 17, keyValue: key }] } }));
    expect(kdc.requests[0].reqBody.etype).toEqual([17]);
    expect(tgt.key.keyValue).toEqual(kdc.sessionKeys[0]);
    expect(key.equals(kdc.userKey('alice', 17))).toBe(true); // the keytab's key is not wiped
  });

  test('a keytab key of the wrong length is SEC_E_NO_CREDENTIALS', () => {
    const kdc = kdcWithAlice();
    const keys = [{ keyType: 18, keyValue: Buffer.alloc(16) }];
    expect(statusOf(() => runAs(kdc, options(kdc, { secret: { keys } })))).toBe('SEC_E_NO_CREDENTIALS');
  });

  test('keytab keys in no etype we support are SEC_E_NO_CREDENTIALS', () => {
    const kdc = kdcWithAlice();
    expect(
      statusOf(() =>
        runAs(kdc, options(kdc, { secret: { keys: [{ keyType: 3, keyValue: Buffer.alloc(8) }] } })),
      ),
    ).toBe('SEC_E_NO_CREDENTIALS');
  });
});

describe('KRB-ERRORs as SSPI statuses', () => {
  test.each([
    [KrbErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN, 'SEC_E_LOGON_DENIED', /knows no user alice@FAKE.TEST/],
    [KrbErrorCode.KRB_AP_ERR_SKEW, 'SEC_E_TIME_SKEW', /clock/],
    [KrbErrorCode.KDC_ERR_ETYPE_NOSUPP, 'SEC_E_KDC_UNKNOWN_ETYPE', /KDC_ERR_ETYPE_NOSUPP/],
    [KrbErrorCode.KDC_ERR_CLIENT_REVOKED, 'SEC_E_LOGON_DENIED', /disabled or locked/],
    [KrbErrorCode.KDC_ERR_KEY_EXPIRED, 'SEC_E_LOGON_DENIED', /expired/],
    [KrbErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN, 'SEC_E_NO_AUTHENTICATING_AUTHORITY', /this realm's KDC/],
    [KrbErrorCode.KRB_ERR_GENERIC, 'SEC_E_LOGON_DENIED', /KRB_ERR_GENERIC \(60\), "no\\u000a"/],
  ])('error %d is %s', (code, status, message) => {
    const kdc = kdcWithAlice();
    kdc.bend = { error: code, eText: 'no\n' };
    expect(statusOf(() => runAs(kdc, options(kdc)))).toBe(status);
    expect(() => runAs(kdc, options(kdc))).toThrow(message);
  });

  test('a Windows KDC’s NTSTATUS (KERB-ERROR-DATA, MS-KILE 2.2.1) is named in the message', () => {
    const kdc = kdcWithAlice();
    const eData = encodeKerbErrorData({
      dataType: KerbErrorDataType.EXTENDED,
      dataValue: encodeKerbExtError({ status: 0xc0000234, flags: 1 }),
    });
    kdc.bend = { error: KrbErrorCode.KDC_ERR_CLIENT_REVOKED, eData };
    expect(() => runAs(kdc, options(kdc))).toThrow(/locked out .*Windows status 0xc0000234/);
  });

  test('an unknown user is a failed logon', () => {
    const kdc = new FakeKdc();
    expect(statusOf(() => runAs(kdc, options(kdc)))).toBe('SEC_E_LOGON_DENIED');
  });

  test('a clock out of step with the KDC is SEC_E_TIME_SKEW', () => {
    const kdc = kdcWithAlice();
    const late = () => new Date(Date.now() + 3600_000);
    expect(statusOf(() => runAs(kdc, options(kdc, { now: late })))).toBe('SEC_E_TIME_SKEW');
  });

  test.each([
    ['PKINIT only', [PaType.PK_AS_REQ, PaType.FX_FAST], 'SEC_E_UNSUPPORTED_PREAUTH'],
    [
      'ETYPE-INFO2 but no PA-ENC-TIMESTAMP',
      [PaType.ETYPE_INFO2, PaType.ENCRYPTED_CHALLENGE],
      'SEC_E_UNSUPPORTED_PREAUTH',
    ],
    [
      'only the FAST framework (MIT: no key in our etypes)',
      [PaType.FX_FAST, PaType.FX_COOKIE],
      'SEC_E_KDC_UNKNOWN_ETYPE',
    ],
    ['no METHOD-DATA at all', undefined, 'SEC_E_KDC_UNKNOWN_ETYPE'],
  ])('PREAUTH_REQUIRED offering %s is %s', (_, types, status) => {
    const kdc = kdcWithAlice();
    const info2 = encodeEtypeInfo2([{ etype: 18 }]);
    const eData =
      types &&
      encodeMethodData(
        types.map((t) => ({
          padataType: t,
          padataValue: t === PaType.ETYPE_INFO2 ? info2 : Buffer.alloc(0),
        })),
      );
    kdc.bend = { error: KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED, eData };
    expect(statusOf(() => runAs(kdc, options(kdc)))).toBe(status);
  });
});
