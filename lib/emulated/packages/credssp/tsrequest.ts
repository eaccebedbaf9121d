/**
 * TSRequest (MS-CSSP 2.2.1), the one message CredSSP sends inside TLS:
 *
 *   TSRequest ::= SEQUENCE {
 *     version     [0] INTEGER,
 *     negoTokens  [1] NegoData OPTIONAL,
 *     authInfo    [2] OCTET STRING OPTIONAL,
 *     pubKeyAuth  [3] OCTET STRING OPTIONAL,
 *     errorCode   [4] INTEGER OPTIONAL,      -- versions 3, 4 and 6 only
 *     clientNonce [5] OCTET STRING OPTIONAL  -- versions 5 and 6
 *   }
 *   NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING }   -- 2.2.1.1
 */
import { sspiError } from '../../../errors';
import {
  DerError,
  contextFields,
  encodeTree,
  expectSequence,
  integer,
  parseDer,
  readInteger,
  readOctetString,
  treeExplicit,
  treeOctetString,
  treeSequence,
  type DerElement,
  type DerTree,
} from '../../asn1/der';

/** The highest version this implementation speaks (MS-CSSP 2.2.1: 2 to 6). */
export const CREDSSP_MAX_VERSION = 6;
/** The lowest version MS-CSSP defines. */
export const CREDSSP_MIN_VERSION = 2;
/** clientNonce is 32 random bytes (MS-CSSP 2.2.1). */
export const CLIENT_NONCE_LENGTH = 32;

export interface TsRequest {
  /** The sender's version as it appears on the wire. */
  version: number;
  /** SPNEGO tokens or raw NTLM messages; in practice exactly one. */
  negoTokens?: Buffer[];
  /** The sealed TSCredentials. */
  authInfo?: Buffer;
  /** The sealed public key binding. */
  pubKeyAuth?: Buffer;
  /** An NTSTATUS (or HRESULT), as an unsigned 32-bit number. */
  errorCode?: number;
  clientNonce?: Buffer;
}

/** True for the versions whose TSRequest carries errorCode (MS-CSSP 2.2.1: 3, 4 and 6, not 5). */
export function versionCarriesErrorCode(version: number): boolean {
  return version === 3 || version === 4 || version === 6;
}

/**
 * Encode a TSRequest in DER. The encoder writes the fields it is given; which fields a version
 * may carry is the state machine's decision (versionCarriesErrorCode).
 */
export function encodeTsRequest(request: TsRequest): Buffer {
  const fields: DerTree[] = [treeExplicit(0, integer(request.version))];
  if (request.negoTokens && request.negoTokens.length > 0) {
    const items = request.negoTokens.map((token) => treeSequence(treeExplicit(0, treeOctetString(token))));
    fields.push(treeExplicit(1, treeSequence(...items)));
  }
  if (request.authInfo) fields.push(treeExplicit(2, treeOctetString(request.authInfo)));
  if (request.pubKeyAuth) fields.push(treeExplicit(3, treeOctetString(request.pubKeyAuth)));
  if (request.errorCode !== undefined) {
    // Windows writes the NTSTATUS as a signed 32-bit INTEGER: 0xC000006D is 02 04 C0 00 00 6D.
    fields.push(treeExplicit(4, integer(request.errorCode | 0)));
  }
  if (request.clientNonce) fields.push(treeExplicit(5, treeOctetString(request.clientNonce)));
  // Described as a tree and written once: each token is copied into the message, not once per level.
  return encodeTree(treeSequence(...fields));
}

/**
 * Decode a TSRequest. Malformed DER, a missing version, a version below 2 or a clientNonce that
 * is not 32 bytes throw SEC_E_INVALID_TOKEN. Fields above [5] are ignored, so a later revision's
 * additions do not break us.
 */
export function decodeTsRequest(encoded: Buffer): TsRequest {
  try {
    const fields = contextFields(parseDer(encoded));
    const versionField = fields.get(0);
    if (!versionField) throw new DerError('TSRequest has no version');
    const version = readInteger(versionField);
    if (version < CREDSSP_MIN_VERSION) {
      throw new DerError(`TSRequest version ${version} is below ${CREDSSP_MIN_VERSION}`);
    }
    const request: TsRequest = { version };
    const negoData = fields.get(1);
    if (negoData) request.negoTokens = readNegoData(negoData);
    const authInfo = fields.get(2);
    if (authInfo) request.authInfo = Buffer.from(readOctetString(authInfo));
    const pubKeyAuth = fields.get(3);
    if (pubKeyAuth) request.pubKeyAuth = Buffer.from(readOctetString(pubKeyAuth));
    const errorCode = fields.get(4);
    if (errorCode) request.errorCode = readErrorCode(errorCode);
    const clientNonce = fields.get(5);
    if (clientNonce) {
      request.clientNonce = Buffer.from(readOctetString(clientNonce));
      if (request.clientNonce.length !== CLIENT_NONCE_LENGTH) {
        throw new DerError(`clientNonce is ${request.clientNonce.length} bytes, not ${CLIENT_NONCE_LENGTH}`);
      }
    }
    return request;
  } catch (err) {
    if (err instanceof DerError) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The CredSSP TSRequest from the peer is malformed: ${err.message}.`,
      );
    }
    throw err;
  }
}

/** NegoData ::= SEQUENCE OF NegoDataItem; NegoDataItem ::= SEQUENCE { negoToken [0] OCTET STRING }. */
function readNegoData(element: DerElement): Buffer[] {
  const items = expectSequence(element);
  if (items.length === 0) throw new DerError('negoTokens is empty');
  return items.map((item) => {
    const token = contextFields(item).get(0);
    if (!token) throw new DerError('a NegoDataItem has no negoToken');
    return Buffer.from(readOctetString(token));
  });
}

/**
 * errorCode as unsigned: Windows writes 4 signed octets (C0 00 00 6D), others the 5-octet
 * positive form (00 C0 00 00 6D); both are the same 32-bit status.
 */
function readErrorCode(element: DerElement): number {
  const value = readInteger(element);
  if (value < -0x80000000 || value > 0xffffffff) throw new DerError('errorCode does not fit in 32 bits');
  return value >>> 0;
}
