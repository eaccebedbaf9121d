/**
 * The SPNEGO initiator (RFC 4178 section 3.2, MS-SPNG 3.1) offering NTLM alone. The legs:
 *   1. (optional server hint in) → InitialContextToken { NegTokenInit { [NTLM], NEGOTIATE } }
 *   2. NegTokenResp { accept-incomplete|request-mic, NTLM, CHALLENGE }
 *        → NegTokenResp { AUTHENTICATE, mechListMIC }
 *   3. NegTokenResp { accept-completed, mechListMIC } → nothing; complete.
 * Our mechListMIC is always sent (Windows requires it when NTLM's own MIC is present, MS-SPNG
 * 3.1.5.1, and it costs nothing); the server's is verified whenever it sends one.
 */
import { sspiError } from '../../../errors';
import type { MechanismContext, MechanismIdentity, MechanismStep } from '../mechanism-context';
import { signMechList, verifyMechList, type SpnegoInnerMechanism } from './mech-list-mic';
import {
  NTLMSSP_OID,
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeInitialToken,
  encodeMechTypes,
  encodeNegTokenResp,
  mechanismName,
  type NegTokenResp,
} from './tokens';

type Phase = 'initial' | 'negotiating' | 'final' | 'complete' | 'failed';

export class SpnegoInitiator implements MechanismContext {
  readonly mechanism = 'NTLM' as const;
  /** DER of our MechTypeList, kept to compute our mechListMIC and check the server's. */
  private readonly mechTypesDer = encodeMechTypes([NTLMSSP_OID]);
  private phase: Phase = 'initial';
  /** The server answered request-mic (RFC 4178 4.2.2), so its own mechListMIC must follow. */
  private micRequested = false;

  /** @param inner an NTLM initiator; SPNEGO owns it from now on and disposes of it. */
  constructor(private readonly inner: SpnegoInnerMechanism) {}

  get complete(): boolean {
    return this.phase === 'complete';
  }

  get identity(): MechanismIdentity | undefined {
    return this.inner.identity;
  }

  get sessionKey(): Buffer | undefined {
    return this.inner.sessionKey;
  }

  step(input: Buffer | null): MechanismStep {
    try {
      switch (this.phase) {
        case 'initial':
          return this.start(input);
        case 'negotiating':
          return this.continueNtlm(decodeNegTokenResp(requireToken(input)));
        case 'final':
          return this.finish(decodeNegTokenResp(requireToken(input)));
        default:
          throw sspiError(
            'SEC_E_OUT_OF_SEQUENCE',
            `The SPNEGO context is ${this.phase}; it takes no more tokens.`,
          );
      }
    } catch (err) {
      if (this.phase !== 'complete') this.phase = 'failed';
      throw err;
    }
  }

  /** Leg 1. A server may speak first with a NegTokenInit2 hint (MS-SPNG 3.2.5.2); it is checked and ignored. */
  private start(serverHint: Buffer | null): MechanismStep {
    if (serverHint && serverHint.length > 0) decodeInitialToken(serverHint);
    const negotiate = this.inner.step(null);
    this.phase = 'negotiating';
    return {
      output: encodeInitialToken({ mechTypesDer: this.mechTypesDer, mechToken: negotiate.output }),
      complete: false,
    };
  }

  /** Leg 2: hand the server's NTLM token in; once NTLM is done, add our mechListMIC. */
  private continueNtlm(resp: NegTokenResp): MechanismStep {
    if (resp.negState === NegState.Reject)
      throw rejected('The server refused to negotiate NTLM (SPNEGO reject); it may accept only Kerberos.');
    if (resp.supportedMech !== undefined && resp.supportedMech !== NTLMSSP_OID) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The server chose ${mechanismName(resp.supportedMech)}, which was not offered: only NTLM was.`,
      );
    }
    if (resp.negState === NegState.RequestMic) this.micRequested = true;
    if (!resp.responseToken) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The server’s SPNEGO reply carries no NTLM token to continue with.',
      );
    }
    const ntlm = this.inner.step(resp.responseToken);
    if (!ntlm.complete) {
      return { output: encodeNegTokenResp({ responseToken: ntlm.output }), complete: false };
    }
    const mechListMIC = signMechList(this.inner, this.mechTypesDer);
    this.phase = 'final';
    return { output: encodeNegTokenResp({ responseToken: ntlm.output, mechListMIC }), complete: false };
  }

  /** Leg 3: the server's verdict and, normally, its mechListMIC (RFC 4178 5). */
  private finish(resp: NegTokenResp): MechanismStep {
    if (resp.negState === NegState.Reject)
      throw rejected(
        'The server rejected the logon (SPNEGO reject). Check the user name, domain and password.',
      );
    if (resp.negState !== undefined && resp.negState !== NegState.AcceptCompleted) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The server did not complete SPNEGO after the NTLM AUTHENTICATE message.',
      );
    }
    if (resp.responseToken && resp.responseToken.length > 0) {
      throw sspiError('SEC_E_INVALID_TOKEN', 'The server sent another NTLM token after NTLM had finished.');
    }
    if (resp.mechListMIC) {
      verifyMechList(this.inner, this.mechTypesDer, resp.mechListMIC);
    } else if (this.micRequested) {
      throw sspiError('SEC_E_INVALID_TOKEN', 'The server asked for a mechListMIC but did not send its own.');
    }
    this.phase = 'complete';
    return { output: Buffer.alloc(0), complete: true };
  }

  private requireComplete(): void {
    if (!this.complete) {
      throw sspiError(
        'SEC_E_OUT_OF_SEQUENCE',
        'The SPNEGO context is not complete yet: finish the handshake first.',
      );
    }
  }

  /**
   * Allowed once NTLM itself is done, before the server's final SPNEGO token: Windows' CredSSP
   * client seals pubKeyAuth into the same TSRequest as AUTHENTICATE and the mechListMIC, while
   * Negotiate still says SEC_I_CONTINUE_NEEDED. Our mechListMIC took the first sequence number.
   */
  wrap(plaintext: Buffer): Buffer {
    if (this.phase !== 'final') this.requireComplete();
    return this.inner.wrap(plaintext);
  }

  unwrap(message: Buffer): Buffer {
    this.requireComplete();
    return this.inner.unwrap(message);
  }

  sign(message: Buffer): Buffer {
    this.requireComplete();
    return this.inner.sign(message);
  }

  verify(message: Buffer, signature: Buffer): void {
    this.requireComplete();
    this.inner.verify(message, signature);
  }

  dispose(): void {
    this.inner.dispose();
  }
}

function requireToken(input: Buffer | null): Buffer {
  if (!input || input.length === 0) {
    throw sspiError('SEC_E_INVALID_TOKEN', 'Expected an SPNEGO token from the server, but got none.');
  }
  return input;
}

function rejected(sentence: string): Error {
  return sspiError('SEC_E_LOGON_DENIED', sentence);
}
