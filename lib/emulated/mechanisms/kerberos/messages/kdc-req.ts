/**
 * AS-REQ ([APPLICATION 10]) and TGS-REQ ([APPLICATION 12]): KDC-REQ and KDC-REQ-BODY,
 * RFC 4120 5.4.1.
 *
 * The body is encoded once and those bytes are what goes on the wire: a TGS-REQ's PA-TGS-REQ
 * authenticator checksums them (RFC 4120 7.2.2), so a parsed body keeps the bytes it was read
 * from in `encoded`, and encodeKdcReq sends a body's `encoded` bytes when it has them.
 */
import { invalidArgValue } from '../../../../errors';
import { DerError, TagClass, encodeTree, parseDer, type DerElement } from '../../../asn1/der';
import { KerberosLimits, MessageType } from './constants';
import {
  encryptedDataTree,
  hostAddressesTree,
  paDataListTree,
  principalNameTree,
  readEncryptedData,
  readHostAddresses,
  readPaDataList,
  readPrincipalName,
  readRealm,
} from './common';
import {
  applicationContent,
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
import type { KdcReq, KdcReqBody } from './types';

/**
 * KDC-REQ-BODY ::= SEQUENCE { kdc-options [0] KDCOptions, cname [1] PrincipalName OPTIONAL,
 *   realm [2] Realm, sname [3] PrincipalName OPTIONAL, from [4] KerberosTime OPTIONAL,
 *   till [5] KerberosTime, rtime [6] KerberosTime OPTIONAL, nonce [7] UInt32,
 *   etype [8] SEQUENCE OF Int32, addresses [9] HostAddresses OPTIONAL,
 *   enc-authorization-data [10] EncryptedData OPTIONAL, additional-tickets [11] SEQUENCE OF Ticket OPTIONAL }
 * The exact bytes the request will carry (`encoded`, if the body has it, is ignored here).
 */
export function encodeKdcReqBody(body: KdcReqBody): Buffer {
  return encodeTree(
    fieldsTree(
      [0, kerberosFlags(body.kdcOptions, 'kdcOptions')],
      [1, body.cname && principalNameTree(body.cname)],
      [2, kerberosString(body.realm)],
      [3, body.sname && principalNameTree(body.sname)],
      [4, body.from && kerberosTime(body.from)],
      [5, kerberosTime(body.till)],
      [6, body.rtime && kerberosTime(body.rtime)],
      [7, uint32(body.nonce, 'nonce')],
      [8, listTree(body.etype.map((etype) => int32(etype, 'etype')))],
      [9, body.addresses && hostAddressesTree(body.addresses)],
      [10, body.encAuthorizationData && encryptedDataTree(body.encAuthorizationData)],
      [11, body.additionalTickets && listTree(body.additionalTickets.map((t) => t.encoded))],
    ),
  );
}

/**
 * KDC-REQ ::= SEQUENCE { pvno [1] INTEGER (5), msg-type [2] INTEGER (10 | 12),
 *                        padata [3] SEQUENCE OF PA-DATA OPTIONAL, req-body [4] KDC-REQ-BODY }
 * wrapped in [APPLICATION msg-type]. The body goes as `reqBody.encoded` when set (the bytes a
 * TGS-REQ checksum was computed over), else as encodeKdcReqBody writes it.
 */
export function encodeKdcReq(req: KdcReq): Buffer {
  if (req.msgType !== MessageType.AS_REQ && req.msgType !== MessageType.TGS_REQ) {
    throw invalidArgValue('msgType', req.msgType, 'must be 10 (AS-REQ) or 12 (TGS-REQ)');
  }
  const body = req.reqBody.encoded ?? encodeKdcReqBody(req.reqBody);
  const tree = fieldsTree(
    [1, version()],
    [2, int32(req.msgType)],
    [3, req.padata && paDataListTree(req.padata)],
    [4, body],
  );
  return encodeTree(applicationTree(req.msgType, tree));
}

/** Read a KDC-REQ-BODY; `encoded` is a copy of the bytes received (what a TGS checksum covers). */
export function readKdcReqBody(element: DerElement): KdcReqBody {
  const f = fieldsOf(element);
  const etypes = boundedList(required(f, 8, 'etype'), KerberosLimits.ETYPES, 'the etype list');
  const body: KdcReqBody = {
    kdcOptions: readKerberosFlags(required(f, 0, 'kdc-options')),
    realm: readRealm(required(f, 2, 'realm')),
    till: readKerberosTime(required(f, 5, 'till')),
    nonce: readUInt32(required(f, 7, 'nonce')),
    etype: etypes.map(readInt32),
    encoded: Buffer.from(element.encoded),
  };
  return assignOptional(f, body, {
    cname: [1, readPrincipalName],
    sname: [3, readPrincipalName],
    from: [4, readKerberosTime],
    rtime: [6, readKerberosTime],
    addresses: [9, readHostAddresses],
    encAuthorizationData: [10, readEncryptedData],
    additionalTickets: [
      11,
      (e) => boundedList(e, KerberosLimits.TICKETS, 'additional-tickets').map(readTicket),
    ],
  });
}

/** An AS-REQ or TGS-REQ (the KDC's side, and tests). */
export function parseKdcReq(buf: Buffer): KdcReq {
  return parseAs('KDC-REQ', () => {
    const outer = parseDer(buf);
    const msgType = outer.tagNumber;
    if (
      outer.tagClass !== TagClass.Application ||
      (msgType !== MessageType.AS_REQ && msgType !== MessageType.TGS_REQ)
    ) {
      throw new DerError('expected [APPLICATION 10] (AS-REQ) or [APPLICATION 12] (TGS-REQ)');
    }
    const f = fieldsOf(applicationContent(outer, msgType));
    expectVersion(required(f, 1, 'pvno'), 'pvno');
    expectMsgType(required(f, 2, 'msg-type'), msgType);
    const req: KdcReq = { msgType, reqBody: readKdcReqBody(required(f, 4, 'req-body')) };
    return assignOptional(f, req, { padata: [3, readPaDataList] });
  });
}
