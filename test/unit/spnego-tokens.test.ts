import fc from 'fast-check';
import { SspiError } from '../../lib/errors';
import {
  NTLMSSP_OID,
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeInitialToken,
  encodeMechTypes,
  encodeNegTokenResp,
  isRawNtlmssp,
} from '../../lib/emulated/mechanisms/spnego/tokens';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Each capture: `hex`, `source`, and for some the fields it was built from, all hex strings. */
const captures = JSON.parse(
  readFileSync(join(__dirname, '../fixtures/spnego/captures.json'), 'utf8'),
) as Record<string, Record<string, string>>;

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const KRB5 = '1.2.840.113554.1.2.2';
const MS_KRB5 = '1.2.840.48018.1.2.2';

function expectInvalidToken(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SspiError);
    expect((err as SspiError).code).toBe('SEC_E_INVALID_TOKEN');
    return;
  }
  throw new Error('expected SEC_E_INVALID_TOKEN');
}

describe('SPNEGO tokens against captures (test/fixtures/spnego/captures.json)', () => {
  test('encodes a NegTokenInit byte for byte as go-smb2’s test vector', () => {
    const fixture = captures.negTokenInitNtlm;
    const token = encodeInitialToken({
      mechTypesDer: encodeMechTypes([NTLMSSP_OID]),
      mechToken: hex(fixture.mechToken),
    });
    expect(token.toString('hex')).toBe(fixture.hex);
  });

  test('decodes a Windows client’s NegTokenInit', () => {
    const init = decodeInitialToken(hex(captures.negTokenInitWindowsClient.hex));
    expect(init.mechTypes).toEqual([NTLMSSP_OID]);
    expect(init.mechTypesDer.toString('hex')).toBe('300c060a2b06010401823702020a');
    expect(init.mechToken && isRawNtlmssp(init.mechToken)).toBe(true);
    expect(init.mechToken!.readUInt32LE(8)).toBe(1); // NEGOTIATE_MESSAGE
    expect(init.mechListMIC).toBeUndefined();
  });

  test('tolerates a server’s NegTokenInit2 with negHints (MS-SPNG 2.2.1)', () => {
    const ntlmOnly = decodeInitialToken(hex(captures.negTokenInit2NtlmHint.hex));
    expect(ntlmOnly.mechTypes).toEqual([NTLMSSP_OID]);
    expect(ntlmOnly.mechToken).toBeUndefined();
    expect(ntlmOnly.mechListMIC).toBeUndefined();
    const windows = decodeInitialToken(hex(captures.negTokenInit2WindowsServer.hex));
    expect(windows.mechTypes).toEqual([MS_KRB5, KRB5, NTLMSSP_OID]);
  });

  test('decodes NegTokenResp captures', () => {
    const challenge = decodeNegTokenResp(hex(captures.negTokenRespChallengeWindows.hex));
    expect(challenge.negState).toBe(NegState.AcceptIncomplete);
    expect(challenge.supportedMech).toBe(NTLMSSP_OID);
    expect(challenge.responseToken!.readUInt32LE(8)).toBe(2); // CHALLENGE_MESSAGE
    const goChallenge = decodeNegTokenResp(hex(captures.negTokenRespChallengeGoSmb2.hex));
    expect(goChallenge.responseToken!.length).toBe(0xae);
    const auth = decodeNegTokenResp(hex(captures.negTokenRespAuthenticateWindows.hex));
    expect(auth).toEqual({ responseToken: expect.any(Buffer) });
    expect(auth.responseToken!.readUInt32LE(8)).toBe(3);
    expect(decodeNegTokenResp(hex(captures.negTokenRespAcceptCompleted.hex))).toEqual({
      negState: NegState.AcceptCompleted,
    });
  });

  test('encodes a NegTokenResp with a mechListMIC byte for byte as go-smb2’s test vector', () => {
    const fixture = captures.negTokenRespAuthenticateWithMic;
    const token = encodeNegTokenResp({
      negState: NegState.AcceptIncomplete,
      responseToken: hex(fixture.responseToken),
      mechListMIC: hex(fixture.mechListMIC),
    });
    expect(token.toString('hex')).toBe(fixture.hex);
    const back = decodeNegTokenResp(token);
    expect(back.mechListMIC!.toString('hex')).toBe(fixture.mechListMIC);
  });

  test('refuses the BER long-form lengths of go-smb2 PR 34 (DER only)', () => {
    expectInvalidToken(() => decodeNegTokenResp(hex(captures.negTokenRespBerLongForm.hex)));
  });
});

describe('SPNEGO token structure', () => {
  test('round trips a NegTokenResp with every field', () => {
    const resp = {
      negState: NegState.RequestMic,
      supportedMech: NTLMSSP_OID,
      responseToken: Buffer.from('abc'),
      mechListMIC: Buffer.alloc(16, 7),
    };
    expect(decodeNegTokenResp(encodeNegTokenResp(resp))).toEqual(resp);
  });

  test('reads mechListMIC from [3] in NegTokenInit and from [4] in NegTokenInit2', () => {
    // [APPLICATION 0] { SPNEGO, [0] { [0] mechTypes, [3] OCTET STRING } }
    const rfc =
      '6020' + '06062b0601050502' + 'a016' + '3014' + 'a00e300c060a2b06010401823702020a' + 'a302' + '0400';
    expect(decodeInitialToken(hex(rfc)).mechListMIC).toEqual(Buffer.alloc(0));
    const init2 =
      '6026' +
      '06062b0601050502' +
      'a01c' +
      '301a' +
      'a00e300c060a2b06010401823702020a' +
      'a3023000' +
      'a4040402abcd';
    expect(decodeInitialToken(hex(init2)).mechListMIC!.toString('hex')).toBe('abcd');
  });

  test('accepts a NegTokenInit without the GSS-API framing', () => {
    const bare = 'a0123010' + 'a00e300c060a2b06010401823702020a';
    expect(decodeInitialToken(hex(bare)).mechTypes).toEqual([NTLMSSP_OID]);
  });

  test.each([
    ['a framing for another mechanism', '600b06092a864886f712010202'],
    ['framing with an extra element', '602806062b0601050502a0123010a00e300c060a2b06010401823702020a0500'],
    ['no mechTypes', '600c06062b0601050502a0023000'],
    ['empty mechTypes', '601006062b0601050502a0063004a0023000'],
    ['a NegTokenResp', captures.negTokenRespAcceptCompleted.hex],
    ['a raw NTLM message', captures.negTokenInitNtlm.mechToken],
    ['trailing bytes', captures.negTokenInitNtlm.hex + '00'],
    ['nothing', ''],
  ])('rejects as a first token: %s', (_name, input) => {
    expectInvalidToken(() => decodeInitialToken(hex(input)));
  });

  test.each([
    ['negState 4', 'a1073005a0030a0104'],
    ['an unknown field [4]', 'a1093007a4050403010203'],
    ['fields out of order', 'a10e300ca2030401aaa0030a0101'],
    ['a NegTokenInit', captures.negTokenInitNtlm.hex],
    ['a bare [0] NegTokenInit', 'a0123010a00e300c060a2b06010401823702020a'],
    ['a truncated token', captures.negTokenRespChallengeWindows.hex.slice(0, 100)],
  ])('rejects as a NegTokenResp: %s', (_name, input) => {
    expectInvalidToken(() => decodeNegTokenResp(hex(input)));
  });

  test('recognises raw NTLMSSP', () => {
    expect(isRawNtlmssp(hex(captures.negTokenInitNtlm.mechToken))).toBe(true);
    expect(isRawNtlmssp(Buffer.from('NTLMSSP'))).toBe(false);
    expect(isRawNtlmssp(hex(captures.negTokenInitNtlm.hex))).toBe(false);
  });
});

describe('SPNEGO token parsers under fuzzing', () => {
  const seeds = Object.entries(captures)
    .filter(([key]) => !key.startsWith('_'))
    .map(([, value]) => hex(value.hex));
  const mutated = fc
    .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.nat())
    .map(([seed, at, byte, cut]) => {
      const copy = Buffer.from(seed);
      copy[at % copy.length] = byte;
      return copy.subarray(0, copy.length - (cut % 3 === 0 ? cut % copy.length : 0));
    });
  const input = fc.oneof(
    mutated,
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  );

  test('only SspiError SEC_E_INVALID_TOKEN escapes', () => {
    fc.assert(
      fc.property(input, (bytes) => {
        for (const decode of [decodeInitialToken, decodeNegTokenResp]) {
          try {
            decode(bytes);
          } catch (err) {
            if (!(err instanceof SspiError) || err.code !== 'SEC_E_INVALID_TOKEN') throw err;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
