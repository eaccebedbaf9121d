/**
 * What a peer can make the NTLM client and server hold or build is bounded (limits.ts), and past
 * the bound the answer is SEC_E_INVALID_TOKEN, never a RangeError from an encoder (which the API
 * reports as SEC_E_INTERNAL_ERROR).
 */
import { NtlmAcceptor } from '../../lib/emulated/mechanisms/ntlm/acceptor';
import {
  MsvAvDnsTreeName,
  MsvAvTimestamp,
  encodeAvPairs,
  fileTime,
} from '../../lib/emulated/mechanisms/ntlm/avpairs';
import { NtlmInitiator } from '../../lib/emulated/mechanisms/ntlm/initiator';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { MAX_NAME_LENGTH, MAX_TARGET_INFO_LENGTH } from '../../lib/emulated/mechanisms/ntlm/limits';
import {
  encodeAuthenticate,
  encodeChallenge,
  parseAuthenticate,
  parseChallenge,
} from '../../lib/emulated/mechanisms/ntlm/messages';

const NT_HASH = ntHashOf(Buffer.from('pw', 'utf16le'));
const invalidToken = expect.objectContaining({ code: 'SEC_E_INVALID_TOKEN' });
const invalidArgValue = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });

const newInitiator = (targetName = 'HOST/x') =>
  new NtlmInitiator({ user: 'u', domain: 'd', ntHash: NT_HASH, targetName });

/** A real CHALLENGE for `negotiate` with its TargetInfo replaced by one of `targetInfoLength` bytes. */
function challengeWithTargetInfo(negotiate: Buffer, targetInfoLength: number): Buffer {
  const server = new NtlmAcceptor({ lookupNtHash: () => NT_HASH, nbComputerName: 'SRV' });
  const real = parseChallenge(server.step(negotiate).output);
  // One MsvAvDnsTreeName of filler, then MsvAvTimestamp (12 bytes) and MsvAvEOL (4 bytes).
  const filler = Buffer.alloc(targetInfoLength - 4 - 12 - 4, 0x41);
  const targetInfo = encodeAvPairs([
    { id: MsvAvDnsTreeName, value: filler },
    { id: MsvAvTimestamp, value: fileTime(new Date()) },
  ]);
  expect(targetInfo.length).toBe(targetInfoLength);
  return encodeChallenge({ ...real, targetInfo });
}

function answer(targetInfoLength: number, targetName?: string): Buffer {
  const client = newInitiator(targetName);
  return client.step(challengeWithTargetInfo(client.step(null).output, targetInfoLength)).output;
}

describe('NTLM client: the CHALLENGE TargetInfo', () => {
  it('refuses a 65,500-byte TargetInfo with SEC_E_INVALID_TOKEN, not a RangeError', () => {
    expect(() => answer(65500)).toThrow(invalidToken);
  });

  it('refuses a TargetInfo one byte over the bound', () => {
    expect(() => answer(MAX_TARGET_INFO_LENGTH + 1)).toThrow(invalidToken);
  });

  it('answers a TargetInfo at the bound, with the longest SPN, and echoes it in the NTLMv2 response', () => {
    const authenticate = parseAuthenticate(answer(MAX_TARGET_INFO_LENGTH, 'H'.repeat(MAX_NAME_LENGTH)));
    expect(authenticate.ntChallengeResponse.length).toBeGreaterThan(MAX_TARGET_INFO_LENGTH);
  });
});

describe('NTLM client: names the caller gives', () => {
  const long = 'x'.repeat(MAX_NAME_LENGTH + 1);
  it.each([
    ['targetName', { targetName: long }],
    ['identity.user', { user: long }],
    ['identity.domain', { domain: long }],
  ])('refuses %s longer than the bound with ERR_INVALID_ARG_VALUE', (name, override) => {
    const make = () =>
      new NtlmInitiator({ user: 'u', domain: 'd', ntHash: NT_HASH, targetName: 'HOST/x', ...override });
    expect(make).toThrow(invalidArgValue);
    expect(make).toThrow(name);
  });
});

describe('NTLM server: names in the AUTHENTICATE', () => {
  it.each(['userName', 'domainName', 'workstation'] as const)(
    'refuses a %s longer than the bound before looking anyone up',
    (field) => {
      const client = newInitiator();
      const lookupNtHash = jest.fn(() => NT_HASH);
      const server = new NtlmAcceptor({ lookupNtHash, nbComputerName: 'SRV' });
      const authenticate = parseAuthenticate(
        client.step(server.step(client.step(null).output).output).output,
      );
      const hostile = encodeAuthenticate({ ...authenticate, [field]: 'A'.repeat(MAX_NAME_LENGTH + 1) });
      expect(() => server.step(hostile)).toThrow(invalidToken);
      expect(lookupNtHash).not.toHaveBeenCalled();
    },
  );
});
