/**
 * The contract every emulated inner mechanism meets (NTLM, Kerberos, and SPNEGO around them): a sans-IO,
 * synchronous GSS-style context. Bytes in, bytes out, no sockets, no timers. Mechanisms are what
 * packages carry (packages/package-context.ts): Negotiate and NTLM hand their tokens through,
 * CredSSP wraps them in TSRequests.
 */

/** The result of one leg. */
export interface MechanismStep {
  /** The token to send to the peer; empty when there is nothing to send. */
  output: Buffer;
  /** True once this side has everything it needs (SEC_E_OK). */
  complete: boolean;
}

/** What SSPI's SecPkgContext_Sizes reports for a mechanism's per-message tokens. */
export interface MessageSizes {
  maxSignature: number;
  blockSize: number;
  securityTrailer: number;
}

/** When a context is valid: Kerberos' service ticket's starttime (else authtime) to its endtime. */
export interface ContextLifetime {
  start: Date;
  end: Date;
}

/** Who a context authenticated as (initiator: itself; acceptor: the peer). */
export interface MechanismIdentity {
  user: string;
  domain: string;
  workstation?: string;
}

export interface MechanismContext {
  /**
   * Run one leg. The initiator's first call takes `null`. Throws SspiError
   * (SEC_E_INVALID_TOKEN, SEC_E_LOGON_DENIED, SEC_E_MESSAGE_ALTERED, ...) on failure.
   */
  step(input: Buffer | null): MechanismStep;
  /** True after the last leg on this side. */
  readonly complete: boolean;
  /** The mechanism that actually ran, also when wrapped in SPNEGO. */
  readonly mechanism: 'NTLM' | 'Kerberos';
  /** The identity once known. */
  readonly identity: MechanismIdentity | undefined;
  /**
   * The session key once complete, for SECPKG_ATTR_SESSION_KEY (NTLM: ExportedSessionKey;
   * Kerberos: the key in force, the acceptor's subkey or else the initiator's).
   */
  readonly sessionKey: Buffer | undefined;
  /** The sizes of its per-message tokens, where they depend on the context (Kerberos: the key's enctype); NTLM's are fixed. */
  readonly messageSizes?: MessageSizes;
  /**
   * Kerberos: the service ticket's validity, once the ticket is known (the initiator's from the
   * start, the acceptor's once complete), as Windows reports a Kerberos context's lifespan and
   * expiry. Undefined for NTLM, whose contexts do not expire.
   */
  readonly lifetime?: ContextLifetime;
  /**
   * Seal and sign one message (SSPI EncryptMessage / GSS_WrapEx): returns the concatenation
   * CredSSP puts on the wire (NTLM: the 16-byte signature, then the sealed bytes; Kerberos: the
   * RFC 4121 Wrap token, header first).
   */
  wrap(plaintext: Buffer): Buffer;
  /** The reverse of the peer's wrap. Throws SEC_E_MESSAGE_ALTERED on a bad signature, SEC_E_INVALID_TOKEN when too short. */
  unwrap(message: Buffer): Buffer;
  /** Sign only (MakeSignature / GSS_GetMIC), consuming a sequence number. */
  sign(message: Buffer): Buffer;
  /** Verify the peer's sign(). Throws SEC_E_MESSAGE_ALTERED. */
  verify(message: Buffer, signature: Buffer): void;
  /** Zero every key and secret this context holds. Idempotent. */
  dispose(): void;
}
