/**
 * The Kerberos V5 wire structures (RFC 4120 section 5, RFC 4121 section 4.1) as plain values:
 * what the codecs in this folder read and write, and what the exchanges above them work with.
 * Encrypted parts stay `EncryptedData` here; decrypting them is the exchange's job (it knows the
 * key and the key usage), and the codecs then read the plaintext's own structure.
 *
 * Times are `Date`s at whole seconds (KerberosTime, RFC 4120 5.2.3) plus, where the wire carries
 * one, a microsecond field. Flags are 32-bit numbers with bit 0 the most significant (the
 * KerberosFlags BIT STRING read big-endian): `KDC_OPTION.FORWARDABLE` is `0x40000000`.
 */

/** PrincipalName (RFC 4120 5.2.2). Realm travels beside it, never inside. */
export interface PrincipalName {
  nameType: number;
  /** The components: `['TERMSRV', 'host.example.com']`, `['alice']`, `['krbtgt', 'REALM']`. */
  nameString: string[];
}

/** EncryptedData (RFC 4120 5.2.9). */
export interface EncryptedData {
  etype: number;
  kvno?: number;
  cipher: Buffer;
}

/** EncryptionKey (RFC 4120 5.2.9). `keyValue` is secret: callers keep it in secret memory. */
export interface EncryptionKey {
  keyType: number;
  keyValue: Buffer;
}

/** Checksum (RFC 4120 5.2.9). */
export interface Checksum {
  cksumType: number;
  checksum: Buffer;
}

/** One PA-DATA (RFC 4120 5.2.7). */
export interface PaData {
  padataType: number;
  padataValue: Buffer;
}

/** ETYPE-INFO2-ENTRY (RFC 4120 5.2.7.5). */
export interface EtypeInfo2Entry {
  etype: number;
  salt?: string;
  s2kParams?: Buffer;
}

/** HostAddress (RFC 4120 5.2.5). */
export interface HostAddress {
  addrType: number;
  address: Buffer;
}

/** One AuthorizationData element (RFC 4120 5.2.6). */
export interface AuthorizationDataEntry {
  adType: number;
  adData: Buffer;
}

/** Ticket ([APPLICATION 1], RFC 4120 5.3). `encoded` is the whole element as received. */
export interface Ticket {
  tktVno: 5;
  realm: string;
  sname: PrincipalName;
  encPart: EncryptedData;
  /** The DER as read or written: a ccache and a KRB-CRED carry the ticket as these bytes. */
  encoded: Buffer;
}

/** EncTicketPart ([APPLICATION 3], RFC 4120 5.3), after decryption with the service key. */
export interface EncTicketPart {
  flags: number;
  key: EncryptionKey;
  crealm: string;
  cname: PrincipalName;
  transited: { trType: number; contents: Buffer };
  authtime: Date;
  starttime?: Date;
  endtime: Date;
  renewTill?: Date;
  caddr?: HostAddress[];
  authorizationData?: AuthorizationDataEntry[];
}

/** KDC-REQ-BODY (RFC 4120 5.4.1). `encoded` is filled when parsed (the TGS checksum covers it). */
export interface KdcReqBody {
  kdcOptions: number;
  cname?: PrincipalName;
  realm: string;
  sname?: PrincipalName;
  from?: Date;
  till: Date;
  rtime?: Date;
  nonce: number;
  etype: number[];
  addresses?: HostAddress[];
  encAuthorizationData?: EncryptedData;
  additionalTickets?: Ticket[];
  encoded?: Buffer;
}

/** AS-REQ ([APPLICATION 10]) and TGS-REQ ([APPLICATION 12]), RFC 4120 5.4.1. */
export interface KdcReq {
  msgType: 10 | 12;
  padata?: PaData[];
  reqBody: KdcReqBody;
}

/** AS-REP ([APPLICATION 11]) and TGS-REP ([APPLICATION 13]), RFC 4120 5.4.2. */
export interface KdcRep {
  msgType: 11 | 13;
  padata?: PaData[];
  crealm: string;
  cname: PrincipalName;
  ticket: Ticket;
  encPart: EncryptedData;
}

/** LastReq entry (RFC 4120 5.4.2). */
export interface LastReqEntry {
  lrType: number;
  lrValue: Date;
}

/** EncASRepPart ([APPLICATION 25]) / EncTGSRepPart ([APPLICATION 26]), RFC 4120 5.4.2. */
export interface EncKdcRepPart {
  /** 25 or 26 as received; MIT and Heimdal accept either in either reply, and so do we. */
  application: 25 | 26;
  key: EncryptionKey;
  lastReq: LastReqEntry[];
  nonce: number;
  keyExpiration?: Date;
  flags: number;
  authtime: Date;
  starttime?: Date;
  endtime: Date;
  renewTill?: Date;
  srealm: string;
  sname: PrincipalName;
  caddr?: HostAddress[];
  encryptedPaData?: PaData[];
}

/** AP-REQ ([APPLICATION 14], RFC 4120 5.5.1). */
export interface ApReq {
  apOptions: number;
  ticket: Ticket;
  authenticator: EncryptedData;
}

/** Authenticator ([APPLICATION 2], RFC 4120 5.5.1), after decryption with the ticket's session key. */
export interface Authenticator {
  crealm: string;
  cname: PrincipalName;
  cksum?: Checksum;
  cusec: number;
  ctime: Date;
  subkey?: EncryptionKey;
  seqNumber?: number;
  authorizationData?: AuthorizationDataEntry[];
}

/** AP-REP ([APPLICATION 15], RFC 4120 5.5.2). */
export interface ApRep {
  encPart: EncryptedData;
}

/** EncAPRepPart ([APPLICATION 27], RFC 4120 5.5.2). */
export interface EncApRepPart {
  ctime: Date;
  cusec: number;
  subkey?: EncryptionKey;
  seqNumber?: number;
}

/** KRB-ERROR ([APPLICATION 30], RFC 4120 5.9.1). */
export interface KrbError {
  ctime?: Date;
  cusec?: number;
  stime: Date;
  susec: number;
  errorCode: number;
  crealm?: string;
  cname?: PrincipalName;
  realm: string;
  sname: PrincipalName;
  eText?: string;
  eData?: Buffer;
}

/** KrbCredInfo (RFC 4120 5.8.1). */
export interface KrbCredInfo {
  key: EncryptionKey;
  prealm?: string;
  pname?: PrincipalName;
  flags?: number;
  authtime?: Date;
  starttime?: Date;
  endtime?: Date;
  renewTill?: Date;
  srealm?: string;
  sname?: PrincipalName;
  caddr?: HostAddress[];
}

/** KRB-CRED ([APPLICATION 22], RFC 4120 5.8.1). */
export interface KrbCred {
  tickets: Ticket[];
  encPart: EncryptedData;
}

/** EncKrbCredPart ([APPLICATION 29], RFC 4120 5.8.1). */
export interface EncKrbCredPart {
  ticketInfo: KrbCredInfo[];
  nonce?: number;
  timestamp?: Date;
  usec?: number;
  sAddress?: HostAddress;
  rAddress?: HostAddress;
}

/**
 * The authenticator checksum of type 0x8003 (RFC 4121 4.1.1): channel-binding hash, GSS flags,
 * and optionally a forwarded TGT (KRB-CRED) under option 1.
 */
export interface GssChecksum {
  /** MD5 of the channel bindings (16 bytes), zeros when there are none. */
  bindingsHash: Buffer;
  /** GSS_C_* flags: DELEG 1, MUTUAL 2, REPLAY 4, SEQUENCE 8, CONF 16, INTEG 32, DCE_STYLE 0x1000. */
  flags: number;
  /** KRB-CRED bytes when GSS_C_DELEG_FLAG is set. */
  delegation?: Buffer;
  /** Extensions after the delegation (RFC 4121 4.1.1.2), kept as received. */
  extensions?: Buffer;
}
