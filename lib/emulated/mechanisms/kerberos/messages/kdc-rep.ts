/**
 * AS-REP ([APPLICATION 11]) and TGS-REP ([APPLICATION 13]): KDC-REP, and its decrypted part
 * EncASRepPart ([APPLICATION 25]) / EncTGSRepPart ([APPLICATION 26]), RFC 4120 5.4.2.
 */
import { allocSecret } from '../../../../secret';
import { invalidArgValue } from '../../../../errors';
import { DerError, TagClass, encodeTree, parseDer } from '../../../asn1/der';
import { KerberosLimits, MessageType } from './constants';
import {
  encryptedDataTree,
  encryptionKeyTree,
  hostAddressesTree,
  paDataListTree,
  principalNameTree,
  readEncryptedData,
  readEncryptionKey,
  readHostAddresses,
  readPaDataList,
  readPrincipalName,
  readRealm,
} from './common';
import {
  applicationContent,
  applicationSequence,
  applicationTree,
  assignOptional,
  boundedList,
  expectMsgType,
  expectVersion,
  fieldsOf,
  fieldsTree,
  int32,
  kerberosFlags,
  kerberosString,
  kerberosTime,
  listTree,
  parseAs,
  readInt32,
  readKerberosFlags,
  readKerberosTime,
  readUInt32,
  required,
  uint32,
  version,
} from './fields';
import { readTicket } from './ticket';
import type { EncKdcRepPart, KdcRep, LastReqEntry } from './types';

const REPLY_NAMES = { 11: 'AS-REP', 13: 'TGS-REP' } as const;

/**
 * KDC-REP ::= SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (11 | 13),
 *   padata [2] SEQUENCE OF PA-DATA OPTIONAL, crealm [3] Realm, cname [4] PrincipalName,
 *   ticket [5] Ticket, enc-part [6] EncryptedData }
 * wrapped in [APPLICATION msg-type]; the ticket goes as its `encoded` bytes.
 */
export function encodeKdcRep(rep: KdcRep): Buffer {
  if (rep.msgType !== MessageType.AS_REP && rep.msgType !== MessageType.TGS_REP) {
    throw invalidArgValue('msgType', rep.msgType, 'must be 11 (AS-REP) or 13 (TGS-REP)');
  }
  const tree = fieldsTree(
    [0, version()],
    [1, int32(rep.msgType)],
    [2, rep.padata && paDataListTree(rep.padata)],
    [3, kerberosString(rep.crealm)],
    [4, principalNameTree(rep.cname)],
    [5, rep.ticket.encoded],
    [6, encryptedDataTree(rep.encPart)],
  );
  return encodeTree(applicationTree(rep.msgType, tree));
}

/**
 * An AS-REP (expected 11) or TGS-REP (13). A KRB-ERROR is not a reply: check isKrbError first.
 */
export function parseKdcRep(buf: Buffer, expected: 11 | 13): KdcRep {
  return parseAs(REPLY_NAMES[expected] ?? 'KDC-REP', () => {
    const f = fieldsOf(applicationSequence(buf, expected));
    expectVersion(required(f, 0, 'pvno'), 'pvno');
    expectMsgType(required(f, 1, 'msg-type'), expected);
    const rep: KdcRep = {
      msgType: expected,
      crealm: readRealm(required(f, 3, 'crealm')),
      cname: readPrincipalName(required(f, 4, 'cname')),
      ticket: readTicket(required(f, 5, 'ticket')),
      encPart: readEncryptedData(required(f, 6, 'enc-part')),
    };
    return assignOptional(f, rep, { padata: [2, readPaDataList] });
  });
}

/**
 * EncKDCRepPart ::= SEQUENCE { key [0] EncryptionKey, last-req [1] LastReq, nonce [2] UInt32,
 *   key-expiration [3] KerberosTime OPTIONAL, flags [4] TicketFlags, authtime [5] KerberosTime,
 *   starttime [6] KerberosTime OPTIONAL, endtime [7] KerberosTime,
 *   renew-till [8] KerberosTime OPTIONAL, srealm [9] Realm, sname [10] PrincipalName,
 *   caddr [11] HostAddresses OPTIONAL, encrypted-pa-data [12] SEQUENCE OF PA-DATA OPTIONAL }
 * LastReq ::= SEQUENCE OF SEQUENCE { lr-type [0] Int32, lr-value [1] KerberosTime }
 * ([12] is RFC 6806 5.) Written into secret memory: it holds the session key.
 */
export function encodeEncKdcRepPart(part: EncKdcRepPart): Buffer {
  if (part.application !== 25 && part.application !== 26) {
    throw invalidArgValue('application', part.application, 'must be 25 or 26');
  }
  const lastReq = listTree(
    part.lastReq.map((lr) => fieldsTree([0, int32(lr.lrType, 'lrType')], [1, kerberosTime(lr.lrValue)])),
  );
  const tree = fieldsTree(
    [0, encryptionKeyTree(part.key)],
    [1, lastReq],
    [2, uint32(part.nonce, 'nonce')],
    [3, part.keyExpiration && kerberosTime(part.keyExpiration)],
    [4, kerberosFlags(part.flags)],
    [5, kerberosTime(part.authtime)],
    [6, part.starttime && kerberosTime(part.starttime)],
    [7, kerberosTime(part.endtime)],
    [8, part.renewTill && kerberosTime(part.renewTill)],
    [9, kerberosString(part.srealm)],
    [10, principalNameTree(part.sname)],
    [11, part.caddr && hostAddressesTree(part.caddr)],
    [12, part.encryptedPaData && paDataListTree(part.encryptedPaData)],
  );
  return encodeTree(applicationTree(part.application, tree), allocSecret);
}

/**
 * EncASRepPart or EncTGSRepPart after decryption (key usage 3, 8 or 9). Either tag is accepted
 * for either reply, as MIT and Heimdal do (some KDCs send 26 in an AS-REP). The session key lands
 * in secret memory.
 */
export function parseEncKdcRepPart(buf: Buffer): EncKdcRepPart {
  return parseAs('EncKDCRepPart', () => {
    const outer = parseDer(buf);
    const application = outer.tagNumber;
    if (outer.tagClass !== TagClass.Application || (application !== 25 && application !== 26)) {
      throw new DerError('expected [APPLICATION 25] (EncASRepPart) or [APPLICATION 26] (EncTGSRepPart)');
    }
    const f = fieldsOf(applicationContent(outer, application));
    const lastReq = boundedList(required(f, 1, 'last-req'), KerberosLimits.LAST_REQ, 'LastReq');
    const part: Omit<EncKdcRepPart, 'key'> = {
      application,
      lastReq: lastReq.map((entry): LastReqEntry => {
        const lr = fieldsOf(entry);
        return {
          lrType: readInt32(required(lr, 0, 'lr-type')),
          lrValue: readKerberosTime(required(lr, 1, 'lr-value')),
        };
      }),
      nonce: readUInt32(required(f, 2, 'nonce')),
      flags: readKerberosFlags(required(f, 4, 'flags')),
      authtime: readKerberosTime(required(f, 5, 'authtime')),
      endtime: readKerberosTime(required(f, 7, 'endtime')),
      srealm: readRealm(required(f, 9, 'srealm')),
      sname: readPrincipalName(required(f, 10, 'sname')),
    };
    assignOptional(f, part, {
      keyExpiration: [3, readKerberosTime],
      starttime: [6, readKerberosTime],
      renewTill: [8, readKerberosTime],
      caddr: [11, readHostAddresses],
      encryptedPaData: [12, readPaDataList],
    });
    // The key last: nothing after it can fail and leave its secret copy unwiped.
    return { ...part, key: readEncryptionKey(required(f, 0, 'key')) };
  });
}
