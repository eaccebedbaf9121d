/**
 * The SPNEGO initiator (RFC 4178 section 3.2, MS-SPNG 3.1) offering an ordered list of mechanisms,
 * Kerberos before NTLM as Windows does. The legs with NTLM:
 *   1. (optional server hint in) → InitialContextToken { NegTokenInit { mechTypes, NEGOTIATE } }
 *   2. NegTokenResp { accept-incomplete|request-mic, NTLM, CHALLENGE }
 *        → NegTokenResp { AUTHENTICATE, mechListMIC }
 *   3. NegTokenResp { accept-completed, mechListMIC } → nothing; complete.
 * With Kerberos and mutual authentication, leg 2 is NegTokenResp { accept-completed, Kerberos,
 * AP-REP }, and nothing more is sent; or, from a Windows acceptor insisting on the MICs with AES,
 * NegTokenResp { accept-incomplete, Kerberos, AP-REP, mechListMIC }, answered with ours. The optimistic token is for our first mechanism; when the
 * server chooses another (RFC 4178 5, second case) that context is dropped, the chosen one starts
 * in our next token, and the mechListMIC exchange is mandatory both ways: a downgrade guard.
 *
 * mechListMIC (RFC 4178 5): ours goes with our last mechanism token (Windows requires it when
 * NTLM's own MIC is present, MS-SPNG 3.1.5.1, and it costs nothing), or answers the server's when
 * the server finished first. The server's is verified whenever it comes, and required when the
 * exchange is mandatory (request-mic, or a mechanism other than our first). The sequence follows
 * MIT krb5's SPNEGO, the reference for gss-ntlmssp and Samba peers.
 */
import { sspiError } from '../../../errors';
import type {
  ContextLifetime,
  MechanismContext,
  MechanismIdentity,
  MechanismStep,
  MessageSizes,
} from '../mechanism-context';
import {
  candidateIndexOf,
  chosenByServer,
  mechanismNames,
  offeredMechTypes,
  requireCandidates,
  type SpnegoCandidate,
} from './candidates';
import { signMechList, verifyMechList, type SpnegoInnerMechanism } from './mech-list-mic';
import {
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeInitialToken,
  encodeMechTypes,
  encodeNegTokenResp,
  mechanismName,
  type NegTokenResp,
} from './tokens';

type Phase = 'initial' | 'negotiating' | 'complete' | 'failed';

const NO_TOKEN: Buffer = Buffer.alloc(0);

export class SpnegoInitiator implements MechanismContext {
  /** DER of our MechTypeList, kept to compute our mechListMIC and check the server's. */
  private readonly mechTypesDer: Buffer;
  /** The running mechanism: our first candidate's until the server chooses another. */
  private inner: SpnegoInnerMechanism;
  /** Index of the running mechanism in `candidates`. */
  private chosen = 0;
  private phase: Phase = 'initial';
  private serverReplied = false;
  /** The mechListMIC exchange is mandatory (RFC 4178 5): the server's MIC must come. */
  private micRequired = false;
  private micSent = false;
  private micReceived = false;

  /**
   * @param candidates the usable mechanisms in our order of preference (the package has checked
   *   each can run: Kerberos only with a service ticket). The first is started at once, for the
   *   optimistic token; SPNEGO owns every context it makes and disposes of it.
   */
  constructor(private readonly candidates: readonly SpnegoCandidate[]) {
    requireCandidates(candidates);
    this.mechTypesDer = encodeMechTypes(offeredMechTypes(candidates));
    this.inner = candidates[0].make();
  }

  /** The running mechanism: the one the server chose, once it has. */
  get mechanism(): MechanismContext['mechanism'] {
    return this.inner.mechanism;
  }

  get complete(): boolean {
    return this.phase === 'complete';
  }

  get identity(): MechanismIdentity | undefined {
    return this.inner.identity;
  }

  get sessionKey(): Buffer | undefined {
    return this.inner.sessionKey;
  }

  get messageSizes(): MessageSizes | undefined {
    return this.inner.messageSizes;
  }

  get lifetime(): ContextLifetime | undefined {
    return this.inner.lifetime;
  }

  step(input: Buffer | null): MechanismStep {
    try {
      if (this.phase === 'initial') return this.start(input);
      if (this.phase === 'negotiating') return this.continue(decodeNegTokenResp(requireToken(input)));
      throw sspiError(
        'SEC_E_OUT_OF_SEQUENCE',
        `The SPNEGO context is ${this.phase}; it takes no more tokens.`,
      );
    } catch (err) {
      if (this.phase !== 'complete') this.phase = 'failed';
      throw err;
    }
  }

  /** Leg 1. A server may speak first with a NegTokenInit2 hint (MS-SPNG 3.2.5.2); it is checked and ignored. */
  private start(serverHint: Buffer | null): MechanismStep {
    if (serverHint && serverHint.length > 0) decodeInitialToken(serverHint);
    const optimistic = this.inner.step(null).output;
    this.phase = 'negotiating';
    return {
      output: encodeInitialToken({
        mechTypesDer: this.mechTypesDer,
        mechToken: optimistic.length > 0 ? optimistic : undefined,
      }),
      complete: false,
    };
  }

  /** Every later leg: follow the server's choice, run the mechanism, then the mechListMICs. */
  private continue(resp: NegTokenResp): MechanismStep {
    const firstReply = !this.serverReplied;
    this.serverReplied = true;
    if (resp.negState === NegState.Reject) {
      this.explainReject(resp.responseToken);
      throw sspiError(
        'SEC_E_LOGON_DENIED',
        firstReply
          ? `The server refused every mechanism offered (${mechanismNames(offeredMechTypes(this.candidates))}); SPNEGO reject.`
          : 'The server rejected the logon (SPNEGO reject). Check the user name, domain and password.',
      );
    }
    if (resp.negState === NegState.RequestMic) this.micRequired = true;
    if (firstReply && this.followChoice(resp)) {
      if (resp.responseToken && resp.responseToken.length > 0) {
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          `The server sent a ${this.inner.mechanism} token before ${this.inner.mechanism} had started.`,
        );
      }
      return this.afterMechanism(this.inner.step(null).output, resp);
    }
    if (
      !firstReply &&
      resp.supportedMech !== undefined &&
      candidateIndexOf(this.candidates, resp.supportedMech) !== this.chosen
    ) {
      throw sspiError('SEC_E_INVALID_TOKEN', `The server switched to ${mechanismName(resp.supportedMech)}.`);
    }
    return this.afterMechanism(this.consume(resp.responseToken), resp);
  }

  /**
   * A reject may carry the mechanism's error token (a KRB-ERROR): the running mechanism reads it
   * and throws its own, more precise error. Anything else leaves the generic refusal to the caller.
   */
  private explainReject(errorToken: Buffer | undefined): void {
    if (errorToken && errorToken.length > 0 && !this.inner.complete) this.inner.step(errorToken);
  }

  /**
   * The server's supportedMech (RFC 4178 4.2.2). True when the optimistic token was not taken:
   * the optimistic context is disposed, the chosen one made, and MICs become mandatory (RFC 4178
   * 5, second case). Absent, the optimistic mechanism carries on, as MIT reads it.
   */
  private followChoice(resp: NegTokenResp): boolean {
    const supportedMech = resp.supportedMech;
    if (supportedMech === undefined) return false;
    const chosen = chosenByServer(this.candidates, supportedMech);
    if (chosen === 0) {
      // Our first mechanism under another of its OIDs means the same mechanism (Samba and Windows
      // answer MS_KRB5_OID with KRB5_OID; MIT treats them as one), unless the server knew only that
      // OID and so dropped our token: then it sends none while our mechanism still expects one.
      const tokenDropped =
        supportedMech !== this.candidates[0].oids[0] &&
        !(resp.responseToken && resp.responseToken.length > 0) &&
        !this.inner.complete;
      if (!tokenDropped) return false;
    }
    this.inner.dispose();
    this.inner = this.candidates[chosen].make();
    this.chosen = chosen;
    this.micRequired = true;
    return true;
  }

  /** Hand the server's mechanism token in; none is needed only once the mechanism is done. */
  private consume(token: Buffer | undefined): Buffer {
    const name = this.inner.mechanism;
    if (token && token.length > 0) {
      if (this.inner.complete) {
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          `The server sent another ${name} token after ${name} had finished.`,
        );
      }
      return this.inner.step(token).output;
    }
    if (!this.inner.complete) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The server’s SPNEGO reply carries no ${name} token to continue with.`,
      );
    }
    return NO_TOKEN;
  }

  /** The mechListMIC exchange and our reply, once the mechanism has taken the server's token. */
  private afterMechanism(output: Buffer, resp: NegTokenResp): MechanismStep {
    // negState may be left out after the first reply (RFC 4178 4.2.2): once our mechListMIC is out,
    // the only thing left for the server is to finish.
    const serverDone =
      resp.negState === NegState.AcceptCompleted || (resp.negState === undefined && this.micSent);
    if (!this.inner.complete) {
      if (resp.mechListMIC || serverDone) {
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          `The server ended SPNEGO before ${this.inner.mechanism} was established.`,
        );
      }
      return { output: encodeNegTokenResp({ responseToken: output }), complete: false };
    }
    if (resp.mechListMIC) {
      if (this.micReceived) throw sspiError('SEC_E_INVALID_TOKEN', 'The server sent a second mechListMIC.');
      verifyMechList(this.inner, this.mechTypesDer, resp.mechListMIC);
      this.micReceived = true;
      this.micRequired = true; // a MIC received is answered with ours (RFC 4178 5)
    } else if (this.micRequired && !this.micReceived && output.length === 0) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The server sent no mechListMIC, which SPNEGO requires here (it asked for MICs, or chose a mechanism other than our first).',
      );
    }
    if (serverDone) {
      if (output.length > 0) {
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          `The server completed SPNEGO while ${this.inner.mechanism} still had a token for it.`,
        );
      }
      return this.finish(NO_TOKEN);
    }
    if (this.micSent || (!this.micRequired && output.length === 0)) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The server did not complete SPNEGO after ${this.inner.mechanism} had finished.`,
      );
    }
    const mechListMIC = signMechList(this.inner, this.mechTypesDer);
    this.micSent = true;
    const token = encodeNegTokenResp({
      responseToken: output.length > 0 ? output : undefined,
      mechListMIC,
    });
    // The server's MIC came with its last token (RFC 4178 5 b): ours ends the exchange.
    return this.micReceived ? this.finish(token) : { output: token, complete: false };
  }

  private finish(output: Buffer): MechanismStep {
    this.phase = 'complete';
    return { output, complete: true };
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
   * Allowed once the mechanism itself is done and our mechListMIC is out, before the server's
   * final SPNEGO token: Windows' CredSSP client seals pubKeyAuth into the same TSRequest as
   * AUTHENTICATE and the mechListMIC, while Negotiate still says SEC_I_CONTINUE_NEEDED. Our
   * mechListMIC took the first sequence number.
   */
  wrap(plaintext: Buffer): Buffer {
    if (!(this.phase === 'negotiating' && this.micSent && this.inner.complete)) this.requireComplete();
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
