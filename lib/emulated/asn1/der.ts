/**
 * DER (ITU-T X.690 section 10): the strict subset of BER that SPNEGO (RFC 4178), CredSSP's
 * TSRequest/TSCredentials (MS-CSSP 2.2.1) and X.509 certificates are written in.
 *
 * Why our own module and not an npm ASN.1 library: the structures we touch are few and small
 * (a handful of SEQUENCEs with explicit context tags, INTEGERs, OCTET STRINGs, OIDs, a few
 * strings and times), so a schema compiler buys nothing; and a reader that is strict by
 * construction — definite lengths only, minimal length and INTEGER encodings, bounded nesting,
 * one typed error — is short enough to review line by line and easy to fuzz. General-purpose
 * BER libraries accept indefinite lengths and non-minimal forms, which widens what a hostile
 * peer can feed us for no gain.
 *
 * Errors: the reader throws `DerError` and nothing else. Each protocol module that parses DER
 * converts a DerError into SspiError SEC_E_INVALID_TOKEN at its own boundary, where it can say
 * which token was malformed. (An error-factory parameter was the alternative; one exception
 * type caught in one place per protocol is simpler to follow.)
 */
export { DerError } from './der-error';
export {
  TagClass,
  UniversalTag,
  type DerElement,
  MAX_DER_DEPTH,
  readElement,
  parseDer,
  childrenOf,
  expectTag,
  expectUniversal,
  expectSequence,
  explicitContent,
  contextFields,
} from './der-reader';
export {
  readInteger,
  readIntegerBytes,
  readOctetString,
  readBitString,
  readOid,
  readString,
  readEnumerated,
  readBoolean,
  readNull,
} from './der-values';
export {
  tlv,
  sequence,
  set,
  contextExplicit,
  contextImplicit,
  application,
  integer,
  octetString,
  bitString,
  oid,
  utf8String,
  printableString,
  ia5String,
  utcTime,
  generalizedTime,
  boolean,
  enumerated,
  nullValue,
} from './der-writer';
export {
  type DerTree,
  type DerPart,
  treeSequence,
  treeExplicit,
  treeOctetString,
  encodeTree,
} from './der-tree';
