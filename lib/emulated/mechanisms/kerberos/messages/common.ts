/**
 * The structures every Kerberos message is made of (RFC 4120 5.2): PrincipalName, HostAddresses,
 * AuthorizationData, EncryptedData, EncryptionKey, Checksum, PA-DATA and METHOD-DATA, and the
 * pre-authentication payloads an AS exchange reads and writes (ETYPE-INFO2, PA-ENC-TS-ENC).
 *
 * Each comes as a tree builder (`xxxTree`, for composing a message written in one allocation),
 * an element reader (`readXxx`, for reading inside a message) and, where a caller holds the
 * structure on its own, `encodeXxx`/`parseXxx` over a whole buffer. Keys read from a (decrypted)
 * peer message are copied into secret memory. PrincipalName lives in principal.ts, and the
 * primitive types (KerberosTime, KerberosFlags, KerberosString, Int32, UInt32, Microseconds) in
 * fields.ts; both are re-exported here.
 */
import { copySecret } from '../../../../secret';
import {
  DerError,
  encodeTree,
  parseDer,
  readOctetString,
  treeOctetString,
  type DerElement,
  type DerTree,
} from '../../../asn1/der';
import { KerberosLimits } from './constants';
import {
  assignOptional,
  boundedList,
  fieldsOf,
  fieldsTree,
  int32,
  kerberosString,
  kerberosTime,
  listTree,
  microseconds,
  parseAs,
  readInt32,
  readKerberosString,
  readKerberosTime,
  readMicroseconds,
  readUInt32,
  required,
  uint32,
} from './fields';
import type {
  AuthorizationDataEntry,
  Checksum,
  EncryptedData,
  EncryptionKey,
  EtypeInfo2Entry,
  HostAddress,
  PaData,
} from './types';

/** The primitive types (RFC 4120 5.2.1-5.2.8), for codecs built outside this folder (PAC, FAST). */
export {
  int32,
  kerberosFlags,
  kerberosString,
  kerberosTime,
  microseconds,
  readInt32,
  readKerberosFlags,
  readKerberosString,
  readKerberosTime,
  readMicroseconds,
  readUInt32,
  uint32,
} from './fields';
export {
  encodePrincipalName,
  parsePrincipalName,
  parsePrincipalText,
  principalNameTree,
  principalToString,
  readPrincipalName,
  readRealm,
} from './principal';

// ---- HostAddress(es) (5.2.5), AuthorizationData (5.2.6) ----

/** HostAddress ::= SEQUENCE { addr-type [0] Int32, address [1] OCTET STRING } */
export function hostAddressTree(a: HostAddress): DerTree {
  return fieldsTree([0, int32(a.addrType, 'addrType')], [1, treeOctetString(a.address)]);
}

/** A HostAddress element (the address is a copy). */
export function readHostAddress(element: DerElement): HostAddress {
  const f = fieldsOf(element);
  return {
    addrType: readInt32(required(f, 0, 'addr-type')),
    address: Buffer.from(readOctetString(required(f, 1, 'address'))),
  };
}

/** HostAddresses ::= SEQUENCE OF HostAddress */
export function hostAddressesTree(list: HostAddress[]): DerTree {
  return listTree(list.map(hostAddressTree));
}

/** HostAddresses, at most KerberosLimits.ADDRESSES. */
export function readHostAddresses(element: DerElement): HostAddress[] {
  return boundedList(element, KerberosLimits.ADDRESSES, 'HostAddresses').map(readHostAddress);
}

/** AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type [0] Int32, ad-data [1] OCTET STRING } */
export function authorizationDataTree(list: AuthorizationDataEntry[]): DerTree {
  return listTree(
    list.map((e) => fieldsTree([0, int32(e.adType, 'adType')], [1, treeOctetString(e.adData)])),
  );
}

/** AuthorizationData, at most KerberosLimits.AUTHZ_ENTRIES; ad-data kept as copied bytes. */
export function readAuthorizationData(element: DerElement): AuthorizationDataEntry[] {
  return boundedList(element, KerberosLimits.AUTHZ_ENTRIES, 'AuthorizationData').map((entry) => {
    const f = fieldsOf(entry);
    return {
      adType: readInt32(required(f, 0, 'ad-type')),
      adData: Buffer.from(readOctetString(required(f, 1, 'ad-data'))),
    };
  });
}

/** The DER of an AuthorizationData (what AD-IF-RELEVANT's ad-data holds, RFC 4120 5.2.6.1). */
export function encodeAuthorizationData(list: AuthorizationDataEntry[]): Buffer {
  return encodeTree(authorizationDataTree(list));
}

/** A whole buffer holding an AuthorizationData: the ad-data of AD-IF-RELEVANT, for one. */
export function parseAuthorizationData(buf: Buffer): AuthorizationDataEntry[] {
  return parseAs('AuthorizationData', () => readAuthorizationData(parseDer(buf)));
}

// ---- EncryptedData, EncryptionKey, Checksum (5.2.9) ----

/** EncryptedData ::= SEQUENCE { etype [0] Int32, kvno [1] UInt32 OPTIONAL, cipher [2] OCTET STRING } */
export function encryptedDataTree(ed: EncryptedData): DerTree {
  return fieldsTree(
    [0, int32(ed.etype, 'etype')],
    [1, ed.kvno === undefined ? undefined : uint32(ed.kvno, 'kvno')],
    [2, treeOctetString(ed.cipher)],
  );
}

/** An EncryptedData element (the cipher is a copy). */
export function readEncryptedData(element: DerElement): EncryptedData {
  const f = fieldsOf(element);
  const ed: EncryptedData = {
    etype: readInt32(required(f, 0, 'etype')),
    cipher: Buffer.from(readOctetString(required(f, 2, 'cipher'))),
  };
  return assignOptional(f, ed, { kvno: [1, readUInt32] });
}

/** The DER of an EncryptedData (what PA-ENC-TIMESTAMP's padata-value holds). */
export function encodeEncryptedData(ed: EncryptedData): Buffer {
  return encodeTree(encryptedDataTree(ed));
}

/** A whole buffer holding one EncryptedData. */
export function parseEncryptedData(buf: Buffer): EncryptedData {
  return parseAs('EncryptedData', () => readEncryptedData(parseDer(buf)));
}

/** EncryptionKey ::= SEQUENCE { keytype [0] Int32, keyvalue [1] OCTET STRING } */
export function encryptionKeyTree(key: EncryptionKey): DerTree {
  return fieldsTree([0, int32(key.keyType, 'keyType')], [1, treeOctetString(key.keyValue)]);
}

/** An EncryptionKey element; keyValue is copied into secret memory (the caller wipes it). */
export function readEncryptionKey(element: DerElement): EncryptionKey {
  const f = fieldsOf(element);
  const keyType = readInt32(required(f, 0, 'keytype'));
  return { keyType, keyValue: copySecret(readOctetString(required(f, 1, 'keyvalue'))) };
}

/** Checksum ::= SEQUENCE { cksumtype [0] Int32, checksum [1] OCTET STRING } */
export function checksumTree(c: Checksum): DerTree {
  return fieldsTree([0, int32(c.cksumType, 'cksumType')], [1, treeOctetString(c.checksum)]);
}

/** A Checksum element (the checksum bytes are a copy). */
export function readChecksum(element: DerElement): Checksum {
  const f = fieldsOf(element);
  return {
    cksumType: readInt32(required(f, 0, 'cksumtype')),
    checksum: Buffer.from(readOctetString(required(f, 1, 'checksum'))),
  };
}

// ---- PA-DATA, METHOD-DATA (5.2.7) ----

/** PA-DATA ::= SEQUENCE { padata-type [1] Int32, padata-value [2] OCTET STRING } (no [0]). */
export function paDataTree(pa: PaData): DerTree {
  return fieldsTree([1, int32(pa.padataType, 'padataType')], [2, treeOctetString(pa.padataValue)]);
}

/** The DER of one PA-DATA. */
export function encodePaData(pa: PaData): Buffer {
  return encodeTree(paDataTree(pa));
}

/** A PA-DATA element (the value is a copy). */
export function readPaData(element: DerElement): PaData {
  const f = fieldsOf(element);
  return {
    padataType: readInt32(required(f, 1, 'padata-type')),
    padataValue: Buffer.from(readOctetString(required(f, 2, 'padata-value'))),
  };
}

/** SEQUENCE OF PA-DATA. */
export function paDataListTree(list: PaData[]): DerTree {
  return listTree(list.map(paDataTree));
}

/** SEQUENCE OF PA-DATA, at most KerberosLimits.PADATA. */
export function readPaDataList(element: DerElement): PaData[] {
  return boundedList(element, KerberosLimits.PADATA, 'the PA-DATA list').map(readPaData);
}

/** METHOD-DATA ::= SEQUENCE OF PA-DATA (a KRB-ERROR's e-data for PREAUTH_REQUIRED). */
export function encodeMethodData(list: PaData[]): Buffer {
  return encodeTree(paDataListTree(list));
}

/** A whole buffer holding a METHOD-DATA. */
export function parseMethodData(buf: Buffer): PaData[] {
  return parseAs('METHOD-DATA', () => readPaDataList(parseDer(buf)));
}

// ---- ETYPE-INFO2 (5.2.7.5), PA-ENC-TS-ENC (5.2.7.2) ----

/**
 * ETYPE-INFO2 ::= SEQUENCE SIZE (1..MAX) OF ETYPE-INFO2-ENTRY
 * ETYPE-INFO2-ENTRY ::= SEQUENCE { etype [0] Int32, salt [1] KerberosString OPTIONAL,
 *                                  s2kparams [2] OCTET STRING OPTIONAL }
 */
export function encodeEtypeInfo2(entries: EtypeInfo2Entry[]): Buffer {
  return encodeTree(
    listTree(
      entries.map((e) =>
        fieldsTree(
          [0, int32(e.etype, 'etype')],
          [1, e.salt === undefined ? undefined : kerberosString(e.salt)],
          [2, e.s2kParams === undefined ? undefined : treeOctetString(e.s2kParams)],
        ),
      ),
    ),
  );
}

/** ETYPE-INFO2 from a PA-ETYPE-INFO2 value: 1 to KerberosLimits.ETYPES entries. */
export function parseEtypeInfo2(buf: Buffer): EtypeInfo2Entry[] {
  return parseAs('ETYPE-INFO2', () => {
    const items = boundedList(parseDer(buf), KerberosLimits.ETYPES, 'ETYPE-INFO2');
    if (items.length === 0) throw new DerError('ETYPE-INFO2 has no entries');
    return items.map((item) => {
      const f = fieldsOf(item);
      const entry: EtypeInfo2Entry = { etype: readInt32(required(f, 0, 'etype')) };
      return assignOptional(f, entry, {
        salt: [1, (e) => readKerberosString(e, KerberosLimits.TEXT_CHARS)],
        s2kParams: [2, (e) => Buffer.from(readOctetString(e))],
      });
    });
  });
}

/** PA-ENC-TS-ENC ::= SEQUENCE { patimestamp [0] KerberosTime, pausec [1] Microseconds OPTIONAL } */
export function encodePaEncTsEnc(time: Date, usec: number): Buffer {
  return encodeTree(fieldsTree([0, kerberosTime(time)], [1, microseconds(usec, 'usec')]));
}

/** PA-ENC-TS-ENC, after decryption (key usage 1). */
export function parsePaEncTsEnc(buf: Buffer): { patimestamp: Date; pausec?: number } {
  return parseAs('PA-ENC-TS-ENC', () => {
    const f = fieldsOf(parseDer(buf));
    const result: { patimestamp: Date; pausec?: number } = {
      patimestamp: readKerberosTime(required(f, 0, 'patimestamp')),
    };
    return assignOptional(f, result, { pausec: [1, readMicroseconds] });
  });
}
