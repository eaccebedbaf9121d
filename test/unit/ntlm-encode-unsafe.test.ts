/**
 * The NTLM encoders write their output into Buffer.allocUnsafe memory, so every byte must be
 * written, zeros included. With allocUnsafe handing out 0xAA-filled memory they must still produce
 * the MS-NLMP 4.2.4.3 messages exactly, and a NEGOTIATE with zero Reserved bytes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeAvPairs, parseAvPairs } from '../../lib/emulated/mechanisms/ntlm/avpairs';
import { lmV2Response, ntHashOf, ntowfV2, rc4k } from '../../lib/emulated/mechanisms/ntlm/keys';
import {
  OUR_VERSION,
  encodeAuthenticate,
  encodeChallenge,
  encodeNegotiate,
  parseChallenge,
} from '../../lib/emulated/mechanisms/ntlm/messages';
import { ntlmV2Response } from '../../lib/emulated/mechanisms/ntlm/response';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const fixture = (name: string): Buffer =>
  hex(readFileSync(join(__dirname, '../fixtures/ntlm', name), 'utf8'));

const CHALLENGE_MESSAGE = fixture('ms-nlmp-4.2.4.3-challenge.hex');
const AUTHENTICATE_MESSAGE = fixture('ms-nlmp-4.2.4.3-authenticate.hex');
const TARGET_INFO = CHALLENGE_MESSAGE.subarray(0x44, 0x68);
const SERVER_CHALLENGE = hex('0123456789abcdef');
const CLIENT_CHALLENGE = Buffer.alloc(8, 0xaa);

describe('NTLM encoders over uninitialised memory', () => {
  const realAllocUnsafe = Buffer.allocUnsafe;
  let spy: jest.SpyInstance;
  beforeEach(() => {
    spy = jest.spyOn(Buffer, 'allocUnsafe').mockImplementation((size) => realAllocUnsafe(size).fill(0xaa));
  });
  afterEach(() => spy.mockRestore());

  it('NEGOTIATE: empty fields and VERSION with its Reserved bytes zero', () => {
    const message = encodeNegotiate({ flags: 0xe2088297 });
    expect(message.toString('hex')).toBe(
      '4e544c4d53535000' +
        '01000000' +
        '978208e2' +
        '0000000028000000' +
        '0000000028000000' +
        '0a00' +
        '7c4f' + // build 20348
        '000000' +
        '0f',
    );
    expect(spy).toHaveBeenCalled();
  });

  it('CHALLENGE and its TargetInfo, byte for byte', () => {
    const challenge = parseChallenge(CHALLENGE_MESSAGE);
    challenge.targetInfo = encodeAvPairs(parseAvPairs(challenge.targetInfo));
    expect(encodeChallenge(challenge).equals(CHALLENGE_MESSAGE)).toBe(true);
  });

  it('an OEM CHALLENGE carries TargetName in Latin-1', () => {
    const message = encodeChallenge({
      flags: 0x00000002,
      targetName: 'Sérveur',
      serverChallenge: SERVER_CHALLENGE,
      targetInfo: Buffer.alloc(0),
      version: OUR_VERSION,
    });
    expect(message.readUInt16LE(12)).toBe(7);
    expect(message.subarray(56).toString('latin1')).toBe('Sérveur');
    expect(message.subarray(32, 40).equals(Buffer.alloc(8))).toBe(true); // Reserved
    expect(parseChallenge(message).targetName).toBe('Sérveur');
  });

  it('AUTHENTICATE with the NTLMv2 response, byte for byte', () => {
    const responseKeyNT = ntowfV2(ntHashOf(Buffer.from('Password', 'utf16le')), 'User', 'Domain');
    const { response } = ntlmV2Response(
      responseKeyNT,
      SERVER_CHALLENGE,
      CLIENT_CHALLENGE,
      Buffer.alloc(8),
      TARGET_INFO,
    );
    const message = encodeAuthenticate({
      flags: 0xe2888235,
      lmChallengeResponse: lmV2Response(responseKeyNT, SERVER_CHALLENGE, CLIENT_CHALLENGE),
      ntChallengeResponse: response,
      domainName: 'Domain',
      userName: 'User',
      workstation: 'COMPUTER',
      encryptedRandomSessionKey: rc4k(hex('8de40ccadbc14a82f15cb0ad0de95ca3'), Buffer.alloc(16, 0x55)),
      version: { major: 5, minor: 1, build: 2600, revision: 15 },
    });
    expect(message.equals(AUTHENTICATE_MESSAGE)).toBe(true);
  });

  it('AUTHENTICATE with a MIC field: 88-byte header, the MIC at offset 72', () => {
    const mic = Buffer.alloc(16, 0x11);
    const message = encodeAuthenticate({
      flags: 0xe2888235,
      lmChallengeResponse: Buffer.alloc(24),
      ntChallengeResponse: Buffer.alloc(48, 0x22),
      domainName: 'Dömain',
      userName: 'U\u{1f600}',
      workstation: '',
      encryptedRandomSessionKey: Buffer.alloc(16, 0x33),
      mic,
    });
    expect(message.readUInt32LE(32)).toBe(88); // DomainName's offset: the payload starts after the MIC
    expect(message.subarray(72, 88).equals(mic)).toBe(true);
    expect(message.subarray(88, 100).toString('utf16le')).toBe('Dömain');
    expect(message.readUInt16LE(36)).toBe(6); // UserName: 3 UTF-16 code units
    expect(message.subarray(100, 106).toString('utf16le')).toBe('U\u{1f600}');
    expect(message.subarray(64 + 4, 64 + 7).equals(Buffer.alloc(3))).toBe(true); // VERSION Reserved
  });
});
