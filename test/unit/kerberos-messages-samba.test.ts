/**
 * Messages from a Samba 4.17 AD DC's KDC (Heimdal inside; test/fixtures/kerberos/samba, made by
 * scripts/fixtures/kerberos-samba.sh), the closest to Windows a Linux box makes: PACs in the
 * tickets, an RC4 service ticket for an account without msDS-SupportedEncryptionTypes, the
 * NTSTATUS of a disabled account in e-data. Every message re-encodes to Samba's exact bytes.
 */
import { readFileSync, readdirSync } from 'node:fs';
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
  encodeAuthorizationData,
  parseAuthorizationData,
  parseEtypeInfo2,
  parseMethodData,
  principalToString,
} from '../../lib/emulated/mechanisms/kerberos/messages/common';
import {
  GSS_CHECKSUM_TYPE,
  KrbErrorCode,
  PaType,
  TicketFlag,
} from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  parseGssChecksum,
  unwrapInitialContextToken,
} from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';
import {
  encodeEncKdcRepPart,
  encodeKdcRep,
  parseEncKdcRepPart,
  parseKdcRep,
} from '../../lib/emulated/mechanisms/kerberos/messages/kdc-rep';
import { encodeKdcReq, parseKdcReq } from '../../lib/emulated/mechanisms/kerberos/messages/kdc-req';
import {
  encodeKrbError,
  isKrbError,
  parseKrbError,
} from '../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import { windowsStatusOf } from '../../lib/emulated/mechanisms/kerberos/messages/ms-kile';
import {
  encodeEncTicketPart,
  parseEncTicketPart,
} from '../../lib/emulated/mechanisms/kerberos/messages/ticket';
import type { EncryptedData, EncryptionKey } from '../../lib/emulated/mechanisms/kerberos/messages/types';

const DIR = join(__dirname, '../fixtures/kerberos/samba');
const fixture = (name: string): Buffer =>
  Buffer.from(readFileSync(join(DIR, `${name}.hex`), 'utf8').trim(), 'hex');
const decrypt = (key: EncryptionKey, usage: number, ed: EncryptedData): Buffer => {
  expect(ed.etype).toBe(key.keyType);
  return enctypeProfile(ed.etype).decrypt(key.keyValue, usage, ed.cipher);
};
const BOB: EncryptionKey = {
  keyType: 18,
  keyValue: enctypeProfile(18).stringToKey(Buffer.from('Bob-fixture-Pass1'), Buffer.from('SAMBA.TESTbob')),
};
/** RC4's key is the NT hash: no salt (RFC 4757 5). */
const WEBSVC: EncryptionKey = {
  keyType: 23,
  keyValue: enctypeProfile(23).stringToKey(Buffer.from('Web-fixture-Pass1'), Buffer.alloc(0)),
};
const STATUS_ACCOUNT_DISABLED = 0xc0000072;
const AD_IF_RELEVANT = 1;
const AD_WIN2K_PAC = 128;

describe('Samba AD DC (Heimdal) messages', () => {
  it.each(readdirSync(DIR).filter((f) => f.endsWith('.hex') && !f.includes('.gss')))(
    '%s parses and re-encodes to the same bytes',
    (file) => {
      const bytes = fixture(file.replace(/\.hex$/, ''));
      if (isKrbError(bytes)) expect(encodeKrbError(parseKrbError(bytes))).toEqual(bytes);
      else if (bytes[0] === 0x6a || bytes[0] === 0x6c)
        expect(encodeKdcReq(parseKdcReq(bytes))).toEqual(bytes);
      else expect(encodeKdcRep(parseKdcRep(bytes, bytes[0] === 0x6b ? 11 : 13))).toEqual(bytes);
    },
  );

  it('finds STATUS_ACCOUNT_DISABLED in the PA-PW-SALT of a disabled account’s CLIENT_REVOKED', () => {
    const error = parseKrbError(fixture('krb-error-client-revoked'));
    expect(error.errorCode).toBe(KrbErrorCode.KDC_ERR_CLIENT_REVOKED);
    expect(windowsStatusOf(error)).toBe(STATUS_ACCOUNT_DISABLED);
    expect(windowsStatusOf(parseKrbError(fixture('krb-error-preauth-failed')))).toBeUndefined();
  });

  it('reads the PREAUTH_REQUIRED METHOD-DATA with the salt and iteration count in ETYPE-INFO2', () => {
    const error = parseKrbError(fixture('krb-error-preauth-required'));
    const methods = parseMethodData(error.eData!);
    expect(methods.map((m) => m.padataType)).toContain(PaType.ENC_TIMESTAMP);
    const info = parseEtypeInfo2(methods.find((m) => m.padataType === PaType.ETYPE_INFO2)!.padataValue);
    expect(info).toEqual([{ etype: 18, salt: 'SAMBA.TESTbob', s2kParams: Buffer.from('00001000', 'hex') }]);
    expect(parseKrbError(fixture('krb-error-response-too-big')).errorCode).toBe(
      KrbErrorCode.KRB_ERR_RESPONSE_TOO_BIG,
    );
  });

  it('decrypts the AS-REP with the password key', () => {
    const request = parseKdcReq(fixture('as-req-2'));
    const rep = parseKdcRep(fixture('as-rep'), 11);
    expect(principalToString(rep.cname, rep.crealm)).toBe('bob@SAMBA.TEST');
    const plain = decrypt(BOB, KeyUsage.AS_REP_ENC_PART, rep.encPart);
    const part = parseEncKdcRepPart(plain);
    expect(part.nonce).toBe(request.reqBody.nonce);
    expect(part.application).toBe(25); // Heimdal writes EncASRepPart where MIT writes 26
    expect(part.flags & TicketFlag.INITIAL).toBe(TicketFlag.INITIAL);
    expect(encodeEncKdcRepPart(part)).toEqual(plain);
  });

  it('reads the RC4 service ticket and its PAC inside AD-IF-RELEVANT, then the AP exchange', () => {
    const rep = parseKdcRep(fixture('tgs-rep'), 13);
    expect(principalToString(rep.ticket.sname, rep.ticket.realm)).toBe('HTTP/web.samba.test@SAMBA.TEST');
    const ticketPlain = decrypt(WEBSVC, KeyUsage.KDC_REP_TICKET, rep.ticket.encPart);
    const encTicket = parseEncTicketPart(ticketPlain);
    expect(encodeEncTicketPart(encTicket)).toEqual(ticketPlain);
    expect(principalToString(encTicket.cname, encTicket.crealm)).toBe('bob@SAMBA.TEST');
    const relevant = encTicket.authorizationData!.find((ad) => ad.adType === AD_IF_RELEVANT)!;
    const inner = parseAuthorizationData(relevant.adData);
    expect(encodeAuthorizationData(inner)).toEqual(relevant.adData);
    const pac = inner.find((ad) => ad.adType === AD_WIN2K_PAC)!;
    expect(pac.adData.readUInt32LE(0)).toBeGreaterThanOrEqual(4); // cBuffers (MS-PAC 2.3)

    const framed = unwrapInitialContextToken(fixture('ap-req.gss'));
    const apReq = parseApReq(framed.inner);
    expect(encodeApReq(apReq)).toEqual(framed.inner);
    expect(apReq.ticket.encoded).toEqual(rep.ticket.encoded);
    const session = encTicket.key;
    const authPlain = decrypt(session, KeyUsage.AP_REQ_AUTHENTICATOR, apReq.authenticator);
    const authenticator = parseAuthenticator(authPlain);
    expect(encodeAuthenticator(authenticator)).toEqual(authPlain);
    expect(authenticator.cksum!.cksumType).toBe(GSS_CHECKSUM_TYPE);
    expect(parseGssChecksum(authenticator.cksum!.checksum).bindingsHash).toEqual(Buffer.alloc(16));
    const apRep = parseApRep(unwrapInitialContextToken(fixture('ap-rep.gss')).inner);
    expect(encodeApRep(apRep)).toEqual(unwrapInitialContextToken(fixture('ap-rep.gss')).inner);
    const repPlain = decrypt(session, KeyUsage.AP_REP_ENC_PART, apRep.encPart);
    const repPart = parseEncApRepPart(repPlain);
    expect(repPart.ctime).toEqual(authenticator.ctime);
    expect(encodeEncApRepPart(repPart)).toEqual(repPlain);
  });
});
