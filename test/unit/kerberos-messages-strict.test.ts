import fc from 'fast-check';
/**
 * What the Kerberos parsers refuse, and the few liberties they take on purpose (as MIT does):
 * negative UInt32s, short KerberosFlags, unknown trailing fields, either EncKDCRepPart tag.
 * Everything refused is SspiError SEC_E_INVALID_TOKEN naming the structure.
 */
import {
  application,
  bitString,
  contextExplicit,
  generalizedTime,
  integer,
  octetString,
  sequence,
  tlv,
  utcTime,
  utf8String,
} from '../../lib/emulated/asn1/der';
import { SspiError } from '../../lib/errors';
import {
  encodeApReq,
  parseApReq,
  parseEncApRepPart,
} from '../../lib/emulated/mechanisms/kerberos/messages/ap';
import {
  encodePrincipalName,
  parseEncryptedData,
  parseEtypeInfo2,
  parseMethodData,
  parsePaEncTsEnc,
  parsePrincipalName,
} from '../../lib/emulated/mechanisms/kerberos/messages/common';
import { KerberosLimits } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  encodeKdcRep,
  parseEncKdcRepPart,
  parseKdcRep,
} from '../../lib/emulated/mechanisms/kerberos/messages/kdc-rep';
import { encodeKdcReq, parseKdcReq } from '../../lib/emulated/mechanisms/kerberos/messages/kdc-req';
import { encodeKrbError, parseKrbError } from '../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import { parseKrbCred } from '../../lib/emulated/mechanisms/kerberos/messages/krb-cred';
import { encodeTicket, parseTicket } from '../../lib/emulated/mechanisms/kerberos/messages/ticket';

const generalString = (text: string) => tlv(27, Buffer.from(text, 'utf8'));
const time = (iso: string) => generalizedTime(new Date(iso));
const name = (...components: string[]) =>
  sequence(contextExplicit(0, integer(1)), contextExplicit(1, sequence(...components.map(generalString))));
const ticket = encodeTicket({
  realm: 'R',
  sname: { nameType: 2, nameString: ['krbtgt', 'R'] },
  encPart: { etype: 18, cipher: Buffer.from('t') },
});

function expectInvalid(parse: () => unknown, structure: string, why?: RegExp): void {
  let error: unknown;
  try {
    parse();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(SspiError);
  expect((error as SspiError).code).toBe('SEC_E_INVALID_TOKEN');
  expect((error as SspiError).message).toContain(`The Kerberos ${structure} is malformed`);
  if (why) expect((error as SspiError).message).toMatch(why);
}

/** An EncAPRepPart ([APPLICATION 27]) with the given fields. */
const encApRepPart = (...fields: Buffer[]) => application(27, sequence(...fields));

describe('Kerberos primitive types', () => {
  it('reads a UInt32 written as a negative Int32 as its unsigned value (MIT does too)', () => {
    const part = encApRepPart(
      contextExplicit(0, time('2026-12-07T00:00:00Z')),
      contextExplicit(1, integer(0)),
      contextExplicit(3, integer(-2)),
    );
    expect(parseEncApRepPart(part).seqNumber).toBe(0xfffffffe);
    const tooBig = encApRepPart(
      contextExplicit(0, time('2026-12-07T00:00:00Z')),
      contextExplicit(1, integer(0)),
      contextExplicit(3, integer(2 ** 32)),
    );
    expectInvalid(() => parseEncApRepPart(tooBig), 'EncAPRepPart', /UInt32 out of range/);
  });

  it('refuses Microseconds outside 0..999999 and Int32s outside their range', () => {
    for (const usec of [-1, 1_000_000]) {
      const part = encApRepPart(
        contextExplicit(0, time('2026-12-07T00:00:00Z')),
        contextExplicit(1, integer(usec)),
      );
      expectInvalid(() => parseEncApRepPart(part), 'EncAPRepPart', /microseconds/);
    }
    const bad = sequence(
      contextExplicit(0, integer(2 ** 31)),
      contextExplicit(2, octetString(Buffer.alloc(1))),
    );
    expectInvalid(() => parseEncryptedData(bad), 'EncryptedData', /Int32 out of range/);
  });

  it('takes KerberosTime only as GeneralizedTime YYYYMMDDHHMMSSZ of a real date', () => {
    const withTime = (t: Buffer) => sequence(contextExplicit(0, t));
    expect(parsePaEncTsEnc(withTime(time('1999-12-31T23:59:59Z'))).patimestamp).toEqual(
      new Date('1999-12-31T23:59:59Z'),
    );
    expect(
      parsePaEncTsEnc(withTime(tlv(24, Buffer.from('00010101000000Z')))).patimestamp.getUTCFullYear(),
    ).toBe(1);
    const refused = [
      utcTime(new Date('2026-12-07T00:00:00Z')),
      tlv(24, Buffer.from('20261207000000.5Z')),
      tlv(24, Buffer.from('20261207000000')),
      tlv(24, Buffer.from('20261207000000+0100')),
      tlv(24, Buffer.from('20260230000000Z')),
      tlv(24, Buffer.from('20261207240000Z')),
      tlv(24, Buffer.from('20261307000000Z')),
      tlv(24, Buffer.from('2026120700000aZ')),
      tlv(24, Buffer.from('2026120700000:Z')), // the octets either side of the digits
      tlv(24, Buffer.from('2026/207000000Z')),
      tlv(24, Buffer.from('20261207000000z')),
    ];
    for (const t of refused) expectInvalid(() => parsePaEncTsEnc(withTime(t)), 'PA-ENC-TS-ENC');
  });

  it('reads back every whole-second KerberosTime of years 0000 to 9999', () => {
    const withTime = (t: Buffer) => sequence(contextExplicit(0, t));
    const anyYear = fc.date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z') });
    fc.assert(
      fc.property(anyYear, (date) => {
        const second = new Date(Math.floor(date.getTime() / 1000) * 1000);
        expect(parsePaEncTsEnc(withTime(generalizedTime(date))).patimestamp).toEqual(second);
      }),
    );
  });

  it('takes KerberosString only as GeneralString, bounded', () => {
    const utf8 = sequence(contextExplicit(0, integer(1)), contextExplicit(1, sequence(utf8String('alice'))));
    expectInvalid(() => parsePrincipalName(utf8), 'PrincipalName', /GeneralString/);
    expect(parsePrincipalName(name('ålice')).nameString).toEqual(['ålice']);
    const long = 'a'.repeat(KerberosLimits.NAME_CHARS + 1);
    expectInvalid(() => parsePrincipalName(name(long)), 'PrincipalName', /too long/);
    const invalidUtf8 = sequence(
      contextExplicit(0, integer(1)),
      contextExplicit(1, sequence(tlv(27, Buffer.from([0xff])))),
    );
    expectInvalid(() => parsePrincipalName(invalidUtf8), 'PrincipalName', /UTF-8/);
  });

  it('reads KerberosFlags from their first 32 bits, padding short ones with zeros', () => {
    const apReq = (flags: Buffer) =>
      application(
        14,
        sequence(
          contextExplicit(0, integer(5)),
          contextExplicit(1, integer(14)),
          contextExplicit(2, flags),
          contextExplicit(3, ticket.encoded),
          contextExplicit(
            4,
            sequence(contextExplicit(0, integer(18)), contextExplicit(2, octetString(Buffer.from('a')))),
          ),
        ),
      );
    expect(parseApReq(apReq(bitString(Buffer.from([0x20]), 0))).apOptions).toBe(0x20000000);
    expect(parseApReq(apReq(bitString(Buffer.from([0x20, 0, 0, 1, 0xff]), 0))).apOptions).toBe(0x20000001);
    expect(parseApReq(apReq(bitString(Buffer.alloc(0)))).apOptions).toBe(0);
  });
});

describe('Kerberos message structure', () => {
  it('refuses a wrong version, a wrong msg-type, a wrong tag, and trailing bytes', () => {
    const error = {
      stime: new Date(0),
      susec: 0,
      errorCode: 6,
      realm: 'R',
      sname: { nameType: 1, nameString: ['x'] },
    };
    const bytes = encodeKrbError(error);
    const pvno4 = Buffer.from(bytes);
    pvno4[pvno4.indexOf(Buffer.from('a003020105', 'hex')) + 4] = 4;
    expectInvalid(() => parseKrbError(pvno4), 'KRB-ERROR', /pvno is not 5/);
    const msgType = Buffer.from(bytes);
    msgType[msgType.indexOf(Buffer.from('a10302011e', 'hex')) + 4] = 0x1f;
    expectInvalid(() => parseKrbError(msgType), 'KRB-ERROR', /msg-type is 31/);
    expectInvalid(
      () => parseKrbError(Buffer.concat([bytes, Buffer.from([0])])),
      'KRB-ERROR',
      /unexpected bytes/,
    );
    expectInvalid(() => parseTicket(bytes), 'Ticket', /APPLICATION 1/);
    const rep = encodeKdcRep({
      msgType: 11,
      crealm: 'R',
      cname: { nameType: 1, nameString: ['a'] },
      ticket,
      encPart: { etype: 18, cipher: Buffer.from('e') },
    });
    expectInvalid(() => parseKdcRep(rep, 13), 'TGS-REP', /APPLICATION 13/);
    expectInvalid(() => parseKdcRep(bytes, 11), 'AS-REP', /APPLICATION 30/);
    expectInvalid(() => parseKdcReq(rep), 'KDC-REQ');
    expectInvalid(
      () =>
        parseEncKdcRepPart(encodeApReq({ apOptions: 0, ticket, authenticator: { etype: 1, cipher: rep } })),
      'EncKDCRepPart',
    );
  });

  it('refuses a missing required field, and fields out of order or repeated', () => {
    expectInvalid(
      () => parseEncryptedData(sequence(contextExplicit(0, integer(18)))),
      'EncryptedData',
      /cipher \[2\] is missing/,
    );
    const swapped = sequence(
      contextExplicit(2, octetString(Buffer.alloc(1))),
      contextExplicit(0, integer(18)),
    );
    expectInvalid(() => parseEncryptedData(swapped), 'EncryptedData', /out of order/);
  });

  it('skips unknown fields, as MIT does', () => {
    const extended = sequence(
      contextExplicit(0, integer(18)),
      contextExplicit(2, octetString(Buffer.from('c'))),
      contextExplicit(9, octetString(Buffer.from('future'))),
    );
    expect(parseEncryptedData(extended)).toEqual({ etype: 18, cipher: Buffer.from('c') });
  });

  it('refuses lists longer than their limit before reading their items', () => {
    const components = Array.from({ length: KerberosLimits.NAME_COMPONENTS + 1 }, () => 'a');
    expectInvalid(
      () => parsePrincipalName(encodePrincipalName({ nameType: 1, nameString: components })),
      'PrincipalName',
      /name-string has more than 32 entries/,
    );
    const pa = sequence(contextExplicit(1, integer(2)), contextExplicit(2, octetString(Buffer.alloc(0))));
    const many = sequence(...Array.from({ length: KerberosLimits.PADATA + 1 }, () => pa));
    expectInvalid(() => parseMethodData(many), 'METHOD-DATA', /PA-DATA list has more than 64 entries/);
    // Items that are not even PA-DATA: the count is refused before any is looked into.
    expectInvalid(
      () => parseMethodData(sequence(...Array.from({ length: 65 }, () => integer(0)))),
      'METHOD-DATA',
      /more than 64 entries/,
    );
    const body = {
      kdcOptions: 0,
      realm: 'R',
      till: new Date(0),
      nonce: 1,
      etype: Array.from({ length: KerberosLimits.ETYPES + 1 }, () => 18),
    };
    expectInvalid(
      () => parseKdcReq(encodeKdcReq({ msgType: 10, reqBody: body })),
      'KDC-REQ',
      /etype list has more than 64/,
    );
    const creds = application(
      22,
      sequence(
        contextExplicit(0, integer(5)),
        contextExplicit(1, integer(22)),
        contextExplicit(
          2,
          sequence(...Array.from({ length: KerberosLimits.TICKETS + 1 }, () => ticket.encoded)),
        ),
        contextExplicit(
          3,
          sequence(contextExplicit(0, integer(18)), contextExplicit(2, octetString(Buffer.alloc(1)))),
        ),
      ),
    );
    expectInvalid(() => parseKrbCred(creds), 'KRB-CRED', /tickets has more than 64/);
  });

  it('refuses an empty ETYPE-INFO2 (SIZE (1..MAX))', () => {
    expectInvalid(() => parseEtypeInfo2(sequence()), 'ETYPE-INFO2', /no entries/);
  });

  it('quotes no peer bytes in its messages', () => {
    const secretish = 'S3cr3tP4ssw0rd';
    const bad = sequence(contextExplicit(0, integer(1)), contextExplicit(1, sequence(utf8String(secretish))));
    try {
      parsePrincipalName(bad);
    } catch (err) {
      expect((err as Error).message).not.toContain(secretish);
    }
    expect.assertions(1);
  });
});
