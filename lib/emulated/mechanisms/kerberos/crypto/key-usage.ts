/**
 * Key usage numbers: every encryption and checksum is made under a key derived for one purpose,
 * so a ciphertext made for one message cannot be replayed as another (RFC 3961 3, RFC 4120 7.5.1).
 */
export const KeyUsage = {
  /** AS-REQ PA-ENC-TIMESTAMP padata timestamp, under the client key. */
  AS_REQ_PA_ENC_TIMESTAMP: 1,
  /** AS-REP and TGS-REP Ticket, under the service key. */
  KDC_REP_TICKET: 2,
  /** AS-REP encrypted part, under the client key. */
  AS_REP_ENC_PART: 3,
  /** TGS-REQ KDC-REQ-BODY AuthorizationData, under the TGS session key. */
  TGS_REQ_AUTH_DATA_SESSION_KEY: 4,
  /** TGS-REQ KDC-REQ-BODY AuthorizationData, under the TGS authenticator subkey. */
  TGS_REQ_AUTH_DATA_SUBKEY: 5,
  /** TGS-REQ PA-TGS-REQ AP-REQ Authenticator cksum, keyed with the TGS session key. */
  TGS_REQ_AUTHENTICATOR_CKSUM: 6,
  /** TGS-REQ PA-TGS-REQ AP-REQ Authenticator, under the TGS session key. */
  TGS_REQ_AUTHENTICATOR: 7,
  /** TGS-REP encrypted part, under the TGS session key. */
  TGS_REP_ENC_PART_SESSION_KEY: 8,
  /** TGS-REP encrypted part, under the TGS authenticator subkey. */
  TGS_REP_ENC_PART_SUBKEY: 9,
  /** AP-REQ Authenticator cksum, keyed with the application session key. */
  AP_REQ_AUTHENTICATOR_CKSUM: 10,
  /** AP-REQ Authenticator, under the application session key. */
  AP_REQ_AUTHENTICATOR: 11,
  /** AP-REP encrypted part, under the application session key. */
  AP_REP_ENC_PART: 12,
  /** KRB-PRIV encrypted part. */
  KRB_PRIV_ENC_PART: 13,
  /** KRB-CRED encrypted part (a forwarded TGT). */
  KRB_CRED_ENC_PART: 14,
  /** KRB-SAFE cksum. */
  KRB_SAFE_CKSUM: 15,
  /** PAC server and KDC signatures (MS-PAC 2.8: KERB_NON_KERB_CKSUM_SALT). */
  KERB_NON_KERB_CKSUM_SALT: 17,
  /** AD-KDC-ISSUED checksum (RFC 4120 7.5.1). */
  AD_KDC_ISSUED_CKSUM: 19,
  /** GSS wrap tokens the acceptor seals (RFC 4121 2: KG-USAGE-ACCEPTOR-SEAL). */
  GSS_ACCEPTOR_SEAL: 22,
  /** GSS MIC and unsealed wrap tokens the acceptor signs (RFC 4121 2: KG-USAGE-ACCEPTOR-SIGN). */
  GSS_ACCEPTOR_SIGN: 23,
  /** GSS wrap tokens the initiator seals (RFC 4121 2: KG-USAGE-INITIATOR-SEAL). */
  GSS_INITIATOR_SEAL: 24,
  /** GSS MIC and unsealed wrap tokens the initiator signs (RFC 4121 2: KG-USAGE-INITIATOR-SIGN). */
  GSS_INITIATOR_SIGN: 25,
} as const;

/** One of the key usage numbers above. Any unsigned 32-bit number is accepted where a usage is taken. */
export type KeyUsageNumber = (typeof KeyUsage)[keyof typeof KeyUsage];
