/**
 * Behaviour towards peers that are not ourselves: clients that hash the domain differently, servers
 * without MsvAvTimestamp, men in the middle who downgrade flags, sessions without key exchange.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSspiError } from '../../lib/errors';
import { NtlmAcceptor } from '../../lib/emulated/mechanisms/ntlm/acceptor';
import { encodeAvPairs, parseAvPairs } from '../../lib/emulated/mechanisms/ntlm/avpairs';
import * as F from '../../lib/emulated/mechanisms/ntlm/flags';
import { NtlmInitiator } from '../../lib/emulated/mechanisms/ntlm/initiator';
import { ntHashOf, ntowfV2, rc4k, sessionBaseKeyV2, signKey } from '../../lib/emulated/mechanisms/ntlm/keys';
import {
  encodeAuthenticate,
  parseAuthenticate,
  parseChallenge,
} from '../../lib/emulated/mechanisms/ntlm/messages';
import { ntlmV2Response } from '../../lib/emulated/mechanisms/ntlm/response';
import { NtlmSessionSecurity } from '../../lib/emulated/mechanisms/ntlm/signing';

const NT_HASH = ntHashOf(Buffer.from('Password', 'utf16le'));

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isSspiError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

function newAcceptor(): NtlmAcceptor {
  return new NtlmAcceptor({ lookupNtHash: (user) => (user === 'User' ? NT_HASH : undefined) });
}

/**
 * A client that computes NTOWFv2 with `hashedDomain` but sends `sentDomain`, and sends no MIC (as
 * older clients do), answering the acceptor's real CHALLENGE.
 */
function authenticateHashedWith(server: NtlmAcceptor, sentDomain: string, hashedDomain: string): Buffer {
  const negotiate = new NtlmInitiator({ user: 'User', domain: sentDomain, ntHash: NT_HASH }).step(
    null,
  ).output;
  const challenge = parseChallenge(server.step(negotiate).output);
  const responseKeyNT = ntowfV2(NT_HASH, 'User', hashedDomain);
  const targetInfo = encodeAvPairs(parseAvPairs(challenge.targetInfo));
  const { response, proof } = ntlmV2Response(
    responseKeyNT,
    challenge.serverChallenge,
    Buffer.alloc(8, 0x11),
    Buffer.alloc(8, 0x22),
    targetInfo,
  );
  return encodeAuthenticate({
    flags: challenge.flags,
    lmChallengeResponse: Buffer.alloc(24),
    ntChallengeResponse: response,
    domainName: sentDomain,
    userName: 'User',
    workstation: 'OLDBOX',
    encryptedRandomSessionKey: rc4k(sessionBaseKeyV2(responseKeyNT, proof), Buffer.alloc(16, 0x33)),
  });
}

describe('NTOWFv2 domain variants at the acceptor', () => {
  it.each([
    ['the domain as sent', 'Domain', 'Domain'],
    ['the domain uppercased', 'Domain', 'DOMAIN'],
    ['an empty domain', 'Domain', ''],
  ])('accepts a response computed with %s', (_what, sent, hashed) => {
    const server = newAcceptor();
    server.step(authenticateHashedWith(server, sent, hashed));
    expect(server.complete).toBe(true);
    expect(server.micPresent).toBe(false);
    expect(server.identity).toEqual({ user: 'User', domain: 'Domain', workstation: 'OLDBOX' });
    expect(server.sessionKey!.equals(Buffer.alloc(16, 0x33))).toBe(true);
  });

  it('refuses a response computed with some other domain', () => {
    const server = newAcceptor();
    expect(codeOf(() => server.step(authenticateHashedWith(server, 'Domain', 'OTHER')))).toBe(
      'SEC_E_LOGON_DENIED',
    );
  });
});

describe('a server without MsvAvTimestamp (MS-NLMP 4.2.4.3 CHALLENGE)', () => {
  const challengeMessage = Buffer.from(
    readFileSync(join(__dirname, '../fixtures/ntlm/ms-nlmp-4.2.4.3-challenge.hex'), 'utf8').replace(
      /\s+/g,
      '',
    ),
    'hex',
  );

  it('gets an LMv2 response, no MIC and no MsvAvFlags, with our own clock in the blob', () => {
    const client = new NtlmInitiator(
      { user: 'User', domain: 'Domain', ntHash: NT_HASH, workstation: 'COMPUTER' },
      {
        randomBytes: (n) => Buffer.alloc(n, n === 8 ? 0xaa : 0x55),
        now: () => new Date(Date.UTC(2024, 0, 1)),
      },
    );
    client.step(null);
    const message = parseAuthenticate(client.step(challengeMessage).output);
    // 4.2.4.2.1: LMv2 depends only on the key and the two challenges, so it matches the spec exactly.
    expect(message.lmChallengeResponse.toString('hex')).toBe(
      '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa',
    );
    expect(message.mic).toBeUndefined();
    expect(client.micPresent).toBe(false);
    const temp = message.ntChallengeResponse.subarray(16);
    // FILETIME of 2024-01-01T00:00:00Z.
    expect(temp.readBigUInt64LE(8)).toBe(133485408000000000n);
    expect(parseAvPairs(temp.subarray(28)).some((pair) => pair.id === 6)).toBe(false);
    // 4.2.4.2.3: with RandomSessionKey 0x55*16 the key exchange gives the spec's encrypted key only if
    // the session base key matched, which it cannot here (our AV pairs differ); check its length.
    expect(message.encryptedRandomSessionKey).toHaveLength(16);
  });
});

describe('man in the middle', () => {
  function run(alterChallenge: (challenge: Buffer) => void): string {
    const client = new NtlmInitiator({ user: 'User', domain: 'Domain', ntHash: NT_HASH });
    const server = newAcceptor();
    const challenge = Buffer.from(server.step(client.step(null).output).output);
    alterChallenge(challenge);
    return codeOf(() => server.step(client.step(challenge).output));
  }

  it('is caught by the MIC when it strips key exchange from the CHALLENGE', () => {
    expect(
      run((challenge) =>
        challenge.writeUInt32LE((challenge.readUInt32LE(20) & ~F.NTLMSSP_NEGOTIATE_KEY_EXCH) >>> 0, 20),
      ),
    ).toBe('SEC_E_MESSAGE_ALTERED');
  });

  it('is caught by the MIC when it changes the CHALLENGE target name', () => {
    expect(run((challenge) => (challenge[challenge.readUInt32LE(16)] ^= 0x20))).toBe('SEC_E_MESSAGE_ALTERED');
  });

  it('is caught by NTProofStr when it changes the server challenge', () => {
    expect(run((challenge) => (challenge[24] ^= 0x01))).toBe('SEC_E_LOGON_DENIED');
  });
});

describe('session security without key exchange', () => {
  it('does not RC4 the checksum (MS-NLMP 3.4.4.2)', () => {
    const key = Buffer.alloc(16, 0x42);
    const flags = F.NTLMSSP_NEGOTIATE_SIGN | F.NTLMSSP_NEGOTIATE_SEAL;
    const client = new NtlmSessionSecurity(key, 'client', flags);
    const message = Buffer.from('to be signed');
    const signature = client.sign(message);
    const expected = createHmac('md5', signKey(key, 'client'))
      .update(Buffer.from([0, 0, 0, 0]))
      .update(message)
      .digest()
      .subarray(0, 8);
    expect(signature.subarray(4, 12).equals(expected)).toBe(true);
    new NtlmSessionSecurity(key, 'server', flags).verify(message, signature);
  });

  it('refuses wrap when sealing was not negotiated', () => {
    const security = new NtlmSessionSecurity(Buffer.alloc(16, 1), 'client', F.NTLMSSP_NEGOTIATE_SIGN);
    expect(codeOf(() => security.wrap(Buffer.from('x')))).toBe('SEC_E_UNSUPPORTED_FUNCTION');
    expect(security.sign(Buffer.from('x'))).toHaveLength(16);
  });
});
