/**
 * The NTLM server (MS-NLMP 3.2): NEGOTIATE in, CHALLENGE out; AUTHENTICATE in, verified against the
 * NT hash the lookup gives. NTLMv2 only. Sans-IO and synchronous.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sspiError } from '../../../errors';
import { hmacMd5, type HmacMd5Key } from '../../crypto/hmac-md5';
import { publicNonce } from '../../crypto/nonce-pool';
import type { MechanismContext, MechanismStep } from '../mechanism-context';
import {
  AV_FLAG_MIC_PRESENT,
  MsvAvDnsComputerName,
  MsvAvDnsDomainName,
  MsvAvNbComputerName,
  MsvAvNbDomainName,
  MsvAvTimestamp,
  avFlagsOf,
  encodeAvPairs,
  fileTime,
  textAvPair,
} from './avpairs';
import { NtlmContextBase, logonDenied, peerTooWeak } from './context';
import * as F from './flags';
import { hostNames } from './host-names';
import { MAX_NAME_LENGTH } from './limits';
import {
  exportedSessionKeyFrom,
  keyExchangeKeyV2,
  ntProofStr,
  responseKeyNTFor,
  sessionBaseKeyV2,
  upcaseUnicode,
} from './keys';
import {
  AUTHENTICATE_MIC_OFFSET,
  NtLmAuthenticate,
  NtLmNegotiate,
  encodeChallenge,
  messageTypeOf,
  parseAuthenticate,
  parseNegotiate,
  type AuthenticateMessage,
} from './messages';
import { NTLMV1_RESPONSE_LENGTH, parseNtlmV2Response, type ParsedNtlmV2Response } from './response';
import { invalidToken } from './wire';
import { wipe } from '../../../secret';

export interface NtlmAcceptorOptions {
  /** The NT hash of (user, domain) exactly as the client sent them, or undefined if unknown. */
  lookupNtHash: (user: string, domain: string) => Buffer | undefined;
  /** MsvAvNbComputerName; default: the host name's first label, uppercased, at most 15 characters. */
  nbComputerName?: string;
  /** MsvAvNbDomainName and the CHALLENGE's TargetName; default: the computer name, as a workgroup server does. */
  nbDomainName?: string;
  /** MsvAvDnsComputerName; default: os.hostname(). */
  dnsComputerName?: string;
  /** MsvAvDnsDomainName; default: the host name without its first label, or the host name itself. */
  dnsDomainName?: string;
}

/** Where the server challenge and the timestamp come from; replaced only by tests. */
export interface NtlmAcceptorEntropy {
  randomBytes(size: number): Buffer;
  now(): Date;
}

/**
 * The server's only random value is the ServerChallenge, sent in the clear in the CHALLENGE, so it
 * may come from the shared pool of public nonces (one CSPRNG call per 4 KiB of nonces, not one per handshake).
 */
const systemEntropy: NtlmAcceptorEntropy = { randomBytes: publicNonce, now: () => new Date() };

/** Flags we echo when the client asks for them (MS-NLMP 3.2.5.1.1: the intersection). */
const ECHOED_FLAGS =
  F.NTLMSSP_NEGOTIATE_UNICODE |
  F.NTLMSSP_REQUEST_TARGET |
  F.NTLMSSP_NEGOTIATE_SIGN |
  F.NTLMSSP_NEGOTIATE_SEAL |
  F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
  F.NTLMSSP_NEGOTIATE_IDENTIFY |
  F.NTLMSSP_NEGOTIATE_KEY_EXCH |
  F.NTLMSSP_NEGOTIATE_56;
/** Flags a CHALLENGE always carries: NTLMv2 with ESS and 128-bit keys, TargetInfo, VERSION. */
const SERVER_FLAGS =
  F.NTLMSSP_NEGOTIATE_NTLM |
  F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY |
  F.NTLMSSP_NEGOTIATE_TARGET_INFO |
  F.NTLMSSP_NEGOTIATE_VERSION |
  F.NTLMSSP_NEGOTIATE_128;

/** The MIC field as the MIC covers it: zeroed (MS-NLMP 3.2.5.1.2). Never written. */
const ZERO_MIC = Buffer.alloc(16);

/** A stand-in NT hash for unknown users, so they cost the same work as a wrong password. */
const DECOY_NT_HASH = randomBytes(16);

export class NtlmAcceptor extends NtlmContextBase implements MechanismContext {
  private readonly opts: NtlmAcceptorOptions;
  private readonly entropy: NtlmAcceptorEntropy;
  private negotiateMessage: Buffer | undefined;
  private challengeMessage: Buffer | undefined;
  private serverChallenge: Buffer | undefined;

  constructor(opts: NtlmAcceptorOptions, entropy: NtlmAcceptorEntropy = systemEntropy) {
    super();
    this.opts = opts;
    this.entropy = entropy;
  }

  step(input: Buffer | null): MechanismStep {
    return this.runStep(() => {
      if (!input || input.length === 0) throw invalidToken('the server expected a token');
      const type = messageTypeOf(input);
      if (!this.challengeMessage) {
        if (type !== NtLmNegotiate) throw invalidToken('the server expected a NEGOTIATE message');
        return { output: this.challenge(input), complete: false };
      }
      if (type !== NtLmAuthenticate) throw invalidToken('the server expected an AUTHENTICATE message');
      this.authenticate(input);
      return { output: Buffer.alloc(0), complete: true };
    });
  }

  /** MS-NLMP 3.2.5.1.1: answer a NEGOTIATE with a CHALLENGE. */
  private challenge(negotiateMessage: Buffer): Buffer {
    const negotiate = parseNegotiate(negotiateMessage);
    // ServerRequire128bitEncryption (on by default since Windows 7) and our lack of any non-ESS
    // or OEM code path: refuse rather than fall back (MS-NLMP 3.2.5.1.1).
    if (!F.hasFlag(negotiate.flags, F.NTLMSSP_NEGOTIATE_UNICODE))
      throw peerTooWeak('client', 'offered only OEM strings');
    if (!F.hasFlag(negotiate.flags, F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY)) {
      throw peerTooWeak('client', 'did not offer extended session security');
    }
    if (!F.hasFlag(negotiate.flags, F.NTLMSSP_NEGOTIATE_128))
      throw peerTooWeak('client', 'did not offer 128-bit keys');

    const host = hostNames();
    const nbComputerName = this.opts.nbComputerName ?? host.nbComputerName;
    const nbDomainName = this.opts.nbDomainName ?? nbComputerName;
    const dnsComputerName = this.opts.dnsComputerName ?? host.dnsComputerName;
    const dnsDomainName = this.opts.dnsDomainName ?? host.dnsDomainName;
    const isDomain = nbDomainName.toUpperCase() !== nbComputerName.toUpperCase();
    // Windows' order: NbDomainName, NbComputerName, DnsDomainName, DnsComputerName, Timestamp.
    const targetInfo = encodeAvPairs([
      textAvPair(MsvAvNbDomainName, nbDomainName),
      textAvPair(MsvAvNbComputerName, nbComputerName),
      textAvPair(MsvAvDnsDomainName, dnsDomainName),
      textAvPair(MsvAvDnsComputerName, dnsComputerName),
      { id: MsvAvTimestamp, value: fileTime(this.entropy.now()) },
    ]);

    this.flags =
      ((negotiate.flags & ECHOED_FLAGS) |
        SERVER_FLAGS |
        (isDomain ? F.NTLMSSP_TARGET_TYPE_DOMAIN : F.NTLMSSP_TARGET_TYPE_SERVER)) >>>
      0;
    this.serverChallenge = Buffer.from(this.entropy.randomBytes(8));
    this.negotiateMessage = Buffer.from(negotiateMessage);
    this.challengeMessage = encodeChallenge({
      flags: this.flags,
      targetName: nbDomainName,
      serverChallenge: this.serverChallenge,
      targetInfo,
    });
    return Buffer.from(this.challengeMessage);
  }

  /** MS-NLMP 3.2.5.1.2: check an AUTHENTICATE; on success the context is established. */
  private authenticate(authenticateMessage: Buffer): void {
    const message = parseAuthenticate(authenticateMessage);
    // The names reach the caller's lookup, the context's names and logs: bounded (limits.ts).
    for (const [field, name] of [
      ['UserName', message.userName],
      ['DomainName', message.domainName],
      ['Workstation', message.workstation],
    ]) {
      if (name.length > MAX_NAME_LENGTH)
        throw invalidToken(`${field} is longer than the ${MAX_NAME_LENGTH} characters this server accepts`);
    }
    const ntLength = message.ntChallengeResponse.length;
    // Anonymous (null session), LM-only and NTLMv1 (24-byte) responses are all refused, with the
    // same error as a wrong password: a peer never learns which rule it hit.
    if (message.userName === '' || F.hasFlag(message.flags, F.NTLMSSP_ANONYMOUS)) throw logonDenied();
    if (ntLength === 0 || ntLength === NTLMV1_RESPONSE_LENGTH) throw logonDenied();
    const response = parseNtlmV2Response(message.ntChallengeResponse);

    const finalFlags = (this.flags & message.flags) >>> 0;
    if (!F.hasFlag(finalFlags, F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | F.NTLMSSP_NEGOTIATE_128)) {
      throw peerTooWeak('client', 'dropped extended session security or 128-bit keys');
    }

    const responseKeyNT = this.verifyResponse(message, response);
    const sessionBaseKey = sessionBaseKeyV2(responseKeyNT, response.proof);
    const keyExchangeKey = keyExchangeKeyV2(sessionBaseKey);
    responseKeyNT.dispose();
    wipe(sessionBaseKey);
    let exportedSessionKey: Buffer;
    if (F.hasFlag(finalFlags, F.NTLMSSP_NEGOTIATE_KEY_EXCH)) {
      if (message.encryptedRandomSessionKey.length !== 16) {
        wipe(keyExchangeKey);
        throw invalidToken('EncryptedRandomSessionKey is not 16 bytes');
      }
      exportedSessionKey = exportedSessionKeyFrom(keyExchangeKey, message.encryptedRandomSessionKey);
      wipe(keyExchangeKey);
    } else {
      exportedSessionKey = keyExchangeKey;
    }

    if (avFlagsOf(response.avPairs) & AV_FLAG_MIC_PRESENT) {
      this.verifyMic(authenticateMessage, message, exportedSessionKey);
      this.withMic = true;
    }
    this.flags = finalFlags;
    this.identityValue = {
      user: message.userName,
      domain: message.domainName,
      workstation: message.workstation,
    };
    this.establish(exportedSessionKey, 'server');
  }

  /**
   * Find the ResponseKeyNT whose NTProofStr matches, or refuse. NTOWFv2 uppercases the user and
   * takes the domain as sent (MS-NLMP 3.3.2); like Samba's acceptor we also try the domain
   * uppercased and empty, which some clients use when computing it (the password must still match).
   */
  private verifyResponse(message: AuthenticateMessage, response: ParsedNtlmV2Response): HmacMd5Key {
    const found = this.opts.lookupNtHash(message.userName, message.domainName);
    const known = found !== undefined && found.length === 16;
    const ntHash = known ? found : DECOY_NT_HASH;
    const domains = [...new Set([message.domainName, upcaseUnicode(message.domainName), ''])];
    for (const domain of domains) {
      const responseKeyNT = responseKeyNTFor(ntHash, message.userName, domain);
      const expected = ntProofStr(responseKeyNT, this.serverChallenge!, response.temp);
      if (known && timingSafeEqual(expected, response.proof)) return responseKeyNT;
      responseKeyNT.dispose();
    }
    throw logonDenied();
  }

  /** MS-NLMP 3.2.5.1.2: MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE || CHALLENGE || AUTHENTICATE with MIC zeroed). */
  private verifyMic(
    authenticateMessage: Buffer,
    message: AuthenticateMessage,
    exportedSessionKey: Buffer,
  ): void {
    if (!message.mic) throw invalidToken('MsvAvFlags announces a MIC but the message has no room for one');
    // The AUTHENTICATE is hashed in three parts, zeros standing in for its MIC, rather than copied
    // to zero the MIC field in place.
    const expected = hmacMd5(
      exportedSessionKey,
      this.negotiateMessage!,
      this.challengeMessage!,
      authenticateMessage.subarray(0, AUTHENTICATE_MIC_OFFSET),
      ZERO_MIC,
      authenticateMessage.subarray(AUTHENTICATE_MIC_OFFSET + 16),
    );
    if (!timingSafeEqual(expected, message.mic)) {
      wipe(exportedSessionKey);
      throw sspiError(
        'SEC_E_MESSAGE_ALTERED',
        'The NTLM AUTHENTICATE message failed its integrity check (MIC): it was altered in transit.',
      );
    }
  }

  protected disposeSecrets(): void {
    wipe(this.serverChallenge);
  }
}
