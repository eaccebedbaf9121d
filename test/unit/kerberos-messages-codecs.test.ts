/**
 * Round trips of every Kerberos structure with every optional field, both with and without
 * them; what goes into secret memory; the text form of principal names.
 */
import fc from 'fast-check';
import {
  encodeApRep,
  encodeApReq,
  encodeAuthenticator,
  encodeEncApRepPart,
  parseApRep,
  parseApReq,
  parseAuthenticator,
  parseEncApRepPart,
} from '../../lib/emulated/mechanisms/kerberos/messages/ap';
import {
  encodeEncryptedData,
  encodeEtypeInfo2,
  encodeMethodData,
  encodePaData,
  encodePaEncTsEnc,
  encodePrincipalName,
  parseEncryptedData,
  parseEtypeInfo2,
  parseMethodData,
  parsePaEncTsEnc,
  parsePrincipalName,
  parsePrincipalText,
  principalToString,
} from '../../lib/emulated/mechanisms/kerberos/messages/common';
import {
  KdcOption,
  NameType,
  PaType,
  TicketFlag,
} from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  encodeEncKdcRepPart,
  encodeKdcRep,
  parseEncKdcRepPart,
  parseKdcRep,
} from '../../lib/emulated/mechanisms/kerberos/messages/kdc-rep';
import {
  encodeKdcReq,
  encodeKdcReqBody,
  parseKdcReq,
} from '../../lib/emulated/mechanisms/kerberos/messages/kdc-req';
import {
  encodeEncKrbCredPart,
  encodeKrbCred,
  parseEncKrbCredPart,
  parseKrbCred,
} from '../../lib/emulated/mechanisms/kerberos/messages/krb-cred';
import {
  encodeKrbError,
  isKrbError,
  krbErrorName,
  parseKrbError,
} from '../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import {
  encodeEncTicketPart,
  encodeTicket,
  parseEncTicketPart,
  parseTicket,
} from '../../lib/emulated/mechanisms/kerberos/messages/ticket';
import type {
  Authenticator,
  EncKdcRepPart,
  EncKrbCredPart,
  EncTicketPart,
  KdcReq,
  KrbError,
} from '../../lib/emulated/mechanisms/kerberos/messages/types';

const at = (iso: string) => new Date(iso);
const key = (fill: number) => ({ keyType: 18, keyValue: Buffer.alloc(32, fill) });
const alice = { nameType: NameType.PRINCIPAL, nameString: ['alice'] };
const krbtgt = { nameType: NameType.SRV_INST, nameString: ['krbtgt', 'EXAMPLE.COM'] };
const http = { nameType: NameType.SRV_HST, nameString: ['HTTP', 'web.example.com'] };
const addresses = [
  { addrType: 2, address: Buffer.from([127, 0, 0, 1]) },
  { addrType: 24, address: Buffer.alloc(16, 1) },
];
const authz = [{ adType: 1, adData: Buffer.from('3000', 'hex') }];
const ticket = encodeTicket({
  realm: 'EXAMPLE.COM',
  sname: http,
  encPart: { etype: 18, kvno: 3, cipher: Buffer.alloc(40, 7) },
});

/** Secret memory (lib/secret.ts): an ArrayBuffer of its own, not a slab of Buffer's pool. */
function expectOwnMemory(buf: Buffer): void {
  expect(buf.byteOffset).toBe(0);
  expect(buf.buffer.byteLength).toBe(buf.length);
}

describe('Kerberos structures round trip', () => {
  it('PrincipalName, EncryptedData, PA-DATA, METHOD-DATA, ETYPE-INFO2, PA-ENC-TS-ENC', () => {
    expect(parsePrincipalName(encodePrincipalName(http))).toEqual(http);
    expect(parsePrincipalName(encodePrincipalName({ nameType: 1, nameString: [] }))).toEqual({
      nameType: 1,
      nameString: [],
    });
    for (const ed of [
      { etype: 18, cipher: Buffer.from('abc') },
      { etype: 23, kvno: 0xfffffffe, cipher: Buffer.alloc(0) },
    ]) {
      expect(parseEncryptedData(encodeEncryptedData(ed))).toEqual(ed);
    }
    const padata = [
      { padataType: PaType.ENC_TIMESTAMP, padataValue: Buffer.from('x') },
      { padataType: PaType.PAC_REQUEST, padataValue: Buffer.from('3005a0030101ff', 'hex') },
    ];
    expect(parseMethodData(encodeMethodData(padata))).toEqual(padata);
    expect(encodePaData(padata[0]).toString('hex')).toBe('300aa103020102a203040178');
    const info = [
      { etype: 18, salt: 'EXAMPLE.COMalice', s2kParams: Buffer.from('00001000', 'hex') },
      { etype: 23 },
    ];
    expect(parseEtypeInfo2(encodeEtypeInfo2(info))).toEqual(info);
    expect(parsePaEncTsEnc(encodePaEncTsEnc(at('2026-12-07T01:02:03.999Z'), 999999))).toEqual({
      patimestamp: at('2026-12-07T01:02:03Z'),
      pausec: 999999,
    });
  });

  it('Ticket, keeping the bytes it was read from', () => {
    const parsed = parseTicket(ticket.encoded);
    expect(parsed).toEqual(ticket);
    expect(parsed.tktVno).toBe(5);
    const copy = Buffer.from(ticket.encoded);
    const fromCopy = parseTicket(copy);
    copy.fill(0);
    expect(fromCopy.encoded).toEqual(ticket.encoded);
  });

  it('EncTicketPart, written into and read into secret memory', () => {
    const full: EncTicketPart = {
      flags: TicketFlag.FORWARDABLE | TicketFlag.INITIAL | TicketFlag.PRE_AUTHENT,
      key: key(9),
      crealm: 'EXAMPLE.COM',
      cname: alice,
      transited: { trType: 1, contents: Buffer.alloc(0) },
      authtime: at('2026-12-07T00:00:00Z'),
      starttime: at('2026-12-07T00:00:01Z'),
      endtime: at('2026-12-07T10:00:00Z'),
      renewTill: at('2026-12-14T00:00:00Z'),
      caddr: addresses,
      authorizationData: authz,
    };
    const bytes = encodeEncTicketPart(full);
    expectOwnMemory(bytes);
    const parsed = parseEncTicketPart(bytes);
    expect(parsed).toEqual(full);
    expectOwnMemory(parsed.key.keyValue);
    bytes.fill(0);
    expect(parsed.key.keyValue).toEqual(Buffer.alloc(32, 9));
    const { starttime, renewTill, caddr, authorizationData, ...minimal } = full;
    expect([starttime, renewTill, caddr, authorizationData]).not.toContain(undefined);
    expect(parseEncTicketPart(encodeEncTicketPart(minimal))).toEqual(minimal);
  });

  it('AS-REQ and TGS-REQ; the body bytes are the ones encodeKdcReqBody writes', () => {
    const tgsReq: KdcReq = {
      msgType: 12,
      padata: [{ padataType: PaType.TGS_REQ, padataValue: Buffer.from('ap-req') }],
      reqBody: {
        kdcOptions: KdcOption.FORWARDABLE | KdcOption.CANONICALIZE | KdcOption.ENC_TKT_IN_SKEY,
        cname: alice,
        realm: 'EXAMPLE.COM',
        sname: http,
        from: at('2026-12-07T00:00:00Z'),
        till: at('2037-09-13T02:48:05Z'),
        rtime: at('2037-09-13T02:48:05Z'),
        nonce: 0xffffffff,
        etype: [18, 17, 23, -135],
        addresses,
        encAuthorizationData: { etype: 18, cipher: Buffer.from('ad') },
        additionalTickets: [ticket],
      },
    };
    const bytes = encodeKdcReq(tgsReq);
    const parsed = parseKdcReq(bytes);
    expect(parsed.reqBody.encoded).toEqual(encodeKdcReqBody(tgsReq.reqBody));
    expect(parsed).toEqual({ ...tgsReq, reqBody: { ...tgsReq.reqBody, encoded: parsed.reqBody.encoded } });
    const asReq: KdcReq = {
      msgType: 10,
      reqBody: { kdcOptions: 0, realm: 'R', till: at('2037-01-01T00:00:00Z'), nonce: 0, etype: [] },
    };
    const asParsed = parseKdcReq(encodeKdcReq(asReq));
    expect(asParsed).toEqual({ ...asReq, reqBody: { ...asReq.reqBody, encoded: asParsed.reqBody.encoded } });
    expect(encodeKdcReq(asReq)[0]).toBe(0x6a);
  });

  it('sends a body as its `encoded` bytes when it has them', () => {
    const body = { kdcOptions: 0, realm: 'R', till: at('2037-01-01T00:00:00Z'), nonce: 1, etype: [18] };
    const encoded = encodeKdcReqBody({ ...body, nonce: 2 });
    const parsed = parseKdcReq(encodeKdcReq({ msgType: 10, reqBody: { ...body, encoded } }));
    expect(parsed.reqBody.nonce).toBe(2);
  });

  it('AS-REP and TGS-REP, EncASRepPart and EncTGSRepPart', () => {
    for (const msgType of [11, 13] as const) {
      const rep = {
        msgType,
        padata: [{ padataType: PaType.ETYPE_INFO2, padataValue: encodeEtypeInfo2([{ etype: 18 }]) }],
        crealm: 'EXAMPLE.COM',
        cname: alice,
        ticket,
        encPart: { etype: 18, kvno: 1, cipher: Buffer.alloc(60, 3) },
      };
      expect(parseKdcRep(encodeKdcRep(rep), msgType)).toEqual(rep);
    }
    const part: EncKdcRepPart = {
      application: 25,
      key: key(4),
      lastReq: [{ lrType: 0, lrValue: at('2026-12-07T00:00:00Z') }],
      nonce: 0x89abcdef,
      keyExpiration: at('2027-01-01T00:00:00Z'),
      flags: TicketFlag.RENEWABLE | TicketFlag.ENC_PA_REP,
      authtime: at('2026-12-07T00:00:00Z'),
      starttime: at('2026-12-07T00:00:00Z'),
      endtime: at('2026-12-07T10:00:00Z'),
      renewTill: at('2026-12-08T10:00:00Z'),
      srealm: 'EXAMPLE.COM',
      sname: krbtgt,
      caddr: addresses,
      encryptedPaData: [{ padataType: PaType.REQ_ENC_PA_REP, padataValue: Buffer.from('c') }],
    };
    for (const application of [25, 26] as const) {
      const bytes = encodeEncKdcRepPart({ ...part, application });
      expectOwnMemory(bytes);
      expect(bytes[0]).toBe(0x60 | application);
      const parsed = parseEncKdcRepPart(bytes);
      expect(parsed).toEqual({ ...part, application });
      expectOwnMemory(parsed.key.keyValue);
    }
  });

  it('AP-REQ, Authenticator, AP-REP, EncAPRepPart', () => {
    const apReq = { apOptions: 0x20000000, ticket, authenticator: { etype: 18, cipher: Buffer.from('a') } };
    expect(parseApReq(encodeApReq(apReq))).toEqual(apReq);
    const authenticator: Authenticator = {
      crealm: 'EXAMPLE.COM',
      cname: alice,
      cksum: { cksumType: 0x8003, checksum: Buffer.alloc(24) },
      cusec: 123456,
      ctime: at('2026-12-07T01:00:00Z'),
      subkey: key(5),
      seqNumber: 0xdeadbeef,
      authorizationData: authz,
    };
    const bytes = encodeAuthenticator(authenticator);
    expectOwnMemory(bytes);
    const parsed = parseAuthenticator(bytes);
    expect(parsed).toEqual(authenticator);
    expectOwnMemory(parsed.subkey!.keyValue);
    const minimal = { crealm: 'R', cname: alice, cusec: 0, ctime: at('2026-12-07T01:00:00Z') };
    expect(parseAuthenticator(encodeAuthenticator(minimal))).toEqual(minimal);
    const apRep = { encPart: { etype: 18, cipher: Buffer.from('r') } };
    expect(parseApRep(encodeApRep(apRep))).toEqual(apRep);
    const repPart = { ctime: at('2026-12-07T01:00:00Z'), cusec: 7, subkey: key(6), seqNumber: 0 };
    const repBytes = encodeEncApRepPart(repPart);
    expectOwnMemory(repBytes);
    expect(parseEncApRepPart(repBytes)).toEqual(repPart);
    expect(parseEncApRepPart(encodeEncApRepPart({ ctime: repPart.ctime, cusec: 0 }))).toEqual({
      ctime: repPart.ctime,
      cusec: 0,
    });
  });

  it('KRB-ERROR, with every field and with the required ones only', () => {
    const full: KrbError = {
      ctime: at('2026-12-07T01:00:00Z'),
      cusec: 1,
      stime: at('2026-12-07T01:00:01Z'),
      susec: 2,
      errorCode: 25,
      crealm: 'EXAMPLE.COM',
      cname: alice,
      realm: 'EXAMPLE.COM',
      sname: krbtgt,
      eText: 'NEEDED_PREAUTH',
      eData: encodeMethodData([{ padataType: 2, padataValue: Buffer.alloc(0) }]),
    };
    const bytes = encodeKrbError(full);
    expect(isKrbError(bytes)).toBe(true);
    expect(parseKrbError(bytes)).toEqual(full);
    const minimal = { stime: full.stime, susec: 0, errorCode: -1, realm: 'R', sname: krbtgt };
    expect(parseKrbError(encodeKrbError(minimal))).toEqual(minimal);
    expect(
      isKrbError(encodeApReq({ apOptions: 0, ticket, authenticator: { etype: 1, cipher: Buffer.alloc(1) } })),
    ).toBe(false);
    expect(isKrbError(Buffer.alloc(0))).toBe(false);
  });

  it('KRB-CRED and EncKrbCredPart', () => {
    const cred = { tickets: [ticket, ticket], encPart: { etype: 18, cipher: Buffer.from('c') } };
    expect(parseKrbCred(encodeKrbCred(cred))).toEqual(cred);
    const part: EncKrbCredPart = {
      ticketInfo: [
        {
          key: key(8),
          prealm: 'EXAMPLE.COM',
          pname: alice,
          flags: TicketFlag.FORWARDED,
          authtime: at('2026-12-07T00:00:00Z'),
          starttime: at('2026-12-07T00:00:00Z'),
          endtime: at('2026-12-07T10:00:00Z'),
          renewTill: at('2026-12-08T00:00:00Z'),
          srealm: 'EXAMPLE.COM',
          sname: krbtgt,
          caddr: addresses,
        },
        { key: key(1) },
      ],
      nonce: 42,
      timestamp: at('2026-12-07T01:00:00Z'),
      usec: 5,
      sAddress: addresses[0],
      rAddress: addresses[1],
    };
    const bytes = encodeEncKrbCredPart(part);
    expectOwnMemory(bytes);
    const parsed = parseEncKrbCredPart(bytes);
    expect(parsed).toEqual(part);
    for (const info of parsed.ticketInfo) expectOwnMemory(info.key.keyValue);
    expect(parseEncKrbCredPart(encodeEncKrbCredPart({ ticketInfo: [] }))).toEqual({ ticketInfo: [] });
  });
});

describe('Kerberos encoders', () => {
  const body = { kdcOptions: 0, realm: 'R', till: at('2037-01-01T00:00:00Z'), nonce: 1, etype: [18] };

  it('refuse values their fields cannot hold, with a TypeError', () => {
    const bad: Array<() => unknown> = [
      () => encodeKdcReqBody({ ...body, nonce: 2 ** 32 }),
      () => encodeKdcReqBody({ ...body, nonce: -1 }),
      () => encodeKdcReqBody({ ...body, kdcOptions: 2 ** 32 }),
      () => encodeKdcReqBody({ ...body, etype: [2 ** 31] }),
      () => encodeKdcReqBody({ ...body, till: new Date(NaN) }),
      () => encodeKdcReq({ msgType: 11 as 10, reqBody: body }),
      () => encodeKdcRep({ msgType: 12 as 11, crealm: 'R', cname: alice, ticket, encPart: ticket.encPart }),
      () => encodeEncApRepPart({ ctime: at('2026-12-07T00:00:00Z'), cusec: 1_000_000 }),
      () => encodeEncApRepPart({ ctime: at('2026-12-07T00:00:00Z'), cusec: 0, seqNumber: 1.5 }),
      () => encodePrincipalName({ nameType: 2 ** 31, nameString: ['a'] }),
    ];
    for (const encode of bad) expect(encode).toThrow(TypeError);
    const part = parseEncKdcRepPart(
      encodeEncKdcRepPart({
        application: 26,
        key: key(1),
        lastReq: [],
        nonce: 1,
        flags: 0,
        authtime: at('2026-12-07T00:00:00Z'),
        endtime: at('2026-12-07T00:00:00Z'),
        srealm: 'R',
        sname: krbtgt,
      }),
    );
    expect(() => encodeEncKdcRepPart({ ...part, application: 27 as 25 })).toThrow(TypeError);
  });

  it('write times to the whole second and flags as a 32-bit BIT STRING', () => {
    const bytes = encodeKdcReqBody({
      ...body,
      kdcOptions: KdcOption.FORWARDABLE,
      till: at('2037-01-01T00:00:00.999Z'),
    });
    expect(bytes.includes(Buffer.from('a00703050040000000', 'hex'))).toBe(true);
    expect(bytes.includes(Buffer.from('a511180f32303337303130313030303030305a', 'hex'))).toBe(true);
  });
});

describe('principalToString', () => {
  it('joins components and realm as MIT does, escaping / @ \\ inside them', () => {
    expect(principalToString(http, 'EXAMPLE.COM')).toBe('HTTP/web.example.com@EXAMPLE.COM');
    expect(principalToString(alice, 'EXAMPLE.COM')).toBe('alice@EXAMPLE.COM');
    expect(principalToString({ nameType: 10, nameString: ['alice@corp.example'] }, 'R')).toBe(
      'alice\\@corp.example@R',
    );
    expect(principalToString({ nameType: 1, nameString: ['a/b', 'c\\d'] }, 'R@S/T')).toBe(
      'a\\/b/c\\\\d@R\\@S/T',
    );
    expect(principalToString({ nameType: 1, nameString: ['tab\there\n'] }, 'R')).toBe('tab\\there\\n@R');
  });
});

describe('parsePrincipalText', () => {
  it('reads names as MIT does: components at /, realm after @, escapes undone', () => {
    expect(parsePrincipalText('HTTP/web.example.com@EXAMPLE.COM', { nameType: NameType.SRV_HST })).toEqual({
      name: http,
      realm: 'EXAMPLE.COM',
    });
    expect(parsePrincipalText('alice', { defaultRealm: 'R' })).toEqual({ name: alice, realm: 'R' });
    expect(parsePrincipalText('alice\\@corp@R/S', { nameType: 10 })).toEqual({
      name: { nameType: 10, nameString: ['alice@corp'] },
      realm: 'R/S',
    });
    expect(parsePrincipalText('a\\/b/c\\\\d\\t@R').name.nameString).toEqual(['a/b', 'c\\d\t']);
  });

  it('refuses a name without realm, a lone backslash, two @, an empty name', () => {
    for (const bad of ['alice', 'alice\\', 'a@b@c', '@R', 'a@']) {
      expect(() => parsePrincipalText(bad)).toThrow(TypeError);
    }
  });

  it('reads back whatever principalToString writes', () => {
    const part = fc.string({
      minLength: 1,
      maxLength: 12,
      unit: fc.constantFrom('a', '/', '@', '\\', '\n', '\0', 'é'),
    });
    fc.assert(
      fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), part, (nameString, realm) => {
        const name = { nameType: 1, nameString };
        expect(parsePrincipalText(principalToString(name, realm))).toEqual({ name, realm });
      }),
    );
  });
});

describe('krbErrorName', () => {
  it('names the RFC 4120 7.5.9 codes and numbers the others', () => {
    expect(krbErrorName(25)).toBe('KDC_ERR_PREAUTH_REQUIRED (25)');
    expect(krbErrorName(37)).toBe('KRB_AP_ERR_SKEW (37)');
    expect(krbErrorName(52)).toBe('KRB_ERR_RESPONSE_TOO_BIG (52)');
    expect(krbErrorName(999)).toBe('Kerberos error 999');
  });
});
