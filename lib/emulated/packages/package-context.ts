/**
 * The one contract every emulated package implements (CredSSP, Negotiate, Kerberos, NTLM):
 * the SSPI-shaped face of a context, what the emulated backend calls for ISC/ASC,
 * EncryptMessage/DecryptMessage and QueryContextAttributes. Failures are thrown as SspiError;
 * success statuses are returned. Packages run mechanisms (mechanisms/mechanism-context.ts)
 * inside: NTLM, Kerberos and Negotiate hand their tokens straight through (mechanism-package.ts), CredSSP
 * carries them in TSRequests over TLS (credssp/).
 */
import type { SecBuffer } from '../../backend/types';

export interface PackageStepRequest {
  /** Input buffers as the caller gave them: [TOKEN, EMPTY] or more. Empty on a first ISC call. */
  input: SecBuffer[];
  /** ISC_REQ.* or ASC_REQ.* bits. */
  flags: number;
  targetName?: string;
  targetDataRep: number;
}

export interface PackageStepResult {
  /** SEC_E_OK, SEC_I_CONTINUE_NEEDED, SEC_E_INCOMPLETE_MESSAGE, ... */
  status: number;
  /** The token to send (may be empty). */
  output: Buffer;
  /** ISC_RET.* or ASC_RET.* bits. */
  attributes: number;
  /** Bytes after the token that belong to the next message (SECBUFFER_EXTRA). */
  extra?: Buffer;
  /** With SEC_E_INCOMPLETE_MESSAGE: how many more bytes are needed (SECBUFFER_MISSING). */
  missing?: number;
  expiry: Date | null;
}

export interface PackageContext {
  /**
   * An exchange is under way: the next step continues it. The turn budget lets such steps go
   * before those that start an exchange (scheduling/turn-budget.ts).
   */
  readonly underway: boolean;
  step(request: PackageStepRequest): Promise<PackageStepResult>;
  /** After SEC_E_OK: protect one message for the peer. */
  encrypt(data: Buffer): Promise<Buffer>;
  /** After SEC_E_OK: unprotect one message from the peer. */
  decrypt(data: Buffer): Promise<Buffer>;
  /** QueryContextAttributes; throws SEC_E_UNSUPPORTED_FUNCTION for an attribute the package lacks. */
  query(attribute: string): unknown;
  /** Free everything and zero secrets. Idempotent. */
  dispose(): void;
}
