/**
 * NtlmInitiator <-> NtlmAcceptor in one process: the handshake and every refusal.
 */
import { type SspiError } from '../../lib/errors';
import {
  AV_FLAG_MIC_PRESENT,
  MsvAvFlags,
  MsvAvNbComputerName,
  MsvAvNbDomainName,
  MsvAvSingleHost,
  MsvAvTargetName,
  MsvAvTimestamp,
  MsvChannelBindings,
  findAvPair,
  parseAvPairs,
} from '../../lib/emulated/mechanisms/ntlm/avpairs';
import * as F from '../../lib/emulated/mechanisms/ntlm/flags';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import {
  encodeAuthenticate,
  parseAuthenticate,
  parseChallenge,
} from '../../lib/emulated/mechanisms/ntlm/messages';
import { parseNtlmV2Response } from '../../lib/emulated/mechanisms/ntlm/response';
import { WRONG_HASH, acceptor, errorOf, initiator, ntOffset, upToAuthenticate } from '../fixtures/ntlm/pair';

describe('NTLM handshake', () => {
  it('completes both sides with the right password and agrees on the session key', () => {
    const lookups: Array<[string, string]> = [];
    const client = initiator();
    const server = acceptor(lookups);
    const { authenticate } = upToAuthenticate(client, server);
    expect(client.complete).toBe(true);
    const last = server.step(authenticate);
    expect(last).toEqual({ output: Buffer.alloc(0), complete: true });
    expect(server.complete).toBe(true);
    expect(server.identity).toEqual({ user: 'alice', domain: 'CORP', workstation: 'WS01' });
    expect(client.identity).toEqual({ user: 'alice', domain: 'CORP', workstation: 'WS01' });
    expect(lookups).toEqual([['alice', 'CORP']]);
    expect(client.sessionKey).toHaveLength(16);
    expect(client.sessionKey!.equals(server.sessionKey!)).toBe(true);
    expect(client.micPresent).toBe(true);
    expect(server.micPresent).toBe(true);
    expect(client.mechanism).toBe('NTLM');
  });

  it('passes user and domain to the lookup exactly as the client typed them', () => {
    const lookups: Array<[string, string]> = [];
    const client = initiator({ user: 'Alice', domain: 'corp.example' });
    const server = acceptor(lookups);
    server.step(upToAuthenticate(client, server).authenticate);
    expect(lookups).toEqual([['Alice', 'corp.example']]);
    expect(server.identity?.user).toBe('Alice');
  });

  it('sends a NEGOTIATE asking for NTLMv2 session security, sign, seal, key exchange and VERSION', () => {
    const negotiate = initiator().step(null).output;
    expect(negotiate).toHaveLength(40);
    const flags = negotiate.readUInt32LE(12);
    for (const flag of [
      F.NTLMSSP_NEGOTIATE_UNICODE,
      F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY,
      F.NTLMSSP_NEGOTIATE_128,
      F.NTLMSSP_NEGOTIATE_KEY_EXCH,
      F.NTLMSSP_NEGOTIATE_SIGN,
      F.NTLMSSP_NEGOTIATE_SEAL,
      F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN,
      F.NTLMSSP_NEGOTIATE_VERSION,
    ]) {
      expect(F.hasFlag(flags, flag)).toBe(true);
    }
    expect(F.hasFlag(flags, F.NTLMSSP_NEGOTIATE_LM_KEY)).toBe(false);
    expect(F.hasFlag(flags, F.NTLM_NEGOTIATE_OEM)).toBe(false);
  });

  it('answers with a CHALLENGE carrying the server names and a timestamp, in Windows order', () => {
    const client = initiator();
    const challengeToken = acceptor().step(client.step(null).output).output;
    const challenge = parseChallenge(challengeToken);
    expect(challenge.targetName).toBe('CORP');
    expect(F.hasFlag(challenge.flags, F.NTLMSSP_TARGET_TYPE_DOMAIN)).toBe(true);
    expect(F.hasFlag(challenge.flags, F.NTLMSSP_NEGOTIATE_TARGET_INFO)).toBe(true);
    const ids = parseAvPairs(challenge.targetInfo).map((pair) => pair.id);
    expect(ids).toEqual([2, 1, 4, 3, 7]);
  });

  it('builds the AUTHENTICATE as Windows does: zero LM response, MIC flag, target name, bindings, single host', () => {
    const client = initiator();
    const server = acceptor();
    const { challenge, authenticate } = upToAuthenticate(client, server);
    const message = parseAuthenticate(authenticate);
    expect(message.lmChallengeResponse.equals(Buffer.alloc(24))).toBe(true);
    expect(message.mic).toHaveLength(16);
    expect(message.mic!.equals(Buffer.alloc(16))).toBe(false);
    const pairs = parseNtlmV2Response(message.ntChallengeResponse).avPairs;
    // The server's pairs first, unchanged and in order, then ours.
    const serverPairs = parseAvPairs(parseChallenge(challenge).targetInfo);
    expect(pairs.slice(0, serverPairs.length)).toEqual(serverPairs);
    expect(pairs.slice(serverPairs.length).map((pair) => pair.id)).toEqual([
      MsvAvFlags,
      MsvAvSingleHost,
      MsvChannelBindings,
      MsvAvTargetName,
    ]);
    expect(findAvPair(pairs, MsvAvFlags)!.readUInt32LE(0)).toBe(AV_FLAG_MIC_PRESENT);
    expect(findAvPair(pairs, MsvAvTargetName)!.toString('utf16le')).toBe('TERMSRV/server.corp.example');
    expect(findAvPair(pairs, MsvChannelBindings)!.equals(Buffer.alloc(16))).toBe(true);
    expect(findAvPair(pairs, MsvAvSingleHost)).toHaveLength(48);
    // The timestamp in the response blob is the server's (MS-NLMP 3.1.5.1.2).
    const temp = parseNtlmV2Response(message.ntChallengeResponse).temp;
    expect(temp.subarray(8, 16).equals(findAvPair(serverPairs, MsvAvTimestamp)!)).toBe(true);
    expect(findAvPair(pairs, MsvAvNbDomainName)!.toString('utf16le')).toBe('CORP');
    expect(findAvPair(pairs, MsvAvNbComputerName)!.toString('utf16le')).toBe('SERVER');
  });

  it('sends the channel bindings hash it was given', () => {
    const hash = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const client = initiator({ channelBindingsHash: hash });
    const { authenticate } = upToAuthenticate(client, acceptor());
    const pairs = parseNtlmV2Response(parseAuthenticate(authenticate).ntChallengeResponse).avPairs;
    expect(findAvPair(pairs, MsvChannelBindings)!.equals(hash)).toBe(true);
  });
});

describe('NTLM refusals', () => {
  it('refuses a wrong password and an unknown user with the same code and message', () => {
    const wrong = initiator({ ntHash: WRONG_HASH });
    const server1 = acceptor();
    const wrongError = errorOf(() => server1.step(upToAuthenticate(wrong, server1).authenticate));

    const unknown = initiator({ user: 'mallory' });
    const server2 = acceptor();
    const unknownError = errorOf(() => server2.step(upToAuthenticate(unknown, server2).authenticate));

    expect(wrongError.code).toBe('SEC_E_LOGON_DENIED');
    expect(unknownError.code).toBe('SEC_E_LOGON_DENIED');
    expect(unknownError.message).toBe(wrongError.message);
    expect(server1.complete).toBe(false);
    expect(server1.sessionKey).toBeUndefined();
  });

  it.each([
    ['a byte of NTProofStr', (auth: Buffer) => ntOffset(auth) + 3, 'SEC_E_LOGON_DENIED'],
    ['a byte of the client challenge blob', (auth: Buffer) => ntOffset(auth) + 16 + 20, 'SEC_E_LOGON_DENIED'],
    ['a byte of the MIC', () => 72 + 5, 'SEC_E_MESSAGE_ALTERED'],
    ['a byte of the domain name', (auth: Buffer) => auth.readUInt32LE(32), 'SEC_E_LOGON_DENIED'],
    ['a byte of the workstation name', (auth: Buffer) => auth.readUInt32LE(48), 'SEC_E_MESSAGE_ALTERED'],
    ['a byte of the encrypted session key', (auth: Buffer) => auth.readUInt32LE(56), 'SEC_E_MESSAGE_ALTERED'],
    ['the VERSION field', () => 66, 'SEC_E_MESSAGE_ALTERED'],
  ])('rejects an AUTHENTICATE with %s flipped', (_what, offsetOf, code) => {
    const client = initiator();
    const server = acceptor();
    const authenticate = Buffer.from(upToAuthenticate(client, server).authenticate);
    authenticate[offsetOf(authenticate)] ^= 0x01;
    expect(errorOf(() => server.step(authenticate)).code).toBe(code);
    expect(server.complete).toBe(false);
  });

  /** The error an acceptor gives for our AUTHENTICATE re-encoded with `changes` (and no MIC). */
  function forgedError(changes: Partial<ReturnType<typeof parseAuthenticate>>): SspiError {
    const client = initiator();
    const server = acceptor();
    const { authenticate } = upToAuthenticate(client, server);
    const forged = encodeAuthenticate({ ...parseAuthenticate(authenticate), ...changes, mic: undefined });
    return errorOf(() => server.step(forged));
  }

  it('refuses an NTLMv1-style 24-byte NT response, an LM-only and an anonymous logon as a wrong password', () => {
    const wrong = initiator({ ntHash: WRONG_HASH });
    const server = acceptor();
    const reference = errorOf(() => server.step(upToAuthenticate(wrong, server).authenticate));
    expect(reference.code).toBe('SEC_E_LOGON_DENIED');
    const sameAsReference = (err: SspiError) =>
      expect([err.code, err.message]).toEqual([reference.code, reference.message]);

    sameAsReference(
      forgedError({ ntChallengeResponse: Buffer.alloc(24, 7), lmChallengeResponse: Buffer.alloc(24, 9) }),
    );
    sameAsReference(
      forgedError({ ntChallengeResponse: Buffer.alloc(0), lmChallengeResponse: Buffer.alloc(24, 9) }),
    );
    sameAsReference(
      forgedError({
        userName: '',
        domainName: '',
        ntChallengeResponse: Buffer.alloc(0),
        lmChallengeResponse: Buffer.alloc(1),
        flags:
          (F.NTLMSSP_ANONYMOUS |
            F.NTLMSSP_NEGOTIATE_UNICODE |
            F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) >>>
          0,
      }),
    );
  });

  it('refuses garbage, the wrong message for the state, and any step after completion as SEC_E_INVALID_TOKEN', () => {
    expect(errorOf(() => acceptor().step(Buffer.from('hello world, not ntlm'))).code).toBe(
      'SEC_E_INVALID_TOKEN',
    );
    expect(errorOf(() => acceptor().step(null)).code).toBe('SEC_E_INVALID_TOKEN');

    const client = initiator();
    const server = acceptor();
    const { negotiate, challenge, authenticate } = upToAuthenticate(client, server);
    // The acceptor at its first leg is handed a CHALLENGE, then an AUTHENTICATE.
    expect(errorOf(() => acceptor().step(challenge)).code).toBe('SEC_E_INVALID_TOKEN');
    expect(errorOf(() => acceptor().step(authenticate)).code).toBe('SEC_E_INVALID_TOKEN');
    // A second NEGOTIATE where the AUTHENTICATE belongs.
    const server2 = acceptor();
    server2.step(initiator().step(null).output);
    expect(errorOf(() => server2.step(negotiate)).code).toBe('SEC_E_INVALID_TOKEN');
    // The initiator handed a NEGOTIATE instead of a CHALLENGE.
    const client2 = initiator();
    client2.step(null);
    expect(errorOf(() => client2.step(negotiate)).code).toBe('SEC_E_INVALID_TOKEN');
    // After completion.
    server.step(authenticate);
    expect(errorOf(() => server.step(authenticate)).code).toBe('SEC_E_INVALID_TOKEN');
    expect(errorOf(() => client.step(challenge)).code).toBe('SEC_E_INVALID_TOKEN');
  });

  it('fails for good after a refused AUTHENTICATE: a second try with the right one is refused', () => {
    const client = initiator();
    const server = acceptor();
    const authenticate = upToAuthenticate(client, server).authenticate;
    const tampered = Buffer.from(authenticate);
    tampered[ntOffset(tampered)] ^= 0xff;
    expect(errorOf(() => server.step(tampered)).code).toBe('SEC_E_LOGON_DENIED');
    expect(errorOf(() => server.step(authenticate)).code).toBe('SEC_E_INVALID_TOKEN');
  });

  it('refuses a truncated AUTHENTICATE as SEC_E_INVALID_TOKEN', () => {
    const client = initiator();
    const server = acceptor();
    const authenticate = upToAuthenticate(client, server).authenticate;
    expect(errorOf(() => server.step(authenticate.subarray(0, authenticate.length - 10))).code).toBe(
      'SEC_E_INVALID_TOKEN',
    );
  });

  it('refuses a CHALLENGE without extended session security or 128-bit keys (no NTLMv1 fallback)', () => {
    for (const dropped of [F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, F.NTLMSSP_NEGOTIATE_128]) {
      const client = initiator();
      const challenge = Buffer.from(acceptor().step(client.step(null).output).output);
      challenge.writeUInt32LE((challenge.readUInt32LE(20) & ~dropped) >>> 0, 20);
      expect(errorOf(() => client.step(challenge)).code).toBe('SEC_E_UNSUPPORTED_FUNCTION');
    }
  });

  it('refuses a NEGOTIATE without extended session security', () => {
    const negotiate = Buffer.from(initiator().step(null).output);
    negotiate.writeUInt32LE(
      (negotiate.readUInt32LE(12) & ~F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY) >>> 0,
      12,
    );
    expect(errorOf(() => acceptor().step(negotiate)).code).toBe('SEC_E_UNSUPPORTED_FUNCTION');
  });

  it('refuses to build an anonymous initiator', () => {
    expect(errorOf(() => initiator({ user: '', ntHash: ntHashOf(Buffer.alloc(0)) })).code).toBe(
      'SEC_E_NO_CREDENTIALS',
    );
  });
});
