/**
 * KRB-ERROR ([APPLICATION 30], RFC 4120 5.9.1): what a KDC or an acceptor sends instead of a
 * reply, and the names of its error codes (RFC 4120 7.5.9) for messages.
 */
import { encodeTree, readOctetString, treeOctetString } from '../../../asn1/der';
import { KerberosLimits, KrbErrorCode, MessageType } from './constants';
import { principalNameTree, readPrincipalName, readRealm } from './common';
import {
  applicationSequence,
  applicationTree,
  assignOptional,
  expectMsgType,
  expectVersion,
  fieldsOf,
  fieldsTree,
  int32,
  kerberosString,
  kerberosTime,
  microseconds,
  parseAs,
  readInt32,
  readKerberosString,
  readKerberosTime,
  readMicroseconds,
  required,
  version,
} from './fields';
import type { KrbError } from './types';

/**
 * KRB-ERROR ::= [APPLICATION 30] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (30),
 *   ctime [2] KerberosTime OPTIONAL, cusec [3] Microseconds OPTIONAL, stime [4] KerberosTime,
 *   susec [5] Microseconds, error-code [6] Int32, crealm [7] Realm OPTIONAL,
 *   cname [8] PrincipalName OPTIONAL, realm [9] Realm, sname [10] PrincipalName,
 *   e-text [11] KerberosString OPTIONAL, e-data [12] OCTET STRING OPTIONAL }
 */
export function encodeKrbError(e: KrbError): Buffer {
  const tree = fieldsTree(
    [0, version()],
    [1, int32(MessageType.KRB_ERROR)],
    [2, e.ctime && kerberosTime(e.ctime)],
    [3, e.cusec === undefined ? undefined : microseconds(e.cusec, 'cusec')],
    [4, kerberosTime(e.stime)],
    [5, microseconds(e.susec, 'susec')],
    [6, int32(e.errorCode, 'errorCode')],
    [7, e.crealm === undefined ? undefined : kerberosString(e.crealm)],
    [8, e.cname && principalNameTree(e.cname)],
    [9, kerberosString(e.realm)],
    [10, principalNameTree(e.sname)],
    [11, e.eText === undefined ? undefined : kerberosString(e.eText)],
    [12, e.eData && treeOctetString(e.eData)],
  );
  return encodeTree(applicationTree(MessageType.KRB_ERROR, tree));
}

/** A KRB-ERROR from a KDC or an acceptor. */
export function parseKrbError(buf: Buffer): KrbError {
  return parseAs('KRB-ERROR', () => {
    const f = fieldsOf(applicationSequence(buf, MessageType.KRB_ERROR));
    expectVersion(required(f, 0, 'pvno'), 'pvno');
    expectMsgType(required(f, 1, 'msg-type'), MessageType.KRB_ERROR);
    const e: KrbError = {
      stime: readKerberosTime(required(f, 4, 'stime')),
      susec: readMicroseconds(required(f, 5, 'susec')),
      errorCode: readInt32(required(f, 6, 'error-code')),
      realm: readRealm(required(f, 9, 'realm')),
      sname: readPrincipalName(required(f, 10, 'sname')),
    };
    return assignOptional(f, e, {
      ctime: [2, readKerberosTime],
      cusec: [3, readMicroseconds],
      crealm: [7, readRealm],
      cname: [8, readPrincipalName],
      eText: [11, (el) => readKerberosString(el, KerberosLimits.TEXT_CHARS)],
      eData: [12, (el) => Buffer.from(readOctetString(el))],
    });
  });
}

/** True when a reply is a KRB-ERROR: its first octet is [APPLICATION 30] constructed, 0x7e. */
export function isKrbError(buf: Buffer): boolean {
  return buf.length > 0 && buf[0] === 0x7e;
}

const ERROR_NAMES = new Map<number, string>(Object.entries(KrbErrorCode).map(([name, code]) => [code, name]));

/** The RFC 4120 7.5.9 name of an error code, e.g. 'KDC_ERR_PREAUTH_REQUIRED (25)'. */
export function krbErrorName(code: number): string {
  const name = ERROR_NAMES.get(code);
  return name ? `${name} (${code})` : `Kerberos error ${code}`;
}
