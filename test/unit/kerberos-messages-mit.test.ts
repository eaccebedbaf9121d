/**
 * Real messages from MIT Kerberos 1.20 (test/fixtures/kerberos, made by
 * scripts/fixtures/kerberos-messages.sh): every structure parsed, the encrypted parts decrypted
 * with keys from the fixtures' throwaway passwords and parsed in turn, and each re-encoded to the
 * same bytes (MIT writes DER, so our encoding of what we read must be identical).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
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
  encodeEtypeInfo2,
  encodeMethodData,
  encodePaEncTsEnc,
  parseEncryptedData,
  parseEtypeInfo2,
  parseMethodData,
  parsePaEncTsEnc,
  principalToString,
} from '../../lib/emulated/mechanisms/kerberos/messages/common';
import {
  ApOption,
  GSS_CHECKSUM_TYPE,
  GssFlag,
  GssTokenId,
  KRB5_OID,
  KdcOption,
  KrbErrorCode,
  NameType,
  PaType,
  TicketFlag,
} from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  channelBindingsHash,
  parseGssChecksum,
  unwrapInitialContextToken,
  wrapInitialContextToken,
} from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';
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
} from '../../lib/emulated/mechanisms/kerberos/messages/ticket';
import type { EncryptedData, EncryptionKey } from '../../lib/emulated/mechanisms/kerberos/messages/types';

const AES256 = enctypeProfile(18);
const fixture = (name: string): Buffer =>
  Buffer.from(readFileSync(join(__dirname, '../fixtures/kerberos', `${name}.hex`), 'utf8').trim(), 'hex');
const keyOf = (password: string, salt: string): EncryptionKey => ({
  keyType: 18,
  keyValue: AES256.stringToKey(Buffer.from(password), Buffer.from(salt)),
});
const ALICE = keyOf('alice-fixture-password', 'FIX.TESTalice');
const HTTP = keyOf('http-fixture-password', 'FIX.TESTHTTPfixture.test');
const decrypt = (key: EncryptionKey, usage: number, ed: EncryptedData): Buffer => {
  expect(ed.etype).toBe(key.keyType);
  return enctypeProfile(ed.etype).decrypt(key.keyValue, usage, ed.cipher);
};

describe('MIT AS exchange', () => {
  it('reads kinit AS-REQ without pre-authentication and writes it back byte for byte', () => {
    const bytes = fixture('as-req-1');
    const req = parseKdcReq(bytes);
    expect(req.msgType).toBe(10);
    expect(req.padata?.map((p) => p.padataType)).toEqual([PaType.AS_FRESHNESS, PaType.REQ_ENC_PA_REP]);
    const body = req.reqBody;
    expect(body.kdcOptions & KdcOption.FORWARDABLE).toBe(KdcOption.FORWARDABLE);
    expect(body.kdcOptions & KdcOption.RENEWABLE_OK).toBe(KdcOption.RENEWABLE_OK);
    expect(body.cname).toEqual({ nameType: NameType.PRINCIPAL, nameString: ['alice'] });
    expect(principalToString(body.sname!, body.realm)).toBe('krbtgt/FIX.TEST@FIX.TEST');
    expect(body.etype).toEqual([18]);
    expect(body.till.getUTCMilliseconds()).toBe(0);
    expect(body.encoded).toEqual(bytes.subarray(bytes.length - body.encoded!.length));
    expect(encodeKdcReq(req)).toEqual(bytes);
    expect(encodeKdcReq({ ...req, reqBody: { ...body, encoded: undefined } })).toEqual(bytes);
  });

  it('reads the PREAUTH_REQUIRED KRB-ERROR, its METHOD-DATA and ETYPE-INFO2', () => {
    const bytes = fixture('krb-error-preauth-required');
    expect(isKrbError(bytes)).toBe(true);
    const error = parseKrbError(bytes);
    expect(error.errorCode).toBe(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED);
    expect(error.realm).toBe('FIX.TEST');
    expect(principalToString(error.sname, error.realm)).toBe('krbtgt/FIX.TEST@FIX.TEST');
    expect(encodeKrbError(error)).toEqual(bytes);
    const methods = parseMethodData(error.eData!);
    expect(encodeMethodData(methods)).toEqual(error.eData);
    const types = methods.map((m) => m.padataType);
    expect(types).toContain(PaType.ENC_TIMESTAMP);
    const info2 = methods.find((m) => m.padataType === PaType.ETYPE_INFO2)!;
    const entries = parseEtypeInfo2(info2.padataValue);
    expect(entries).toEqual([{ etype: 18, salt: 'FIX.TESTalice' }]);
    expect(encodeEtypeInfo2(entries)).toEqual(info2.padataValue);
  });

  it('decrypts the PA-ENC-TIMESTAMP of the second AS-REQ with the password key', () => {
    const bytes = fixture('as-req-2');
    const req = parseKdcReq(bytes);
    expect(encodeKdcReq(req)).toEqual(bytes);
    const encTs = req.padata!.find((p) => p.padataType === PaType.ENC_TIMESTAMP)!;
    const plain = decrypt(ALICE, KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, parseEncryptedData(encTs.padataValue));
    const ts = parsePaEncTsEnc(plain);
    expect(Math.abs(ts.patimestamp.getTime() - req.reqBody.till.getTime())).toBeLessThan(2 * 86400e3);
    expect(encodePaEncTsEnc(ts.patimestamp, ts.pausec!)).toEqual(plain);
  });

  it('reads the AS-REP and its EncASRepPart under the password key', () => {
    const request = parseKdcReq(fixture('as-req-2'));
    const bytes = fixture('as-rep');
    const rep = parseKdcRep(bytes, 11);
    expect(rep.crealm).toBe('FIX.TEST');
    expect(rep.cname.nameString).toEqual(['alice']);
    expect(principalToString(rep.ticket.sname, rep.ticket.realm)).toBe('krbtgt/FIX.TEST@FIX.TEST');
    expect(encodeKdcRep(rep)).toEqual(bytes);
    const plain = decrypt(ALICE, KeyUsage.AS_REP_ENC_PART, rep.encPart);
    const part = parseEncKdcRepPart(plain);
    expect(part.nonce).toBe(request.reqBody.nonce);
    expect(part.key.keyType).toBe(18);
    expect(part.key.keyValue).toHaveLength(32);
    expect(part.flags & TicketFlag.INITIAL).toBe(TicketFlag.INITIAL);
    expect(part.flags & TicketFlag.PRE_AUTHENT).toBe(TicketFlag.PRE_AUTHENT);
    expect(part.flags & TicketFlag.FORWARDABLE).toBe(TicketFlag.FORWARDABLE);
    expect(part.srealm).toBe('FIX.TEST');
    // MIT writes [APPLICATION 26] (EncTGSRepPart) in its AS-REP too: why either tag is accepted.
    expect(part.application).toBe(26);
    expect(encodeEncKdcRepPart(part)).toEqual(plain);
  });
});

/** The TGT session key, from the AS-REP. */
function tgtSessionKey(): EncryptionKey {
  return parseEncKdcRepPart(
    decrypt(ALICE, KeyUsage.AS_REP_ENC_PART, parseKdcRep(fixture('as-rep'), 11).encPart),
  ).key;
}

describe('MIT TGS exchange', () => {
  it('reads the TGS-REQ: its PA-TGS-REQ authenticator checksums the body bytes as received', () => {
    const bytes = fixture('tgs-req');
    const req = parseKdcReq(bytes);
    expect(req.msgType).toBe(12);
    expect(encodeKdcReq(req)).toEqual(bytes);
    expect(encodeKdcReqBody(req.reqBody)).toEqual(req.reqBody.encoded);
    expect(principalToString(req.reqBody.sname!, req.reqBody.realm)).toBe('HTTP/fixture.test@FIX.TEST');
    const apReq = parseApReq(req.padata!.find((p) => p.padataType === PaType.TGS_REQ)!.padataValue);
    expect(principalToString(apReq.ticket.sname, apReq.ticket.realm)).toBe('krbtgt/FIX.TEST@FIX.TEST');
    expect(apReq.ticket.encoded).toEqual(parseKdcRep(fixture('as-rep'), 11).ticket.encoded);
    const session = tgtSessionKey();
    const plain = decrypt(session, KeyUsage.TGS_REQ_AUTHENTICATOR, apReq.authenticator);
    const authenticator = parseAuthenticator(plain);
    expect(authenticator.cname.nameString).toEqual(['alice']);
    expect(encodeAuthenticator(authenticator)).toEqual(plain);
    const cksum = authenticator.cksum!;
    expect(() =>
      AES256.verifyChecksum(
        session.keyValue,
        KeyUsage.TGS_REQ_AUTHENTICATOR_CKSUM,
        req.reqBody.encoded!,
        cksum.checksum,
      ),
    ).not.toThrow();
  });

  it('reads the TGS-REP and the service ticket under the HTTP key', () => {
    const bytes = fixture('tgs-rep');
    const rep = parseKdcRep(bytes, 13);
    expect(encodeKdcRep(rep)).toEqual(bytes);
    // MIT 1.20 armors its TGS-REQs with FAST (RFC 6113 5.4.1.1, PA-FX-FAST in both messages), so
    // the enc-part is under the strengthened FAST reply key: not decrypted here.
    expect(rep.padata?.map((p) => p.padataType)).toEqual([PaType.FX_FAST]);
    const ticketPlain = decrypt(HTTP, KeyUsage.KDC_REP_TICKET, rep.ticket.encPart);
    const encTicket = parseEncTicketPart(ticketPlain);
    expect(encTicket.key.keyType).toBe(18);
    expect(principalToString(encTicket.cname, encTicket.crealm)).toBe('alice@FIX.TEST');
    expect(encTicket.flags & TicketFlag.FORWARDABLE).toBe(TicketFlag.FORWARDABLE);
    expect(encTicket.endtime.getTime()).toBeGreaterThan(encTicket.authtime.getTime());
    expect(encodeEncTicketPart(encTicket)).toEqual(ticketPlain);
    const { realm, sname, encPart } = rep.ticket;
    expect(encodeTicket({ realm, sname, encPart }).encoded).toEqual(rep.ticket.encoded);
  });

  it('reads the KDC_ERR_S_PRINCIPAL_UNKNOWN for an unknown service', () => {
    const request = parseKdcReq(fixture('tgs-req-unknown'));
    const bytes = fixture('krb-error-s-principal-unknown');
    const error = parseKrbError(bytes);
    expect(error.errorCode).toBe(KrbErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN);
    expect(principalToString(error.sname, error.realm)).toBe(
      principalToString(request.reqBody.sname!, request.reqBody.realm),
    );
    expect(encodeKrbError(error)).toEqual(bytes);
  });
});

describe('MIT GSS-API AP exchange (python3-gssapi)', () => {
  for (const kind of ['deleg', 'bindings'] as const) {
    it(`reads the ${kind} AP-REQ down to its 0x8003 checksum, and the AP-REP`, () => {
      const token = fixture(`ap-req-${kind}.gss`);
      const framed = unwrapInitialContextToken(token);
      expect(framed.oid).toBe(KRB5_OID);
      expect(framed.tokId).toBe(GssTokenId.AP_REQ);
      const apReq = parseApReq(framed.inner);
      expect(encodeApReq(apReq)).toEqual(framed.inner);
      expect(apReq.apOptions & ApOption.MUTUAL_REQUIRED).toBe(ApOption.MUTUAL_REQUIRED);
      const encTicket = parseEncTicketPart(decrypt(HTTP, KeyUsage.KDC_REP_TICKET, apReq.ticket.encPart));
      const session = encTicket.key;
      const plain = decrypt(session, KeyUsage.AP_REQ_AUTHENTICATOR, apReq.authenticator);
      const authenticator = parseAuthenticator(plain);
      expect(encodeAuthenticator(authenticator)).toEqual(plain);
      expect(authenticator.cksum!.cksumType).toBe(GSS_CHECKSUM_TYPE);
      expect(authenticator.seqNumber).toBeDefined();
      const gss = parseGssChecksum(authenticator.cksum!.checksum);
      const wanted = GssFlag.MUTUAL | GssFlag.INTEG | GssFlag.CONF;
      expect(gss.flags & wanted).toBe(wanted);
      if (kind === 'deleg') {
        expect(gss.flags & GssFlag.DELEG).toBe(GssFlag.DELEG);
        expect(gss.bindingsHash).toEqual(channelBindingsHash(undefined));
        const cred = parseKrbCred(gss.delegation!);
        expect(encodeKrbCred(cred)).toEqual(gss.delegation);
        expect(cred.tickets[0].encoded).toEqual(parseKdcRep(fixture('tgs-rep-forwarded'), 13).ticket.encoded);
        const credPlain = decrypt(session, KeyUsage.KRB_CRED_ENC_PART, cred.encPart);
        const credPart = parseEncKrbCredPart(credPlain);
        expect(encodeEncKrbCredPart(credPart)).toEqual(credPlain);
        const info = credPart.ticketInfo[0];
        expect(principalToString(info.pname!, info.prealm!)).toBe('alice@FIX.TEST');
        expect(principalToString(info.sname!, info.srealm!)).toBe('krbtgt/FIX.TEST@FIX.TEST');
        expect(info.flags! & TicketFlag.FORWARDED).toBe(TicketFlag.FORWARDED);
      } else {
        expect(gss.flags & GssFlag.DELEG).toBe(0);
        expect(gss.delegation).toBeUndefined();
        const applicationData = Buffer.from('tls-server-end-point:fixture');
        expect(gss.bindingsHash).toEqual(channelBindingsHash({ applicationData }));
      }

      const repToken = unwrapInitialContextToken(fixture(`ap-rep-${kind}.gss`));
      expect(repToken.tokId).toBe(GssTokenId.AP_REP);
      const apRep = parseApRep(repToken.inner);
      expect(encodeApRep(apRep)).toEqual(repToken.inner);
      const repPlain = decrypt(session, KeyUsage.AP_REP_ENC_PART, apRep.encPart);
      const repPart = parseEncApRepPart(repPlain);
      expect(repPart.ctime).toEqual(authenticator.ctime);
      expect(repPart.cusec).toBe(authenticator.cusec);
      expect(encodeEncApRepPart(repPart)).toEqual(repPlain);
    });
  }

  it('reads the framed KRB-ERROR the acceptor sends for an altered authenticator', () => {
    const token = fixture('krb-error-modified.gss');
    const framed = unwrapInitialContextToken(token);
    expect(framed.tokId).toBe(GssTokenId.KRB_ERROR);
    expect(isKrbError(framed.inner)).toBe(true);
    const error = parseKrbError(framed.inner);
    expect(krbErrorName(error.errorCode)).toBe('KRB_AP_ERR_BAD_INTEGRITY (31)');
    expect(principalToString(error.sname, error.realm)).toBe('HTTP/fixture.test@FIX.TEST');
    expect(encodeKrbError(error)).toEqual(framed.inner);
    expect(wrapInitialContextToken(GssTokenId.KRB_ERROR, framed.inner)).toEqual(token);
  });
});
