/**
 * The SPNEGO acceptor (RFC 4178 section 3.2, MS-SPNG 3.2) with NTLM as its only mechanism.
 *   1. InitialContextToken { NegTokenInit { mechTypes, mechToken } }
 *        → NegTokenResp { accept-incomplete, NTLM, CHALLENGE }    when NTLM is the client's first choice
 *        → NegTokenResp { request-mic, NTLM }                     when it is further down the list
 *   2. NegTokenResp { [NEGOTIATE] }  → NegTokenResp { accept-incomplete, CHALLENGE }  (second case only)
 *   3. NegTokenResp { AUTHENTICATE, mechListMIC } → NegTokenResp { accept-completed, mechListMIC }
 * Like Windows' Negotiate it also takes a bare NTLMSSP message as the first token, and then runs
 * plain NTLM for the whole context, without SPNEGO framing.
 * Failures carry a NegTokenResp { reject } in SspiError.output for the peer.
 */
import { SspiError, peerText, sspiError } from '../../../errors';
import type { MechanismContext, MechanismIdentity, MechanismStep } from '../mechanism-context';
import { signMechList, verifyMechList, type SpnegoInnerMechanism } from './mech-list-mic';
import {
  NTLMSSP_OID,
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeNegTokenResp,
  isRawNtlmssp,
  mechanismName,
  type NegTokenInit,
  type NegTokenResp,
} from './tokens';

type Phase = 'initial' | 'negotiating' | 'raw-ntlm' | 'complete' | 'failed';

export class SpnegoAcceptor implements MechanismContext {
  readonly mechanism = 'NTLM' as const;
  private inner: SpnegoInnerMechanism | undefined;
  private phase: Phase = 'initial';
  /** The client's MechTypeList DER as received, which both mechListMICs cover. */
  private mechTypesDer: Buffer | undefined;
  /** NTLM was not the client's first choice: the mechListMIC exchange is mandatory (RFC 4178 5). */
  private micRequired = false;

  /** @param makeNtlmAcceptor builds the NTLM acceptor once the client's first token shows NTLM is wanted. */
  constructor(private readonly makeNtlmAcceptor: () => SpnegoInnerMechanism) {}

  get complete(): boolean {
    return this.phase === 'complete' || (this.phase === 'raw-ntlm' && this.ntlm().complete);
  }

  get identity(): MechanismIdentity | undefined {
    return this.inner?.identity;
  }

  get sessionKey(): Buffer | undefined {
    return this.inner?.sessionKey;
  }

  step(input: Buffer | null): MechanismStep {
    if (this.phase === 'raw-ntlm') return this.ntlm().step(input);
    try {
      if (!input || input.length === 0) {
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          'Expected an SPNEGO or NTLM token from the client, but got none.',
        );
      }
      if (this.phase === 'initial') return this.start(input);
      if (this.phase === 'negotiating') return this.continueNtlm(decodeNegTokenResp(input));
      throw sspiError(
        'SEC_E_OUT_OF_SEQUENCE',
        `The SPNEGO context is ${this.phase}; it takes no more tokens.`,
      );
    } catch (err) {
      this.phase = 'failed';
      // Tell the client why, as an SPNEGO reject (RFC 4178 4.2.2), unless NTLM already said it.
      if (err instanceof SspiError && !err.output)
        err.output = encodeNegTokenResp({ negState: NegState.Reject });
      throw err;
    }
  }

  private start(input: Buffer): MechanismStep {
    if (isRawNtlmssp(input)) {
      this.inner = this.makeNtlmAcceptor();
      this.phase = 'raw-ntlm';
      return this.inner.step(input);
    }
    const init = decodeInitialToken(input);
    this.requireNtlmOffered(init);
    this.mechTypesDer = init.mechTypesDer;
    this.inner = this.makeNtlmAcceptor();
    this.phase = 'negotiating';
    if (init.mechTypes[0] !== NTLMSSP_OID) {
      // The optimistic token (if any) was for another mechanism and is dropped; the client
      // starts NTLM in its next token (RFC 4178 3.2 step c, 5).
      this.micRequired = true;
      return this.reply({ negState: NegState.RequestMic, supportedMech: NTLMSSP_OID });
    }
    if (!init.mechToken)
      return this.reply({ negState: NegState.AcceptIncomplete, supportedMech: NTLMSSP_OID });
    const challenge = this.ntlm().step(init.mechToken);
    return this.reply({
      negState: NegState.AcceptIncomplete,
      supportedMech: NTLMSSP_OID,
      responseToken: challenge.output,
    });
  }

  private requireNtlmOffered(init: NegTokenInit): void {
    if (init.mechTypes.includes(NTLMSSP_OID)) return;
    throw sspiError(
      'SEC_E_INVALID_TOKEN',
      `The client offered ${peerText(init.mechTypes.map(mechanismName).join(', '))}, but this acceptor supports only NTLM.`,
    );
  }

  private continueNtlm(resp: NegTokenResp): MechanismStep {
    if (resp.negState === NegState.Reject) {
      throw sspiError('SEC_E_LOGON_DENIED', 'The client abandoned the SPNEGO negotiation (negState reject).');
    }
    if (resp.supportedMech !== undefined && resp.supportedMech !== NTLMSSP_OID) {
      throw sspiError('SEC_E_INVALID_TOKEN', `The client switched to ${mechanismName(resp.supportedMech)}.`);
    }
    if (!resp.responseToken) {
      throw sspiError('SEC_E_INVALID_TOKEN', 'The client’s SPNEGO token carries no NTLM message.');
    }
    const ntlm = this.ntlm().step(resp.responseToken);
    if (!ntlm.complete)
      return this.reply({ negState: NegState.AcceptIncomplete, responseToken: ntlm.output });

    // NTLM has authenticated the client; now the mechanism list must be shown intact.
    let mechListMIC: Buffer | undefined;
    if (resp.mechListMIC) {
      verifyMechList(this.ntlm(), this.requireMechTypes(), resp.mechListMIC);
      mechListMIC = signMechList(this.ntlm(), this.requireMechTypes());
    } else if (this.micRequired || this.ntlm().micPresent) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The client sent no mechListMIC, which SPNEGO requires here (NTLM was not its first choice, or NTLM carried a MIC).',
      );
    }
    this.phase = 'complete';
    return {
      output: encodeNegTokenResp({
        negState: NegState.AcceptCompleted,
        responseToken: ntlm.output.length > 0 ? ntlm.output : undefined,
        mechListMIC,
      }),
      complete: true,
    };
  }

  private reply(resp: NegTokenResp): MechanismStep {
    return { output: encodeNegTokenResp(resp), complete: false };
  }

  private ntlm(): SpnegoInnerMechanism {
    if (!this.inner) throw sspiError('SEC_E_OUT_OF_SEQUENCE', 'The SPNEGO context has not started yet.');
    return this.inner;
  }

  private requireMechTypes(): Buffer {
    if (!this.mechTypesDer)
      throw sspiError('SEC_E_OUT_OF_SEQUENCE', 'The SPNEGO context has no mechanism list.');
    return this.mechTypesDer;
  }

  private established(): SpnegoInnerMechanism {
    if (!this.complete) {
      throw sspiError(
        'SEC_E_OUT_OF_SEQUENCE',
        'The SPNEGO context is not complete yet: finish the handshake first.',
      );
    }
    return this.ntlm();
  }

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

  dispose(): void {
    this.inner?.dispose();
  }
}
