/**
 * The SPNEGO acceptor (RFC 4178 section 3.2, MS-SPNG 3.2) choosing among its candidate mechanisms.
 * It runs the first of the client's mechTypes it supports (the initiator's order wins, RFC 4178
 * 3.2 step b). The legs with NTLM:
 *   1. InitialContextToken { NegTokenInit { mechTypes, mechToken } }
 *        → NegTokenResp { accept-incomplete, NTLM, CHALLENGE }    when NTLM is the client's first choice
 *        → NegTokenResp { request-mic, NTLM }                     when it is further down the list
 *   2. NegTokenResp { [NEGOTIATE] }  → NegTokenResp { accept-incomplete, CHALLENGE }  (second case only)
 *   3. NegTokenResp { AUTHENTICATE, mechListMIC } → NegTokenResp { accept-completed, mechListMIC }
 * The optimistic mechToken is used only when the chosen mechanism is the client's first; otherwise
 * it is dropped and the client starts the chosen one in its next token (RFC 4178 5, second case).
 *
 * mechListMIC (RFC 4178 5): optional only when the chosen mechanism is both sides' first choice;
 * otherwise (and when NTLM carried its own MIC, MS-SPNG 3.1.5.1, or the client sent one) both
 * MICs must be exchanged, and request-mic says so in the first reply. Whoever sends the last
 * mechanism token sends its MIC with it; the other answers with its own (MIT krb5's sequence).
 *
 * Like Windows' Negotiate it also takes a bare NTLMSSP message as the first token, and then runs
 * plain NTLM for the whole context, without SPNEGO framing.
 * Failures carry a NegTokenResp { reject } in SspiError.output for the peer.
 */
import { SspiError, peerText, sspiError } from '../../../errors';
import type {
  ContextLifetime,
  MechanismContext,
  MechanismIdentity,
  MechanismStep,
  MessageSizes,
} from '../mechanism-context';
import {
  candidateIndexOf,
  chooseMechanism,
  mechanismNames,
  offeredMechTypes,
  requireCandidates,
  type SpnegoCandidate,
} from './candidates';
import { signMechList, verifyMechList, type SpnegoInnerMechanism } from './mech-list-mic';
import {
  NTLMSSP_OID,
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeNegTokenResp,
  isRawNtlmssp,
  mechanismName,
  mechanismOf,
  type NegTokenResp,
} from './tokens';

type Phase = 'initial' | 'negotiating' | 'raw-ntlm' | 'complete' | 'failed';

const NO_TOKEN: Buffer = Buffer.alloc(0);

export class SpnegoAcceptor implements MechanismContext {
  private inner: SpnegoInnerMechanism | undefined;
  /** Index of the running mechanism in `candidates`. */
  private chosen = -1;
  private phase: Phase = 'initial';
  /** The client's MechTypeList DER as received, which both mechListMICs cover. */
  private mechTypesDer: Buffer | undefined;
  /** The mechListMIC exchange is mandatory (RFC 4178 5). */
  private micRequired = false;
  private micSent = false;
  private micReceived = false;

  /**
   * @param candidates the mechanisms this acceptor runs, in its order of preference; each is made
   *   only once the client's first token shows it is wanted.
   */
  constructor(private readonly candidates: readonly SpnegoCandidate[]) {
    requireCandidates(candidates);
  }

  /** The chosen mechanism; before the client's first token, the one this acceptor prefers. */
  get mechanism(): MechanismContext['mechanism'] {
    return this.inner?.mechanism ?? mechanismOf(this.candidates[0].oids[0]) ?? 'NTLM';
  }

  get complete(): boolean {
    return this.phase === 'complete' || (this.phase === 'raw-ntlm' && this.running().complete);
  }

  get identity(): MechanismIdentity | undefined {
    return this.inner?.identity;
  }

  get sessionKey(): Buffer | undefined {
    return this.inner?.sessionKey;
  }

  get messageSizes(): MessageSizes | undefined {
    return this.inner?.messageSizes;
  }

  get lifetime(): ContextLifetime | undefined {
    return this.inner?.lifetime;
  }

  step(input: Buffer | null): MechanismStep {
    if (this.phase === 'raw-ntlm') return this.running().step(input);
    try {
      if (!input || input.length === 0) {
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          'Expected an SPNEGO or NTLM token from the client, but got none.',
        );
      }
      if (this.phase === 'initial') return this.start(input);
      if (this.phase === 'negotiating') return this.continue(decodeNegTokenResp(input));
      throw sspiError(
        'SEC_E_OUT_OF_SEQUENCE',
        `The SPNEGO context is ${this.phase}; it takes no more tokens.`,
      );
    } catch (err) {
      this.phase = 'failed';
      // Tell the client, as an SPNEGO reject (RFC 4178 4.2.2) carrying the mechanism's own error
      // token when it made one (a KRB-ERROR, say), for the client's mechanism to explain.
      if (err instanceof SspiError) {
        const responseToken = err.output && err.output.length > 0 ? err.output : undefined;
        err.output = encodeNegTokenResp({ negState: NegState.Reject, responseToken });
      }
      throw err;
    }
  }

  private start(input: Buffer): MechanismStep {
    if (isRawNtlmssp(input)) return this.startRawNtlm(input);
    const init = decodeInitialToken(input);
    const choice = chooseMechanism(this.candidates, init.mechTypes);
    if (!choice) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The client offered ${peerText(init.mechTypes.map(mechanismName).join(', '))}, but this acceptor supports only ${mechanismNames(offeredMechTypes(this.candidates))}.`,
      );
    }
    this.mechTypesDer = init.mechTypesDer;
    this.chosen = choice.candidate;
    this.inner = this.candidates[choice.candidate].make();
    this.phase = 'negotiating';
    // Optional only when the mechanism is the client's first choice and ours (RFC 4178 5).
    this.micRequired = choice.mechType !== 0 || choice.candidate !== 0;
    // The OID the client named it by: MS_KRB5_OID and KRB5_OID are both Kerberos.
    const supportedMech = init.mechTypes[choice.mechType];
    if (choice.mechType !== 0 || !init.mechToken) {
      // The optimistic token (if any) was for another mechanism and is dropped; the client
      // starts the chosen one in its next token (RFC 4178 3.2 step c, 5).
      return this.reply({ negState: this.incomplete(supportedMech), supportedMech });
    }
    return this.afterMechanism(this.running().step(init.mechToken).output, undefined, supportedMech);
  }

  private startRawNtlm(input: Buffer): MechanismStep {
    const ntlm = candidateIndexOf(this.candidates, NTLMSSP_OID);
    if (ntlm < 0) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The client sent a bare NTLM message, but NTLM is not allowed here.',
      );
    }
    this.chosen = ntlm;
    this.inner = this.candidates[ntlm].make();
    this.phase = 'raw-ntlm';
    return this.inner.step(input);
  }

  private continue(resp: NegTokenResp): MechanismStep {
    if (resp.negState === NegState.Reject) {
      throw sspiError('SEC_E_LOGON_DENIED', 'The client abandoned the SPNEGO negotiation (negState reject).');
    }
    if (
      resp.supportedMech !== undefined &&
      candidateIndexOf(this.candidates, resp.supportedMech) !== this.chosen
    ) {
      throw sspiError('SEC_E_INVALID_TOKEN', `The client switched to ${mechanismName(resp.supportedMech)}.`);
    }
    const inner = this.running();
    let output = NO_TOKEN;
    if (resp.responseToken && resp.responseToken.length > 0) {
      if (inner.complete) {
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          `The client sent another ${inner.mechanism} token after ${inner.mechanism} had finished.`,
        );
      }
      output = inner.step(resp.responseToken).output;
    } else if (!inner.complete) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The client’s SPNEGO token carries no ${inner.mechanism} message.`,
      );
    }
    return this.afterMechanism(output, resp.mechListMIC, undefined);
  }

  /**
   * The mechListMIC exchange and our reply once the mechanism has taken the client's token.
   * `supportedMech` is set in the first reply only (RFC 4178 4.2.2).
   */
  private afterMechanism(
    output: Buffer,
    mechListMIC: Buffer | undefined,
    supportedMech: string | undefined,
  ): MechanismStep {
    const inner = this.running();
    const responseToken = output.length > 0 ? output : undefined;
    if (!inner.complete) {
      if (mechListMIC) {
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          `The client sent a mechListMIC before ${inner.mechanism} was established.`,
        );
      }
      return this.reply({ negState: this.incomplete(supportedMech), supportedMech, responseToken });
    }
    if (inner.micPresent) this.micRequired = true;
    if (mechListMIC) {
      if (this.micReceived) throw sspiError('SEC_E_INVALID_TOKEN', 'The client sent a second mechListMIC.');
      verifyMechList(inner, this.requireMechTypes(), mechListMIC);
      this.micReceived = true;
      this.micRequired = true; // a MIC received is answered with ours (RFC 4178 5)
    } else if (this.micRequired && !this.micReceived && output.length === 0) {
      // The client sent the last mechanism token, so its MIC had to come with it.
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The client sent no mechListMIC, which SPNEGO requires here (${inner.mechanism} was not the first choice of both sides, or it demands the MICs).`,
      );
    }
    const alreadySent = this.micSent;
    let ourMic: Buffer | undefined;
    if (this.micRequired && !this.micSent) {
      ourMic = signMechList(inner, this.requireMechTypes());
      this.micSent = true;
    }
    const done = !this.micRequired || this.micReceived;
    if (!done)
      return this.reply({
        negState: this.incomplete(supportedMech),
        supportedMech,
        responseToken,
        mechListMIC: ourMic,
      });
    this.phase = 'complete';
    // Our MIC went with our last token and the client's has now come (RFC 4178 5 b): nothing to add.
    if (alreadySent && !responseToken) return { output: NO_TOKEN, complete: true };
    return {
      output: encodeNegTokenResp({
        negState: NegState.AcceptCompleted,
        supportedMech,
        responseToken,
        mechListMIC: ourMic,
      }),
      complete: true,
    };
  }

  /** negState while unfinished: request-mic in the first reply when MICs are due (RFC 4178 4.2.2). */
  private incomplete(supportedMech: string | undefined): NegState {
    return supportedMech && this.micRequired ? NegState.RequestMic : NegState.AcceptIncomplete;
  }

  private reply(resp: NegTokenResp): MechanismStep {
    return { output: encodeNegTokenResp(resp), complete: false };
  }

  private running(): SpnegoInnerMechanism {
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
    return this.running();
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
