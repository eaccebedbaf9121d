/**
 * The numbers of Kerberos V5 (RFC 4120 sections 5, 7.5) and its GSS-API mechanism (RFC 4121
 * 4.1): message types, name types, pre-authentication types, error codes, the flag bits of
 * KerberosFlags fields, the GSS flags and token identifiers, and the bounds the parsers keep.
 */

/** msg-type (RFC 4120 7.5.7), also the [APPLICATION n] tag of each message. */
export const MessageType = {
  AS_REQ: 10,
  AS_REP: 11,
  TGS_REQ: 12,
  TGS_REP: 13,
  AP_REQ: 14,
  AP_REP: 15,
  KRB_SAFE: 20,
  KRB_PRIV: 21,
  KRB_CRED: 22,
  KRB_ERROR: 30,
} as const;

/** The [APPLICATION n] tags of the other structures (RFC 4120 5.3, 5.4.2, 5.5, 5.8.1). */
export const ApplicationTag = {
  TICKET: 1,
  AUTHENTICATOR: 2,
  ENC_TICKET_PART: 3,
  ENC_AS_REP_PART: 25,
  ENC_TGS_REP_PART: 26,
  ENC_AP_REP_PART: 27,
  ENC_KRB_CRED_PART: 29,
} as const;

/** pvno, tkt-vno, authenticator-vno: always 5 (RFC 4120 5.1). */
export const KRB5_PVNO = 5;

/** name-type (RFC 4120 6.2; 10 RFC 6806, 11 RFC 6111, negative ones MS-KILE 2.2). */
export const NameType = {
  UNKNOWN: 0,
  PRINCIPAL: 1,
  SRV_INST: 2,
  SRV_HST: 3,
  SRV_XHST: 4,
  UID: 5,
  X500_PRINCIPAL: 6,
  SMTP_NAME: 7,
  ENTERPRISE: 10,
  WELLKNOWN: 11,
  MS_PRINCIPAL: -128,
  MS_PRINCIPAL_AND_ID: -129,
  ENT_PRINCIPAL_AND_ID: -130,
} as const;

/** padata-type (RFC 4120 7.5.2; 128-130 MS-KILE/MS-SFU, 133-138 RFC 6113, 149 RFC 6806). */
export const PaType = {
  TGS_REQ: 1,
  ENC_TIMESTAMP: 2,
  PW_SALT: 3,
  ENC_UNIX_TIME: 5,
  SANDIA_SECUREID: 6,
  SESAME: 7,
  OSF_DCE: 8,
  CYBERSAFE_SECUREID: 9,
  AFS3_SALT: 10,
  ETYPE_INFO: 11,
  SAM_CHALLENGE: 12,
  SAM_RESPONSE: 13,
  PK_AS_REQ_OLD: 14,
  PK_AS_REP_OLD: 15,
  PK_AS_REQ: 16,
  PK_AS_REP: 17,
  ETYPE_INFO2: 19,
  USE_SPECIFIED_KVNO: 20,
  SAM_REDIRECT: 21,
  GET_FROM_TYPED_DATA: 22,
  PAC_REQUEST: 128,
  FOR_USER: 129,
  FOR_X509_USER: 130,
  FX_COOKIE: 133,
  FX_FAST: 136,
  FX_ERROR: 137,
  ENCRYPTED_CHALLENGE: 138,
  REQ_ENC_PA_REP: 149,
  AS_FRESHNESS: 150,
  SPAKE: 151,
  SUPPORTED_ETYPES: 165,
  PAC_OPTIONS: 167,
} as const;

/** error-code (RFC 4120 7.5.9; 90-93 RFC 6113). */
export const KrbErrorCode = {
  KDC_ERR_NONE: 0,
  KDC_ERR_NAME_EXP: 1,
  KDC_ERR_SERVICE_EXP: 2,
  KDC_ERR_BAD_PVNO: 3,
  KDC_ERR_C_OLD_MAST_KVNO: 4,
  KDC_ERR_S_OLD_MAST_KVNO: 5,
  KDC_ERR_C_PRINCIPAL_UNKNOWN: 6,
  KDC_ERR_S_PRINCIPAL_UNKNOWN: 7,
  KDC_ERR_PRINCIPAL_NOT_UNIQUE: 8,
  KDC_ERR_NULL_KEY: 9,
  KDC_ERR_CANNOT_POSTDATE: 10,
  KDC_ERR_NEVER_VALID: 11,
  KDC_ERR_POLICY: 12,
  KDC_ERR_BADOPTION: 13,
  KDC_ERR_ETYPE_NOSUPP: 14,
  KDC_ERR_SUMTYPE_NOSUPP: 15,
  KDC_ERR_PADATA_TYPE_NOSUPP: 16,
  KDC_ERR_TRTYPE_NOSUPP: 17,
  KDC_ERR_CLIENT_REVOKED: 18,
  KDC_ERR_SERVICE_REVOKED: 19,
  KDC_ERR_TGT_REVOKED: 20,
  KDC_ERR_CLIENT_NOTYET: 21,
  KDC_ERR_SERVICE_NOTYET: 22,
  KDC_ERR_KEY_EXPIRED: 23,
  KDC_ERR_PREAUTH_FAILED: 24,
  KDC_ERR_PREAUTH_REQUIRED: 25,
  KDC_ERR_SERVER_NOMATCH: 26,
  KDC_ERR_MUST_USE_USER2USER: 27,
  KDC_ERR_PATH_NOT_ACCEPTED: 28,
  KDC_ERR_SVC_UNAVAILABLE: 29,
  KRB_AP_ERR_BAD_INTEGRITY: 31,
  KRB_AP_ERR_TKT_EXPIRED: 32,
  KRB_AP_ERR_TKT_NYV: 33,
  KRB_AP_ERR_REPEAT: 34,
  KRB_AP_ERR_NOT_US: 35,
  KRB_AP_ERR_BADMATCH: 36,
  KRB_AP_ERR_SKEW: 37,
  KRB_AP_ERR_BADADDR: 38,
  KRB_AP_ERR_BADVERSION: 39,
  KRB_AP_ERR_MSG_TYPE: 40,
  KRB_AP_ERR_MODIFIED: 41,
  KRB_AP_ERR_BADORDER: 42,
  KRB_AP_ERR_BADKEYVER: 44,
  KRB_AP_ERR_NOKEY: 45,
  KRB_AP_ERR_MUT_FAIL: 46,
  KRB_AP_ERR_BADDIRECTION: 47,
  KRB_AP_ERR_METHOD: 48,
  KRB_AP_ERR_BADSEQ: 49,
  KRB_AP_ERR_INAPP_CKSUM: 50,
  KRB_AP_PATH_NOT_ACCEPTED: 51,
  KRB_ERR_RESPONSE_TOO_BIG: 52,
  KRB_ERR_GENERIC: 60,
  KRB_ERR_FIELD_TOOLONG: 61,
  KDC_ERROR_CLIENT_NOT_TRUSTED: 62,
  KDC_ERROR_KDC_NOT_TRUSTED: 63,
  KDC_ERROR_INVALID_SIG: 64,
  KDC_ERR_KEY_TOO_WEAK: 65,
  KDC_ERR_CERTIFICATE_MISMATCH: 66,
  KRB_AP_ERR_NO_TGT: 67,
  KDC_ERR_WRONG_REALM: 68,
  KRB_AP_ERR_USER_TO_USER_REQUIRED: 69,
  KDC_ERR_CANT_VERIFY_CERTIFICATE: 70,
  KDC_ERR_INVALID_CERTIFICATE: 71,
  KDC_ERR_REVOKED_CERTIFICATE: 72,
  KDC_ERR_REVOCATION_STATUS_UNKNOWN: 73,
  KDC_ERR_REVOCATION_STATUS_UNAVAILABLE: 74,
  KDC_ERR_CLIENT_NAME_MISMATCH: 75,
  KDC_ERR_KDC_NAME_MISMATCH: 76,
  KDC_ERR_PREAUTH_EXPIRED: 90,
  KDC_ERR_MORE_PREAUTH_DATA_REQUIRED: 91,
  KDC_ERR_PREAUTH_BAD_AUTHENTICATION_SET: 92,
  KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS: 93,
} as const;

/** Bit n of a KerberosFlags value as a 32-bit number: bit 0 is the most significant (RFC 4120 5.2.8). */
const bit = (n: number): number => 0x80000000 >>> n;

/** KDCOptions (RFC 4120 5.4.1; 14 MS-SFU, 15 RFC 6806, 16 RFC 8062). */
export const KdcOption = {
  FORWARDABLE: bit(1),
  FORWARDED: bit(2),
  PROXIABLE: bit(3),
  PROXY: bit(4),
  ALLOW_POSTDATE: bit(5),
  POSTDATED: bit(6),
  RENEWABLE: bit(8),
  OPT_HARDWARE_AUTH: bit(11),
  CNAME_IN_ADDL_TKT: bit(14),
  CANONICALIZE: bit(15),
  REQUEST_ANONYMOUS: bit(16),
  DISABLE_TRANSITED_CHECK: bit(26),
  RENEWABLE_OK: bit(27),
  ENC_TKT_IN_SKEY: bit(28),
  RENEW: bit(30),
  VALIDATE: bit(31),
} as const;

/** TicketFlags (RFC 4120 5.3; 15 RFC 6806, 16 RFC 8062). */
export const TicketFlag = {
  FORWARDABLE: bit(1),
  FORWARDED: bit(2),
  PROXIABLE: bit(3),
  PROXY: bit(4),
  MAY_POSTDATE: bit(5),
  POSTDATED: bit(6),
  INVALID: bit(7),
  RENEWABLE: bit(8),
  INITIAL: bit(9),
  PRE_AUTHENT: bit(10),
  HW_AUTHENT: bit(11),
  TRANSITED_POLICY_CHECKED: bit(12),
  OK_AS_DELEGATE: bit(13),
  ENC_PA_REP: bit(15),
  ANONYMOUS: bit(16),
} as const;

/** APOptions (RFC 4120 5.5.1). */
export const ApOption = {
  USE_SESSION_KEY: bit(1),
  MUTUAL_REQUIRED: bit(2),
} as const;

/** GSS_C_* context flags as the 0x8003 checksum carries them (RFC 4121 4.1.1.1; DCE_STYLE RFC 4757 7.1). */
export const GssFlag = {
  DELEG: 1,
  MUTUAL: 2,
  REPLAY: 4,
  SEQUENCE: 8,
  CONF: 16,
  INTEG: 32,
  DCE_STYLE: 0x1000,
} as const;

/** TOK_ID of the context-establishment tokens (RFC 4121 4.1). */
export const GssTokenId = {
  AP_REQ: 0x0100,
  AP_REP: 0x0200,
  KRB_ERROR: 0x0300,
} as const;

/** The Kerberos V5 GSS-API mechanism (RFC 1964 1, RFC 4121). */
export const KRB5_OID = '1.2.840.113554.1.2.2';
/** The same mechanism under the OID early Windows used, still offered and accepted (MS-KILE 1.9). */
export const MS_KRB5_OID = '1.2.840.48018.1.2.2';

/** The authenticator checksum type carrying GSS bindings and flags (RFC 4121 4.1.1). */
export const GSS_CHECKSUM_TYPE = 0x8003;

/**
 * Bounds the parsers keep before decoding the items of a list or a string. Real messages stay
 * far below each: a principal has 1 to 3 components, a KDC offers a handful of enctypes, a
 * request a few pre-authentication data, a ticket a few authorization-data elements.
 */
export const KerberosLimits = {
  /** Components of a PrincipalName (name-string). */
  NAME_COMPONENTS: 32,
  /** UTF-16 units of one name component or realm. */
  NAME_CHARS: 1024,
  /** UTF-16 units of a salt or an e-text. */
  TEXT_CHARS: 4096,
  /** etype list of a KDC-REQ-BODY, and ETYPE-INFO(2) entries. */
  ETYPES: 64,
  /** PA-DATA in a METHOD-DATA, a KDC-REQ, a KDC-REP or an EncKDCRepPart. */
  PADATA: 64,
  /** HostAddresses. */
  ADDRESSES: 64,
  /** AuthorizationData elements. */
  AUTHZ_ENTRIES: 64,
  /** LastReq entries. */
  LAST_REQ: 64,
  /** Tickets in additional-tickets or a KRB-CRED, and KrbCredInfo entries. */
  TICKETS: 64,
} as const;
