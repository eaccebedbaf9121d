/**
 * Text fields of CHALLENGE and AUTHENTICATE are decoded straight from the token: UTF-16LE under
 * NTLMSSP_NEGOTIATE_UNICODE (odd byte counts refused), Latin-1 without it, each from its own range.
 */
import { SspiError } from '../../lib/errors';
import { NTLMSSP_NEGOTIATE_UNICODE } from '../../lib/emulated/mechanisms/ntlm/flags';
import {
  encodeAuthenticate,
  encodeChallenge,
  parseAuthenticate,
  parseChallenge,
} from '../../lib/emulated/mechanisms/ntlm/messages';

function authenticate(flags: number): Buffer {
  return encodeAuthenticate({
    flags,
    lmChallengeResponse: Buffer.alloc(24, 1),
    ntChallengeResponse: Buffer.alloc(60, 2),
    domainName: 'Dömain',
    userName: 'Üser',
    workstation: 'WS',
    encryptedRandomSessionKey: Buffer.alloc(16, 3),
  });
}

describe('NTLM text fields', () => {
  it('decodes UTF-16LE names, each from its own range of the token', () => {
    const message = parseAuthenticate(authenticate(NTLMSSP_NEGOTIATE_UNICODE));
    expect([message.domainName, message.userName, message.workstation]).toEqual(['Dömain', 'Üser', 'WS']);
    expect(message.lmChallengeResponse.equals(Buffer.alloc(24, 1))).toBe(true);
  });

  it('reads the bytes as Latin-1 without NTLMSSP_NEGOTIATE_UNICODE', () => {
    const token = authenticate(NTLMSSP_NEGOTIATE_UNICODE);
    token.writeUInt32LE(0, 60); // NegotiateFlags: OEM
    const message = parseAuthenticate(token);
    expect(message.workstation).toBe('W\u0000S\u0000');
    expect(message.userName).toBe('Ü\u0000s\u0000e\u0000r\u0000');
  });

  it('refuses an odd-length UTF-16 UserName as a malformed token', () => {
    const token = authenticate(NTLMSSP_NEGOTIATE_UNICODE);
    token.writeUInt16LE(token.readUInt16LE(36) - 1, 36);
    let error: unknown;
    try {
      parseAuthenticate(token);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SspiError);
    expect((error as SspiError).code).toBe('SEC_E_INVALID_TOKEN');
    expect((error as SspiError).message).toContain('UserName has an odd length');
  });

  it('decodes an empty TargetName and a non-empty one', () => {
    const challenge = (targetName: string) =>
      parseChallenge(
        encodeChallenge({
          flags: NTLMSSP_NEGOTIATE_UNICODE,
          targetName,
          serverChallenge: Buffer.alloc(8, 9),
          targetInfo: Buffer.alloc(4), // MsvAvEOL only
        }),
      ).targetName;
    expect(challenge('')).toBe('');
    expect(challenge('SERVER')).toBe('SERVER');
  });
});
