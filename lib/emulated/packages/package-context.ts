/**
 * The SSPI-shaped face of one emulated package context (NTLM, Negotiate, CredSSP): what the
 * emulated backend calls for ISC/ASC, EncryptMessage/DecryptMessage and QueryContextAttributes.
 * Failures are thrown as SspiError; success statuses are returned.
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
