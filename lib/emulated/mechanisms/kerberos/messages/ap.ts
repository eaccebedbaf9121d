/**
 * The AP exchange (RFC 4120 5.5): AP-REQ ([APPLICATION 14]) with its Authenticator
 * ([APPLICATION 2]), and AP-REP ([APPLICATION 15]) with its EncAPRepPart ([APPLICATION 27]).
 * The decrypted parts are written into secret memory (they may carry a subkey), and keys read
 * from them land in secret memory.
 */
import { allocSecret } from '../../../../secret';
import { encodeTree } from '../../../asn1/der';
import { ApplicationTag, MessageType } from './constants';
import {
  authorizationDataTree,
  checksumTree,
  encryptedDataTree,
  encryptionKeyTree,
  principalNameTree,
  readAuthorizationData,
  readChecksum,
  readEncryptedData,
  readEncryptionKey,
  readPrincipalName,
  readRealm,
} from './common';
import {
  applicationSequence,
  applicationTree,
  assignOptional,
  expectMsgType,
  expectVersion,
  fieldsOf,
  fieldsTree,
  int32,
  kerberosFlags,
  kerberosString,
  kerberosTime,
  microseconds,
  parseAs,
  readKerberosFlags,
  readKerberosTime,
  readMicroseconds,
  readUInt32,
  required,
  uint32,
  version,
} from './fields';
import { readTicket } from './ticket';
import type { ApRep, ApReq, Authenticator, EncApRepPart } from './types';

/**
 * AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (14),
 *   ap-options [2] APOptions, ticket [3] Ticket, authenticator [4] EncryptedData }
 */
export function encodeApReq(req: ApReq): Buffer {
  const tree = fieldsTree(
    [0, version()],
    [1, int32(MessageType.AP_REQ)],
    [2, kerberosFlags(req.apOptions, 'apOptions')],
    [3, req.ticket.encoded],
    [4, encryptedDataTree(req.authenticator)],
  );
  return encodeTree(applicationTree(MessageType.AP_REQ, tree));
}

/** An AP-REQ (the acceptor's side; the GSS framing is gss-token.ts's). */
export function parseApReq(buf: Buffer): ApReq {
  return parseAs('AP-REQ', () => {
    const f = fieldsOf(applicationSequence(buf, MessageType.AP_REQ));
    expectVersion(required(f, 0, 'pvno'), 'pvno');
    expectMsgType(required(f, 1, 'msg-type'), MessageType.AP_REQ);
    return {
      apOptions: readKerberosFlags(required(f, 2, 'ap-options')),
      ticket: readTicket(required(f, 3, 'ticket')),
      authenticator: readEncryptedData(required(f, 4, 'authenticator')),
    };
  });
}

/**
 * Authenticator ::= [APPLICATION 2] SEQUENCE { authenticator-vno [0] INTEGER (5), crealm [1] Realm,
 *   cname [2] PrincipalName, cksum [3] Checksum OPTIONAL, cusec [4] Microseconds,
 *   ctime [5] KerberosTime, subkey [6] EncryptionKey OPTIONAL, seq-number [7] UInt32 OPTIONAL,
 *   authorization-data [8] AuthorizationData OPTIONAL }
 * Written into secret memory (the subkey), for the caller to encrypt (key usage 7 or 11) and wipe.
 */
export function encodeAuthenticator(a: Authenticator): Buffer {
  const tree = fieldsTree(
    [0, version()],
    [1, kerberosString(a.crealm)],
    [2, principalNameTree(a.cname)],
    [3, a.cksum && checksumTree(a.cksum)],
    [4, microseconds(a.cusec, 'cusec')],
    [5, kerberosTime(a.ctime)],
    [6, a.subkey && encryptionKeyTree(a.subkey)],
    [7, a.seqNumber === undefined ? undefined : uint32(a.seqNumber, 'seqNumber')],
    [8, a.authorizationData && authorizationDataTree(a.authorizationData)],
  );
  return encodeTree(applicationTree(ApplicationTag.AUTHENTICATOR, tree), allocSecret);
}

/** An Authenticator after decryption; a subkey lands in secret memory. */
export function parseAuthenticator(buf: Buffer): Authenticator {
  return parseAs('Authenticator', () => {
    const f = fieldsOf(applicationSequence(buf, ApplicationTag.AUTHENTICATOR));
    expectVersion(required(f, 0, 'authenticator-vno'), 'authenticator-vno');
    const a: Authenticator = {
      crealm: readRealm(required(f, 1, 'crealm')),
      cname: readPrincipalName(required(f, 2, 'cname')),
      cusec: readMicroseconds(required(f, 4, 'cusec')),
      ctime: readKerberosTime(required(f, 5, 'ctime')),
    };
    return assignOptional(f, a, {
      cksum: [3, readChecksum],
      seqNumber: [7, readUInt32],
      authorizationData: [8, readAuthorizationData],
      // The subkey last: nothing after it can fail and leave its secret copy unwiped.
      subkey: [6, readEncryptionKey],
    });
  });
}

/** AP-REP ::= [APPLICATION 15] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (15), enc-part [2] EncryptedData } */
export function encodeApRep(rep: ApRep): Buffer {
  const tree = fieldsTree(
    [0, version()],
    [1, int32(MessageType.AP_REP)],
    [2, encryptedDataTree(rep.encPart)],
  );
  return encodeTree(applicationTree(MessageType.AP_REP, tree));
}

/** An AP-REP (the initiator's side, mutual authentication). */
export function parseApRep(buf: Buffer): ApRep {
  return parseAs('AP-REP', () => {
    const f = fieldsOf(applicationSequence(buf, MessageType.AP_REP));
    expectVersion(required(f, 0, 'pvno'), 'pvno');
    expectMsgType(required(f, 1, 'msg-type'), MessageType.AP_REP);
    return { encPart: readEncryptedData(required(f, 2, 'enc-part')) };
  });
}

/**
 * EncAPRepPart ::= [APPLICATION 27] SEQUENCE { ctime [0] KerberosTime, cusec [1] Microseconds,
 *   subkey [2] EncryptionKey OPTIONAL, seq-number [3] UInt32 OPTIONAL }
 * Written into secret memory (the subkey), for the caller to encrypt (key usage 12) and wipe.
 */
export function encodeEncApRepPart(p: EncApRepPart): Buffer {
  const tree = fieldsTree(
    [0, kerberosTime(p.ctime)],
    [1, microseconds(p.cusec, 'cusec')],
    [2, p.subkey && encryptionKeyTree(p.subkey)],
    [3, p.seqNumber === undefined ? undefined : uint32(p.seqNumber, 'seqNumber')],
  );
  return encodeTree(applicationTree(ApplicationTag.ENC_AP_REP_PART, tree), allocSecret);
}

/** An EncAPRepPart after decryption; a subkey lands in secret memory. */
export function parseEncApRepPart(buf: Buffer): EncApRepPart {
  return parseAs('EncAPRepPart', () => {
    const f = fieldsOf(applicationSequence(buf, ApplicationTag.ENC_AP_REP_PART));
    const p: EncApRepPart = {
      ctime: readKerberosTime(required(f, 0, 'ctime')),
      cusec: readMicroseconds(required(f, 1, 'cusec')),
    };
    return assignOptional(f, p, { seqNumber: [3, readUInt32], subkey: [2, readEncryptionKey] });
  });
}
