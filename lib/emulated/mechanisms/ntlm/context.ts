/**
 * What NtlmInitiator and NtlmAcceptor share once established: the exported session key and the
 * session security built on it, the message calls of MechanismContext, the RC4 reset SPNEGO needs,
 * and the "a failed or finished context takes no more tokens" rule.
 */
import { sspiError, type SspiError } from '../../../errors';
import type { MechanismIdentity, MechanismStep } from '../mechanism-context';
import type { NtlmMode } from './keys';
import { NtlmSessionSecurity, type SealDirection } from './signing';
import { wipe } from '../../../secret';

/**
 * SEC_E_UNSUPPORTED_FUNCTION for a peer that offers or accepts less than both sides require
 * (MS-NLMP 3.1.5.1.2 and 3.2.5.1.1: ClientRequire128bitEncryption / ServerRequire128bitEncryption).
 */
export function peerTooWeak(peer: 'client' | 'server', what: string): SspiError {
  const self = peer === 'client' ? 'server' : 'client';
  return sspiError(
    'SEC_E_UNSUPPORTED_FUNCTION',
    `The NTLM ${peer} ${what}; this ${self} requires NTLMv2 with 128-bit session security.`,
  );
}

export abstract class NtlmContextBase {
  readonly mechanism = 'NTLM' as const;
  protected flags = 0;
  protected withMic = false;
  protected identityValue: MechanismIdentity | undefined;
  private exportedSessionKey: Buffer | undefined;
  private security: NtlmSessionSecurity | undefined;
  private done = false;
  private failed = false;
  private disposed = false;

  /** The NegotiateFlags both sides settled on (flags.ts); 0 until known. For ISC_RET/ASC_RET bits. */
  get negotiatedFlags(): number {
    return this.flags;
  }

  /**
   * True when the AUTHENTICATE carried a MIC (MsvAvFlags bit 0x2). SPNEGO then MUST exchange
   * mechListMICs (MS-SPNG 3.1.5.1), even when NTLM was the initiator's preferred mechanism.
   */
  get micPresent(): boolean {
    return this.withMic;
  }

  get complete(): boolean {
    return this.done;
  }

  get identity(): MechanismIdentity | undefined {
    return this.identityValue;
  }

  /** ExportedSessionKey (MS-NLMP 3.1.5.1.2). The live Buffer: dispose() zeroes it. */
  get sessionKey(): Buffer | undefined {
    return this.exportedSessionKey;
  }

  /** Run one leg through `leg`, refusing tokens once finished or failed, and failing for good on error. */
  protected runStep(leg: () => MechanismStep): MechanismStep {
    if (this.disposed) throw sspiError('SEC_E_INVALID_HANDLE', 'The NTLM context has been deleted.');
    if (this.done) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The NTLM exchange is already complete; no further token was expected.',
      );
    }
    if (this.failed) {
      throw sspiError('SEC_E_INVALID_TOKEN', 'The NTLM exchange already failed; start a new context.');
    }
    try {
      return leg();
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  /** Record the outcome of the last leg: keys for session security, and completion. */
  protected establish(exportedSessionKey: Buffer, mode: NtlmMode): void {
    this.exportedSessionKey = exportedSessionKey;
    this.security = new NtlmSessionSecurity(exportedSessionKey, mode, this.flags);
    this.done = true;
  }

  private established(): NtlmSessionSecurity {
    if (this.disposed) throw sspiError('SEC_E_INVALID_HANDLE', 'The NTLM context has been deleted.');
    if (!this.security) {
      throw sspiError(
        'SEC_E_INVALID_HANDLE',
        'The NTLM context is not established yet: finish the exchange first.',
      );
    }
    return this.security;
  }

  /** Seal and sign: 16-byte NTLMSSP_MESSAGE_SIGNATURE || sealed bytes (the order CredSSP sends). */
  wrap(plaintext: Buffer): Buffer {
    return this.established().wrap(plaintext);
  }

  unwrap(message: Buffer): Buffer {
    return this.established().unwrap(message);
  }

  sign(message: Buffer): Buffer {
    return this.established().sign(message);
  }

  verify(message: Buffer, signature: Buffer): void {
    this.established().verify(message, signature);
  }

  /**
   * For SPNEGO only: restart one direction's RC4 keystream from its sealing key, keeping its
   * sequence number. After signing our mechListMIC call it with 'outbound'; after verifying the
   * peer's, with 'inbound'. Windows resets the handle this way (MS-SPNG 3.3.5.1), so the first
   * application message is sealed with the keystream the mechListMIC used, but SeqNum 1; so do
   * gss-ntlmssp (GSS_NTLMSSP_RESET_CRYPTO_OID) and pyspnego. Without a mechListMIC, never call it.
   */
  resetRc4State(direction: SealDirection): void {
    this.established().resetRc4(direction);
  }

  /** Zero the session key and every derived key. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.security?.dispose();
    wipe(this.exportedSessionKey);
    this.disposeSecrets();
  }

  /** Zero whatever else the subclass holds (the initiator's NT hash copy, ...). */
  protected abstract disposeSecrets(): void;
}

/** The one message for every refused logon, so a peer never learns which part was wrong. */
export function logonDenied(): SspiError {
  return sspiError(
    'SEC_E_LOGON_DENIED',
    'The logon attempt failed: the user name or password is incorrect, or the account may not log on this way.',
  );
}
