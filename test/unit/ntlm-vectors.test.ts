/**
 * MS-NLMP section 4.2.4 (NTLMv2 Authentication) test vectors, exact. Common inputs from 4.2.1.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseAvPairs,
  MsvAvNbComputerName,
  MsvAvNbDomainName,
  findAvPair,
} from '../../lib/emulated/mechanisms/ntlm/avpairs';
import {
  exportedSessionKeyFrom,
  keyExchangeKeyV2,
  lmV2Response,
  ntHashOf,
  ntowfV2,
  rc4k,
  sealKey,
  sessionBaseKeyV2,
  signKey,
} from '../../lib/emulated/mechanisms/ntlm/keys';
import {
  encodeAuthenticate,
  encodeChallenge,
  parseAuthenticate,
  parseChallenge,
} from '../../lib/emulated/mechanisms/ntlm/messages';
import { ntlmV2Response, parseNtlmV2Response } from '../../lib/emulated/mechanisms/ntlm/response';
import { NtlmSessionSecurity } from '../../lib/emulated/mechanisms/ntlm/signing';
import {
  NTLMSSP_NEGOTIATE_KEY_EXCH,
  NTLMSSP_NEGOTIATE_SEAL,
  NTLMSSP_NEGOTIATE_SIGN,
} from '../../lib/emulated/mechanisms/ntlm/flags';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fixture = (name: string): Buffer =>
  hex(readFileSync(join(__dirname, '../fixtures/ntlm', name), 'utf8'));

// 4.2.1 Common Values.
const USER = 'User';
const DOMAIN = 'Domain';
const PASSWORD = Buffer.from('Password', 'utf16le');
const RANDOM_SESSION_KEY = Buffer.alloc(16, 0x55);
const TIME = Buffer.alloc(8);
const CLIENT_CHALLENGE = Buffer.alloc(8, 0xaa);
const SERVER_CHALLENGE = hex('0123456789abcdef');

// 4.2.4.3: the messages, transcribed into test/fixtures/ntlm.
const CHALLENGE_MESSAGE = fixture('ms-nlmp-4.2.4.3-challenge.hex');
const AUTHENTICATE_MESSAGE = fixture('ms-nlmp-4.2.4.3-authenticate.hex');
/** The CHALLENGE's TargetInfo: NbDomainName "Domain", NbComputerName "Server", EOL. */
const TARGET_INFO = CHALLENGE_MESSAGE.subarray(0x44, 0x68);

describe('MS-NLMP 4.2.4.1 calculations', () => {
  const ntHash = ntHashOf(PASSWORD);

  it('4.2.2.1.2 NTOWFv1 of "Password"', () => {
    expect(ntHash.toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
  });

  it('4.2.4.1.1 NTOWFv2 (ResponseKeyNT)', () => {
    expect(ntowfV2(ntHash, USER, DOMAIN).toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('uppercases only the user name, never the domain', () => {
    const expected = '0c868a403bfd7a93a3001ef22ef02e3f';
    expect(ntowfV2(ntHash, 'user', DOMAIN).toString('hex')).toBe(expected);
    expect(ntowfV2(ntHash, USER, 'DOMAIN').toString('hex')).not.toBe(expected);
  });

  it('4.2.4.1.2 session base key, and KXKEY equal to it for NTLMv2 (3.4.5.1)', () => {
    const responseKeyNT = ntowfV2(ntHash, USER, DOMAIN);
    const { proof } = ntlmV2Response(responseKeyNT, SERVER_CHALLENGE, CLIENT_CHALLENGE, TIME, TARGET_INFO);
    const sessionBaseKey = sessionBaseKeyV2(responseKeyNT, proof);
    expect(sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
    expect(keyExchangeKeyV2(sessionBaseKey).equals(sessionBaseKey)).toBe(true);
  });
});

describe('MS-NLMP 4.2.4.2 results', () => {
  const responseKeyNT = ntowfV2(ntHashOf(PASSWORD), USER, DOMAIN);

  it('4.2.4.2.1 LMv2 response', () => {
    expect(lmV2Response(responseKeyNT, SERVER_CHALLENGE, CLIENT_CHALLENGE).toString('hex')).toBe(
      '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa',
    );
  });

  it('4.2.4.2.2 NTProofStr and the whole NTLMv2 response as carried in 4.2.4.3', () => {
    const { response, proof } = ntlmV2Response(
      responseKeyNT,
      SERVER_CHALLENGE,
      CLIENT_CHALLENGE,
      TIME,
      TARGET_INFO,
    );
    expect(proof.toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    // NtChallengeResponseFields of 4.2.4.3: 0x54 bytes at offset 0x84.
    expect(response.equals(AUTHENTICATE_MESSAGE.subarray(0x84, 0x84 + 0x54))).toBe(true);
  });

  it('4.2.4.2.3 encrypted session key, and its decryption back to RandomSessionKey', () => {
    const keyExchangeKey = hex('8de40ccadbc14a82f15cb0ad0de95ca3');
    const encrypted = rc4k(keyExchangeKey, RANDOM_SESSION_KEY);
    expect(encrypted.toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
    expect(exportedSessionKeyFrom(keyExchangeKey, encrypted).equals(RANDOM_SESSION_KEY)).toBe(true);
  });
});

describe('MS-NLMP 4.2.4.3 messages', () => {
  it('parses the CHALLENGE_MESSAGE and encodes it back byte for byte', () => {
    const challenge = parseChallenge(CHALLENGE_MESSAGE);
    expect(challenge.flags >>> 0).toBe(0xe28a8233);
    expect(challenge.serverChallenge.equals(SERVER_CHALLENGE)).toBe(true);
    expect(challenge.targetName).toBe('Server');
    expect(challenge.version).toEqual({ major: 6, minor: 0, build: 6000, revision: 15 });
    const pairs = parseAvPairs(challenge.targetInfo);
    expect(findAvPair(pairs, MsvAvNbDomainName)?.toString('utf16le')).toBe('Domain');
    expect(findAvPair(pairs, MsvAvNbComputerName)?.toString('utf16le')).toBe('Server');
    expect(encodeChallenge(challenge).equals(CHALLENGE_MESSAGE)).toBe(true);
  });

  it('parses the AUTHENTICATE_MESSAGE (no MIC) and encodes it back byte for byte', () => {
    const authenticate = parseAuthenticate(AUTHENTICATE_MESSAGE);
    expect(authenticate.flags >>> 0).toBe(0xe2888235);
    expect(authenticate.domainName).toBe('Domain');
    expect(authenticate.userName).toBe('User');
    expect(authenticate.workstation).toBe('COMPUTER');
    expect(authenticate.mic).toBeUndefined();
    expect(authenticate.version).toEqual({ major: 5, minor: 1, build: 2600, revision: 15 });
    expect(authenticate.encryptedRandomSessionKey.toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
    const parsed = parseNtlmV2Response(authenticate.ntChallengeResponse);
    expect(parsed.proof.toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(parsed.avPairs).toHaveLength(2);
    expect(encodeAuthenticate(authenticate).equals(AUTHENTICATE_MESSAGE)).toBe(true);
  });

  it('builds the same AUTHENTICATE_MESSAGE from the computed responses', () => {
    const responseKeyNT = ntowfV2(ntHashOf(PASSWORD), USER, DOMAIN);
    const { response } = ntlmV2Response(responseKeyNT, SERVER_CHALLENGE, CLIENT_CHALLENGE, TIME, TARGET_INFO);
    const message = encodeAuthenticate({
      flags: 0xe2888235,
      lmChallengeResponse: lmV2Response(responseKeyNT, SERVER_CHALLENGE, CLIENT_CHALLENGE),
      ntChallengeResponse: response,
      domainName: DOMAIN,
      userName: USER,
      workstation: 'COMPUTER',
      encryptedRandomSessionKey: rc4k(hex('8de40ccadbc14a82f15cb0ad0de95ca3'), RANDOM_SESSION_KEY),
      version: { major: 5, minor: 1, build: 2600, revision: 15 },
    });
    expect(message.equals(AUTHENTICATE_MESSAGE)).toBe(true);
  });
});

describe('MS-NLMP 4.2.4.4 GSS_WrapEx example', () => {
  const plaintext = Buffer.from('Plaintext', 'utf16le');

  it('derives the client-to-server sealing and signing keys', () => {
    expect(sealKey(RANDOM_SESSION_KEY, 'client').toString('hex')).toBe('59f600973cc4960a25480a7c196e4c58');
    expect(signKey(RANDOM_SESSION_KEY, 'client').toString('hex')).toBe('4788dc861b4782f35d43fd98fe1a2d39');
  });

  it('seals "Plaintext" to the exact sealed data and signature (SeqNum 0)', () => {
    const flags = NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_SIGN;
    const client = new NtlmSessionSecurity(RANDOM_SESSION_KEY, 'client', flags);
    const wrapped = client.wrap(plaintext);
    expect(wrapped.subarray(0, 16).toString('hex')).toBe('010000007fb38ec5c55d497600000000');
    expect(wrapped.subarray(16).toString('hex')).toBe('54e50165bf1936dc996020c1811b0f06fb5f');

    const server = new NtlmSessionSecurity(RANDOM_SESSION_KEY, 'server', flags);
    expect(server.unwrap(wrapped).equals(plaintext)).toBe(true);
  });
});
