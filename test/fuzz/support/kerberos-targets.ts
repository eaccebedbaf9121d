/**
 * The Kerberos parsers (lib/emulated/mechanisms/kerberos/messages): every message and every
 * decrypted part, seeded with what our encoders write and with MIT's own messages
 * and Samba's (test/fixtures/kerberos), the encrypted parts' plaintexts made by our encoders.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ap from '../../../lib/emulated/mechanisms/kerberos/messages/ap';
import * as common from '../../../lib/emulated/mechanisms/kerberos/messages/common';
import * as gss from '../../../lib/emulated/mechanisms/kerberos/messages/gss-token';
import * as rep from '../../../lib/emulated/mechanisms/kerberos/messages/kdc-rep';
import * as req from '../../../lib/emulated/mechanisms/kerberos/messages/kdc-req';
import * as cred from '../../../lib/emulated/mechanisms/kerberos/messages/krb-cred';
import * as err from '../../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import * as kile from '../../../lib/emulated/mechanisms/kerberos/messages/ms-kile';
import * as ticket from '../../../lib/emulated/mechanisms/kerberos/messages/ticket';
import { isInvalidToken, type ParserTarget } from './parser-property';

const FIXTURES = join(__dirname, '../../fixtures/kerberos');

/** The fixture files (MIT's, and Samba's under samba/) whose name passes `keep`. */
function fixtures(keep: (name: string) => boolean): Array<{ name: string; bytes: Buffer }> {
  return [FIXTURES, join(FIXTURES, 'samba')].flatMap((dir) =>
    readdirSync(dir)
      .filter((f) => f.endsWith('.hex') && keep(f))
      .map((f) => ({ name: f, bytes: Buffer.from(readFileSync(join(dir, f), 'utf8').trim(), 'hex') })),
  );
}

/** Real messages whose file name starts with `prefix`, GSS-framed ones taken out of their framing. */
function mit(prefix: string): Buffer[] {
  return fixtures((f) => f.startsWith(prefix)).map(({ name, bytes }) =>
    name.endsWith('.gss.hex') ? gss.unwrapInitialContextToken(bytes).inner : bytes,
  );
}

/** Real GSS-framed context tokens as they are. */
function mitFramed(): Buffer[] {
  return fixtures((f) => f.endsWith('.gss.hex')).map(({ bytes }) => bytes);
}

const at = new Date('2026-12-07T01:02:03Z');
const key = { keyType: 18, keyValue: Buffer.alloc(32, 0x4b) };
const alice = { nameType: 1, nameString: ['alice'] };
const service = { nameType: 2, nameString: ['HTTP', 'web.example.com'] };
const addresses = [{ addrType: 2, address: Buffer.from([10, 0, 0, 1]) }];
const authz = [{ adType: 1, adData: Buffer.from('3000', 'hex') }];
const encPart = { etype: 18, kvno: 2, cipher: Buffer.alloc(48, 0x45) };
const aTicket = ticket.encodeTicket({ realm: 'EXAMPLE.COM', sname: service, encPart });
const padata = [{ padataType: 2, padataValue: common.encodeEncryptedData(encPart) }];

const body = {
  kdcOptions: 0x40810010,
  cname: alice,
  realm: 'EXAMPLE.COM',
  sname: service,
  from: at,
  till: at,
  rtime: at,
  nonce: 0x12345678,
  etype: [18, 17, 23],
  addresses,
  encAuthorizationData: encPart,
  additionalTickets: [aTicket],
};
const kdcRep = (msgType: 11 | 13) =>
  rep.encodeKdcRep({ msgType, padata, crealm: 'EXAMPLE.COM', cname: alice, ticket: aTicket, encPart });
const apReq = ap.encodeApReq({ apOptions: 0x20000000, ticket: aTicket, authenticator: encPart });
const apRep = ap.encodeApRep({ encPart });
const krbError = err.encodeKrbError({
  ctime: at,
  cusec: 1,
  stime: at,
  susec: 2,
  errorCode: 25,
  crealm: 'EXAMPLE.COM',
  cname: alice,
  realm: 'EXAMPLE.COM',
  sname: service,
  eText: 'NEEDED_PREAUTH',
  eData: common.encodeMethodData(padata),
});
const krbCred = cred.encodeKrbCred({ tickets: [aTicket], encPart });
const gssChecksum = gss.encodeGssChecksum({
  bindingsHash: Buffer.alloc(16, 0x42),
  flags: 0x3f,
  delegation: krbCred,
  extensions: Buffer.alloc(8),
});

/** One target per parser; the names are what regression files refer to. */
export const kerberosTargets: ParserTarget[] = (
  [
    ['principal-name', common.parsePrincipalName, () => [common.encodePrincipalName(service)]],
    ['encrypted-data', common.parseEncryptedData, () => [common.encodeEncryptedData(encPart)]],
    ['method-data', common.parseMethodData, () => [common.encodeMethodData(padata)]],
    [
      'etype-info2',
      common.parseEtypeInfo2,
      () => [
        common.encodeEtypeInfo2([
          { etype: 18, salt: 'EXAMPLE.COMalice', s2kParams: Buffer.alloc(4) },
          { etype: 23 },
        ]),
      ],
    ],
    ['authorization-data', common.parseAuthorizationData, () => [common.encodeAuthorizationData(authz)]],
    ['pa-enc-ts-enc', common.parsePaEncTsEnc, () => [common.encodePaEncTsEnc(at, 123456)]],
    ['ticket', ticket.parseTicket, () => [aTicket.encoded]],
    [
      'enc-ticket-part',
      ticket.parseEncTicketPart,
      () => [
        ticket.encodeEncTicketPart({
          flags: 0x40e00000,
          key,
          crealm: 'EXAMPLE.COM',
          cname: alice,
          transited: { trType: 1, contents: Buffer.alloc(0) },
          authtime: at,
          starttime: at,
          endtime: at,
          renewTill: at,
          caddr: addresses,
          authorizationData: authz,
        }),
      ],
    ],
    [
      'kdc-req',
      req.parseKdcReq,
      () => [req.encodeKdcReq({ msgType: 12, padata, reqBody: body }), ...mit('as-req'), ...mit('tgs-req')],
    ],
    ['as-rep', (b: Buffer) => rep.parseKdcRep(b, 11), () => [kdcRep(11), ...mit('as-rep')]],
    ['tgs-rep', (b: Buffer) => rep.parseKdcRep(b, 13), () => [kdcRep(13), ...mit('tgs-rep')]],
    [
      'enc-kdc-rep-part',
      rep.parseEncKdcRepPart,
      () => [
        rep.encodeEncKdcRepPart({
          application: 25,
          key,
          lastReq: [{ lrType: 0, lrValue: at }],
          nonce: 0xfedcba98,
          keyExpiration: at,
          flags: 0x40e00000,
          authtime: at,
          starttime: at,
          endtime: at,
          renewTill: at,
          srealm: 'EXAMPLE.COM',
          sname: service,
          caddr: addresses,
          encryptedPaData: padata,
        }),
      ],
    ],
    ['ap-req', ap.parseApReq, () => [apReq, ...mit('ap-req')]],
    [
      'authenticator',
      ap.parseAuthenticator,
      () => [
        ap.encodeAuthenticator({
          crealm: 'EXAMPLE.COM',
          cname: alice,
          cksum: { cksumType: 0x8003, checksum: gssChecksum },
          cusec: 999999,
          ctime: at,
          subkey: key,
          seqNumber: 0x80000000,
          authorizationData: authz,
        }),
      ],
    ],
    ['ap-rep', ap.parseApRep, () => [apRep, ...mit('ap-rep')]],
    [
      'enc-ap-rep-part',
      ap.parseEncApRepPart,
      () => [ap.encodeEncApRepPart({ ctime: at, cusec: 5, subkey: key, seqNumber: 7 })],
    ],
    ['krb-error', err.parseKrbError, () => [krbError, ...mit('krb-error')]],
    ['krb-cred', cred.parseKrbCred, () => [krbCred]],
    [
      'enc-krb-cred-part',
      cred.parseEncKrbCredPart,
      () => [
        cred.encodeEncKrbCredPart({
          ticketInfo: [
            {
              key,
              prealm: 'EXAMPLE.COM',
              pname: alice,
              flags: 0x20000000,
              authtime: at,
              endtime: at,
              srealm: 'EXAMPLE.COM',
              sname: service,
              caddr: addresses,
            },
          ],
          nonce: 1,
          timestamp: at,
          usec: 2,
          sAddress: addresses[0],
          rAddress: addresses[0],
        }),
      ],
    ],
    [
      'gss-token',
      gss.unwrapInitialContextToken,
      () => [gss.wrapInitialContextToken(0x0100, apReq), ...mitFramed()],
    ],
    [
      'gss-checksum',
      gss.parseGssChecksum,
      () => [gssChecksum, gss.encodeGssChecksum({ bindingsHash: Buffer.alloc(16), flags: 2 })],
    ],
    [
      'kerb-error-data',
      kile.parseKerbErrorData,
      () => [
        kile.encodeKerbErrorData({
          dataType: 3,
          dataValue: kile.encodeKerbExtError({ status: 0xc0000234, flags: 1 }),
        }),
      ],
    ],
    [
      'kerb-ext-error',
      kile.parseKerbExtError,
      () => [kile.encodeKerbExtError({ status: 0xc0000072, flags: 1 })],
    ],
  ] as Array<[string, (b: Buffer) => unknown, () => Buffer[]]>
).map(([name, parse, seeds]) => ({ name: `kerberos-${name}`, parse, allowed: isInvalidToken, seeds }));
