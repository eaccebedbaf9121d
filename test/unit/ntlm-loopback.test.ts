/**
 * NtlmInitiator <-> NtlmAcceptor in one process: the handshake, every refusal, and session security.
 */
import { isSspiError, type SspiError } from '../../lib/errors';
import { NtlmAcceptor } from '../../lib/emulated/ntlm/acceptor';
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
} from '../../lib/emulated/ntlm/avpairs';
import * as F from '../../lib/emulated/ntlm/flags';
import { NtlmInitiator, type NtlmInitiatorOptions } from '../../lib/emulated/ntlm/initiator';
import { ntHashOf } from '../../lib/emulated/ntlm/keys';
import { encodeAuthenticate, parseAuthenticate, parseChallenge } from '../../lib/emulated/ntlm/messages';
import { parseNtlmV2Response } from '../../lib/emulated/ntlm/response';

const PASSWORD_HASH = ntHashOf(Buffer.from('Correct horse 1!', 'utf16le'));
const WRONG_HASH = ntHashOf(Buffer.from('correct horse 1!', 'utf16le'));

function initiator(overrides: Partial<NtlmInitiatorOptions> = {}): NtlmInitiator {
  return new NtlmInitiator({
    user: 'alice',
    domain: 'CORP',
    ntHash: PASSWORD_HASH,
    workstation: 'WS01',
    targetName: 'TERMSRV/server.corp.example',
    ...overrides,
  });
}

/** Knows alice (in any domain) and nobody else, and records what it was asked. */
function acceptor(lookups: Array<[string, string]> = []): NtlmAcceptor {
  return new NtlmAcceptor({
    lookupNtHash: (user, domain) => {
      lookups.push([user, domain]);
      return user.toLowerCase() === 'alice' ? PASSWORD_HASH : undefined;
    },
    nbComputerName: 'SERVER',
    nbDomainName: 'CORP',
    dnsComputerName: 'server.corp.example',
    dnsDomainName: 'corp.example',
  });
}

/** Run NEGOTIATE and CHALLENGE, and produce the AUTHENTICATE without giving it to the acceptor. */
function upToAuthenticate(client: NtlmInitiator, server: NtlmAcceptor) {
  const negotiate = client.step(null);
  expect(negotiate.complete).toBe(false);
  const challenge = server.step(negotiate.output);
  expect(challenge.complete).toBe(false);
  const authenticate = client.step(challenge.output);
  return { negotiate: negotiate.output, challenge: challenge.output, authenticate: authenticate.output };
}

function established(): { client: NtlmInitiator; server: NtlmAcceptor } {
  const client = initiator();
  const server = acceptor();
  const { authenticate } = upToAuthenticate(client, server);
  server.step(authenticate);
  return { client, server };
}

function errorOf(fn: () => unknown): SspiError {
  try {
    fn();
  } catch (err) {
    if (isSspiError(err)) return err;
    throw err;
  }
  throw new Error('expected an SspiError, but nothing was thrown');
}

/** Offset of the NT response inside an AUTHENTICATE (its BufferOffset field at 24). */
const ntOffset = (authenticate: Buffer) => authenticate.readUInt32LE(24);

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

describe('NTLM session security', () => {
  it('wraps and unwraps several messages both ways, with sequence numbers advancing', () => {
    const { client, server } = established();
    for (let i = 0; i < 4; i++) {
      const toServer = Buffer.from(`client message ${i}`);
      const wrapped = client.wrap(toServer);
      expect(wrapped).toHaveLength(16 + toServer.length);
      expect(wrapped.readUInt32LE(0)).toBe(1);
      expect(wrapped.readUInt32LE(12)).toBe(i);
      expect(wrapped.subarray(16).equals(toServer)).toBe(false);
      expect(server.unwrap(wrapped).equals(toServer)).toBe(true);

      const toClient = Buffer.from(`server reply ${i}`.repeat(i + 1));
      expect(client.unwrap(server.wrap(toClient)).equals(toClient)).toBe(true);
    }
  });

  it('uses different keys per direction', () => {
    const { client, server } = established();
    const data = Buffer.from('same plaintext');
    expect(client.wrap(data).equals(server.wrap(data))).toBe(false);
  });

  it('rejects a replayed, an altered, a reordered and a self-addressed message', () => {
    const { client, server } = established();
    const first = client.wrap(Buffer.from('one'));
    server.unwrap(first);
    expect(errorOf(() => server.unwrap(first)).code).toBe('SEC_E_MESSAGE_ALTERED');

    const pair2 = established();
    const altered = pair2.client.wrap(Buffer.from('pay 100'));
    altered[altered.length - 1] ^= 0x01;
    expect(errorOf(() => pair2.server.unwrap(altered)).code).toBe('SEC_E_MESSAGE_ALTERED');

    const pair3 = established();
    pair3.client.wrap(Buffer.from('first'));
    const second = pair3.client.wrap(Buffer.from('second'));
    expect(errorOf(() => pair3.server.unwrap(second)).code).toBe('SEC_E_MESSAGE_ALTERED');

    const pair4 = established();
    expect(errorOf(() => pair4.client.unwrap(pair4.client.wrap(Buffer.from('echo')))).code).toBe(
      'SEC_E_MESSAGE_ALTERED',
    );
  });

  it('rejects a message shorter than a signature as SEC_E_INVALID_TOKEN', () => {
    const { server } = established();
    expect(errorOf(() => server.unwrap(Buffer.alloc(15))).code).toBe('SEC_E_INVALID_TOKEN');
  });

  it('signs and verifies, sharing the sequence with wrap', () => {
    const { client, server } = established();
    const message = Buffer.from('integrity only');
    const signature = client.sign(message);
    expect(signature).toHaveLength(16);
    server.verify(message, signature);
    const wrapped = client.wrap(Buffer.from('next'));
    expect(wrapped.readUInt32LE(12)).toBe(1);
    expect(server.unwrap(wrapped).toString()).toBe('next');
    const bad = client.sign(message);
    expect(errorOf(() => server.verify(Buffer.from('integrity onlY'), bad)).code).toBe(
      'SEC_E_MESSAGE_ALTERED',
    );
  });

  it('resetRc4State restarts the keystream for SPNEGO but keeps the sequence number', () => {
    const { client, server } = established();
    const mechList = Buffer.from('3018060a2b06010401823702020a', 'hex');
    // The mechListMIC exchange of MS-SPNG: client signs, server verifies, both reset that direction.
    server.verify(mechList, client.sign(mechList));
    client.resetRc4State('outbound');
    server.resetRc4State('inbound');
    client.verify(mechList, server.sign(mechList));
    server.resetRc4State('outbound');
    client.resetRc4State('inbound');

    const wrapped = client.wrap(Buffer.from('credentials'));
    expect(wrapped.readUInt32LE(12)).toBe(1);
    expect(server.unwrap(wrapped).toString()).toBe('credentials');
    expect(client.unwrap(server.wrap(Buffer.from('ok'))).toString()).toBe('ok');
  });

  it('fails the first message when only one side resets its RC4 state', () => {
    const { client, server } = established();
    const mic = client.sign(Buffer.from('mechs'));
    server.verify(Buffer.from('mechs'), mic);
    client.resetRc4State('outbound');
    expect(errorOf(() => server.unwrap(client.wrap(Buffer.from('x')))).code).toBe('SEC_E_MESSAGE_ALTERED');
  });

  it('refuses wrap before the context is established', () => {
    const client = initiator();
    client.step(null);
    expect(errorOf(() => client.wrap(Buffer.from('too early'))).code).toBe('SEC_E_INVALID_HANDLE');
  });

  it('zeroes the session key on dispose and refuses use afterwards', () => {
    const { client, server } = established();
    const clientKey = client.sessionKey!;
    const serverKey = server.sessionKey!;
    expect(clientKey.equals(Buffer.alloc(16))).toBe(false);
    client.dispose();
    server.dispose();
    client.dispose();
    expect(clientKey.equals(Buffer.alloc(16))).toBe(true);
    expect(serverKey.equals(Buffer.alloc(16))).toBe(true);
    expect(errorOf(() => client.wrap(Buffer.from('x'))).code).toBe('SEC_E_INVALID_HANDLE');
  });

  it('does not zero the NT hash the caller passed in', () => {
    const hash = Buffer.from(PASSWORD_HASH);
    const client = initiator({ ntHash: hash });
    client.dispose();
    expect(hash.equals(PASSWORD_HASH)).toBe(true);
  });
});
