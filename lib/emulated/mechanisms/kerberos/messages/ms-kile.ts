/**
 * What Windows puts in a KRB-ERROR's e-data (MS-KILE 2.2.1, 2.2.2): KERB-ERROR-DATA, and in it
 * the KERB-EXT-ERROR with the NTSTATUS behind the Kerberos error code (a locked account, an
 * expired password: both KDC_ERR_CLIENT_REVOKED or KDC_ERR_KEY_EXPIRED on the wire).
 *
 *   KERB-ERROR-DATA ::= SEQUENCE { data-type [1] INTEGER, data-value [2] OCTET STRING OPTIONAL }
 *   KERB-EXT-ERROR  = status (NTSTATUS) | reserved | flags, each 32-bit little-endian
 */
import { isSspiError, sspiError } from '../../../../errors';
import { encodeTree, parseDer, readOctetString, treeOctetString } from '../../../asn1/der';
import { parseMethodData } from './common';
import { PaType } from './constants';
import { assignOptional, fieldsOf, fieldsTree, int32, parseAs, readInt32, required } from './fields';
import type { KrbError } from './types';

/** data-type of KERB-ERROR-DATA (MS-KILE 2.2.2). */
export const KerbErrorDataType = { SKEW_RECOVERY: 2, EXTENDED: 3 } as const;

/** KERB-ERROR-DATA (MS-KILE 2.2.2). */
export interface KerbErrorData {
  dataType: number;
  dataValue?: Buffer;
}

/** KERB-EXT-ERROR (MS-KILE 2.2.1): `flags` is 1 when `status` is meaningful. */
export interface KerbExtError {
  status: number;
  flags: number;
}

/** The DER of a KERB-ERROR-DATA. */
export function encodeKerbErrorData(data: KerbErrorData): Buffer {
  return encodeTree(
    fieldsTree([1, int32(data.dataType, 'dataType')], [2, data.dataValue && treeOctetString(data.dataValue)]),
  );
}

/** A KERB-ERROR-DATA from a KRB-ERROR's e-data. */
export function parseKerbErrorData(buf: Buffer): KerbErrorData {
  return parseAs('KERB-ERROR-DATA', () => {
    const f = fieldsOf(parseDer(buf));
    const data: KerbErrorData = { dataType: readInt32(required(f, 1, 'data-type')) };
    return assignOptional(f, data, { dataValue: [2, (e) => Buffer.from(readOctetString(e))] });
  });
}

const EXT_ERROR_LENGTH = 12;

/** The 12 bytes of a KERB-EXT-ERROR (reserved written as zero). */
export function encodeKerbExtError(ext: KerbExtError): Buffer {
  const out = Buffer.alloc(EXT_ERROR_LENGTH);
  out.writeUInt32LE(ext.status, 0);
  out.writeUInt32LE(ext.flags, 8);
  return out;
}

/** A KERB-EXT-ERROR: exactly 12 bytes; reserved is ignored, as MS-KILE 2.2.1 says. */
export function parseKerbExtError(buf: Buffer): KerbExtError {
  if (buf.length !== EXT_ERROR_LENGTH) {
    throw sspiError(
      'SEC_E_INVALID_TOKEN',
      `The Kerberos KERB-EXT-ERROR is malformed: it has ${buf.length} bytes, not 12.`,
    );
  }
  return { status: buf.readUInt32LE(0), flags: buf.readUInt32LE(8) };
}

/**
 * The NTSTATUS a Windows KDC gave with a KRB-ERROR, if any: from a KERB-ERROR-DATA of type
 * EXTENDED, or from the 12-byte PA-PW-SALT of a METHOD-DATA (where Windows and Samba put it for
 * pre-authentication failures). Best effort for messages: e-data of any other shape, malformed
 * or not, gives undefined, never an error.
 */
export function windowsStatusOf(error: KrbError): number | undefined {
  const eData = error.eData;
  if (!eData) return undefined;
  const candidates: Array<() => Buffer | undefined> = [
    () => {
      const data = parseKerbErrorData(eData);
      return data.dataType === KerbErrorDataType.EXTENDED ? data.dataValue : undefined;
    },
    () => {
      const salt = parseMethodData(eData).find((pa) => pa.padataType === PaType.PW_SALT);
      return salt?.padataValue.length === EXT_ERROR_LENGTH ? salt.padataValue : undefined;
    },
  ];
  for (const candidate of candidates) {
    try {
      const value = candidate();
      if (value) {
        const ext = parseKerbExtError(value);
        if (ext.flags & 1) return ext.status;
      }
    } catch (err) {
      // Not this shape: try the next.
      if (!isSspiError(err, 'SEC_E_INVALID_TOKEN')) throw err;
    }
  }
  return undefined;
}
