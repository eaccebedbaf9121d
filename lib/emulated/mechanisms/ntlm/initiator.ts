/**
 * The NTLM client (MS-NLMP 3.1): NEGOTIATE, then AUTHENTICATE with an NTLMv2 response, a MIC and a
 * random session key sent through the key exchange. Sans-IO and synchronous.
 */
import { randomBytes } from 'node:crypto';
import { invalidArgValue, sspiError } from '../../../errors';
import { hmacMd5 } from '../../crypto/hmac-md5';
import type { MechanismContext, MechanismStep } from '../mechanism-context';
import {
  AV_FLAG_MIC_PRESENT,
  MsvAvFlags,
  MsvAvSingleHost,
  MsvAvTargetName,
  MsvAvTimestamp,
  MsvChannelBindings,
  avFlagsOf,
  avFlagsPair,
  encodeAvPairs,
  fileTime,
  findAvPair,
  parseAvPairs,
  singleHostPair,
  textAvPair,
  type AvPair,
} from './avpairs';
import { NtlmContextBase, peerTooWeak } from './context';
import { ContextEntropy, type NtlmEntropy } from './entropy';
import * as F from './flags';
import { hostNames } from './host-names';
import { MAX_NAME_LENGTH, MAX_TARGET_INFO_LENGTH } from './limits';
import { keyExchangeKeyV2, lmV2Response, rc4k, responseKeyNTFor, sessionBaseKeyV2 } from './keys';
import {
  AUTHENTICATE_MIC_OFFSET,
  NtLmChallenge,
  encodeAuthenticate,
  encodeNegotiate,
  messageTypeOf,
  parseChallenge,
} from './messages';
import { ntlmV2Response } from './response';
import { invalidToken } from './wire';
import { copySecret } from '../../../secret';
import { wipe } from '../../../secret';

export interface NtlmInitiatorOptions {
  user: string;
  domain: string;
  /** NTOWFv1 of the password (16 bytes). Copied; the caller keeps ownership of its Buffer. */
  ntHash: Buffer;
  /** Our NetBIOS name, sent in AUTHENTICATE; default: the host name's first label, uppercased. */
  workstation?: string;
  /** The SPN (e.g. 'TERMSRV/host.example'), sent as MsvAvTargetName. */
  targetName?: string;
  /** MD5 of the gss_channel_bindings_struct, sent as MsvChannelBindings; default 16 zero bytes. */
  channelBindingsHash?: Buffer;
}

export type { NtlmEntropy } from './entropy';

/**
 * What we ask for in NEGOTIATE (MS-NLMP 3.1.5.1.1): Unicode, NTLM with extended session security
 * (NTLMv2 only; no LM, so no OEM, LM_KEY or DATAGRAM), sign and seal with 128-bit keys, key
 * exchange, always-sign, VERSION. NTLMSSP_NEGOTIATE_TARGET_INFO is a server flag (2.2.2.5); like
 * Windows we do not send it, and take whatever TargetInfo the server gives.
 */
export const INITIATOR_NEGOTIATE_FLAGS =
  (F.NTLMSSP_NEGOTIATE_UNICODE |
    F.NTLMSSP_REQUEST_TARGET |
    F.NTLMSSP_NEGOTIATE_SIGN |
    F.NTLMSSP_NEGOTIATE_SEAL |
    F.NTLMSSP_NEGOTIATE_NTLM |
    F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
    F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
    F.NTLMSSP_NEGOTIATE_VERSION |
    F.NTLMSSP_NEGOTIATE_128 |
    F.NTLMSSP_NEGOTIATE_KEY_EXCH |
    F.NTLMSSP_NEGOTIATE_56) >>>
  0;

/**
 * MsvAvSingleHost with a per-process machine identity (Windows uses one per boot). Sent in the
 * clear and the same for every context, so it is built once.
 */
const SINGLE_HOST_PAIR = singleHostPair(randomBytes(32));
/** The AV pairs the client writes itself, replacing any the server sent (see responseAvPairs()). */
const CLIENT_AV_IDS = new Set([MsvAvFlags, MsvAvSingleHost, MsvChannelBindings, MsvAvTargetName]);
/** MsvChannelBindings without channel bindings: 16 zero bytes. Never written. */
const NO_CHANNEL_BINDINGS = Buffer.alloc(16);

/** A caller's name that would not fit the AUTHENTICATE (see limits.ts) is a wrong argument. */
function requireNameLength(name: string, value: string): void {
  if (value.length > MAX_NAME_LENGTH) {
    throw invalidArgValue(name, value, `must be at most ${MAX_NAME_LENGTH} characters for NTLM`);
  }
}

export class NtlmInitiator extends NtlmContextBase implements MechanismContext {
  private readonly opts: NtlmInitiatorOptions;
  private readonly ntHash: Buffer;
  private readonly entropy: NtlmEntropy;
  private negotiateMessage: Buffer | undefined;

  /**
   * Throws SEC_E_NO_CREDENTIALS for an empty user name: an anonymous (null session) AUTHENTICATE
   * would need LM-era conventions (MS-NLMP 3.2.5.1.2 anonymous rules) and grants nothing useful
   * to CredSSP, so this client never sends one.
   * @param entropy randomness and time; replaced only by tests that pin exact bytes.
   */
  constructor(opts: NtlmInitiatorOptions, entropy: NtlmEntropy = new ContextEntropy()) {
    super();
    if (opts.user === '') {
      throw sspiError(
        'SEC_E_NO_CREDENTIALS',
        'NTLM needs a user name; anonymous (null session) logons are not supported.',
      );
    }
    if (opts.channelBindingsHash !== undefined && opts.channelBindingsHash.length !== 16) {
      throw invalidArgValue('channelBindingsHash', opts.channelBindingsHash, 'must be a 16-byte MD5 digest');
    }
    const workstation = opts.workstation ?? hostNames().nbComputerName;
    requireNameLength('identity.user', opts.user);
    requireNameLength('identity.domain', opts.domain);
    if (opts.targetName !== undefined) requireNameLength('targetName', opts.targetName);
    this.opts = opts;
    this.ntHash = copySecret(opts.ntHash);
    this.entropy = entropy;
    this.identityValue = { user: opts.user, domain: opts.domain, workstation };
  }

  step(input: Buffer | null): MechanismStep {
    return this.runStep(() => {
      if (!this.negotiateMessage) {
        if (input !== null && input.length > 0)
          throw invalidToken('the client expected no input on its first call');
        this.negotiateMessage = encodeNegotiate({ flags: INITIATOR_NEGOTIATE_FLAGS });
        return { output: Buffer.from(this.negotiateMessage), complete: false };
      }
      if (!input) throw invalidToken('the client expected a CHALLENGE message');
      if (messageTypeOf(input) !== NtLmChallenge)
        throw invalidToken('the client expected a CHALLENGE message');
      return { output: this.authenticate(input, this.negotiateMessage), complete: true };
    });
  }

  /** MS-NLMP 3.1.5.1.2: answer a CHALLENGE. */
  private authenticate(challengeMessage: Buffer, negotiateMessage: Buffer): Buffer {
    const challenge = parseChallenge(challengeMessage);
    // The AV pairs go back to the server inside our NTLMv2 response (see limits.ts).
    if (challenge.targetInfo.length > MAX_TARGET_INFO_LENGTH) {
      throw invalidToken(
        `the TargetInfo is ${challenge.targetInfo.length} bytes, more than the ${MAX_TARGET_INFO_LENGTH} this client accepts`,
      );
    }
    // Refuse what would force NTLMv1/LM or weak keys; Windows clients refuse < 128-bit by default
    // (ClientRequire128bitEncryption, MS-NLMP 3.1.1.2) and we have no non-ESS signing at all.
    if (!F.hasFlag(challenge.flags, F.NTLMSSP_NEGOTIATE_UNICODE))
      throw peerTooWeak('server', 'offered only OEM strings');
    if (!F.hasFlag(challenge.flags, F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
      throw peerTooWeak('server', 'did not accept extended session security');
    }
    if (!F.hasFlag(challenge.flags, F.NTLMSSP_NEGOTIATE_128))
      throw peerTooWeak('server', 'did not accept 128-bit keys');

    this.flags =
      ((challenge.flags & (INITIATOR_NEGOTIATE_FLAGS | F.NTLMSSP_NEGOTIATE_TARGET_INFO)) |
        F.NTLMSSP_NEGOTIATE_VERSION) >>>
      0;
    const serverPairs = challenge.targetInfo.length > 0 ? parseAvPairs(challenge.targetInfo) : [];
    const serverTimestamp = findAvPair(serverPairs, MsvAvTimestamp);
    // With the server's MsvAvTimestamp we send a MIC and a zero LmChallengeResponse, and use the
    // server's time in the response (MS-NLMP 3.1.5.1.2), as Windows does.
    const withMic = serverTimestamp !== undefined && serverTimestamp.length === 8;
    const timestamp = withMic ? serverTimestamp : fileTime(this.entropy.now());
    const avPairs = encodeAvPairs(this.responseAvPairs(serverPairs, withMic));

    const clientChallenge = this.entropy.randomBytes(8);
    const responseKeyNT = responseKeyNTFor(this.ntHash, this.opts.user, this.opts.domain);
    const { response, proof } = ntlmV2Response(
      responseKeyNT,
      challenge.serverChallenge,
      clientChallenge,
      timestamp,
      avPairs,
    );
    const lmChallengeResponse = withMic
      ? Buffer.alloc(24)
      : lmV2Response(responseKeyNT, challenge.serverChallenge, clientChallenge);
    const sessionBaseKey = sessionBaseKeyV2(responseKeyNT, proof);
    const keyExchangeKey = keyExchangeKeyV2(sessionBaseKey);

    let exportedSessionKey: Buffer;
    let encryptedRandomSessionKey: Buffer = Buffer.alloc(0);
    if (F.hasFlag(this.flags, F.NTLMSSP_NEGOTIATE_KEY_EXCH)) {
      exportedSessionKey = Buffer.from(this.entropy.randomBytes(16));
      encryptedRandomSessionKey = rc4k(keyExchangeKey, exportedSessionKey);
    } else {
      exportedSessionKey = Buffer.from(keyExchangeKey);
    }
    responseKeyNT.dispose();
    wipe(sessionBaseKey);
    wipe(keyExchangeKey);

    const identity = this.identityValue!;
    const authenticateMessage = encodeAuthenticate({
      flags: this.flags,
      lmChallengeResponse,
      ntChallengeResponse: response,
      domainName: identity.domain,
      userName: identity.user,
      workstation: identity.workstation ?? '',
      encryptedRandomSessionKey,
      mic: withMic ? Buffer.alloc(16) : undefined,
    });
    if (withMic) {
      // MS-NLMP 3.1.5.1.2: MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE)
      // over the AUTHENTICATE with its MIC field still zero.
      hmacMd5(exportedSessionKey, negotiateMessage, challengeMessage, authenticateMessage).copy(
        authenticateMessage,
        AUTHENTICATE_MIC_OFFSET,
      );
      this.withMic = true;
    }
    this.establish(exportedSessionKey, 'client');
    return authenticateMessage;
  }

  /**
   * The AV pairs of our NTLMv2 response (MS-NLMP 3.1.5.1.2): the server's, in its order, then what
   * Windows adds: MsvAvFlags (MIC present), MsvAvSingleHost, MsvChannelBindings, MsvAvTargetName.
   * Pairs of those kinds the server may have sent are replaced by ours.
   */
  private responseAvPairs(serverPairs: AvPair[], withMic: boolean): AvPair[] {
    const pairs = serverPairs.filter((pair) => !CLIENT_AV_IDS.has(pair.id));
    const serverFlags = avFlagsOf(serverPairs);
    if (withMic || serverFlags !== 0)
      pairs.push(avFlagsPair(serverFlags | (withMic ? AV_FLAG_MIC_PRESENT : 0)));
    pairs.push(SINGLE_HOST_PAIR);
    // Not copied: the pairs are encoded (copied) before authenticate() returns.
    pairs.push({ id: MsvChannelBindings, value: this.opts.channelBindingsHash ?? NO_CHANNEL_BINDINGS });
    if (this.opts.targetName !== undefined) pairs.push(textAvPair(MsvAvTargetName, this.opts.targetName));
    return pairs;
  }

  protected disposeSecrets(): void {
    wipe(this.ntHash);
    this.entropy.dispose?.();
  }
}
