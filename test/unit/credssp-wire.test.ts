import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeTsCredentials,
  encodeTsCredentials,
  wipeTsCredentials,
  type TsCredentials,
} from '../../lib/emulated/packages/credssp/tscredentials';
import {
  decodeTsRequest,
  encodeTsRequest,
  versionCarriesErrorCode,
} from '../../lib/emulated/packages/credssp/tsrequest';
import { isSspiError } from '../../lib/errors';

const vectors = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'credssp', 'tsrequest-vectors.json'), 'utf8'),
) as Record<string, string | number>;
const hex = (name: string) => Buffer.from(vectors[name] as string, 'hex');
const u16 = (s: string) => Buffer.from(s, 'utf16le');

function expectInvalidToken(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isSspiError(caught, 'SEC_E_INVALID_TOKEN')).toBe(true);
}

describe('TSRequest', () => {
  it('decodes and re-encodes a version-6 NTLM NEGOTIATE request with clientNonce (sspi-rs)', () => {
    const request = decodeTsRequest(hex('phase1TsRequest'));
    expect(request).toEqual({ version: 6, negoTokens: [hex('phase1NegoToken')], clientNonce: hex('nonce') });
    expect(encodeTsRequest(request)).toEqual(hex('phase1TsRequest'));
  });

  it('decodes and re-encodes pubKeyAuth and authInfo requests (sspi-rs)', () => {
    const pub = decodeTsRequest(hex('phase4TsRequest'));
    expect(pub.pubKeyAuth).toEqual(hex('phase4PubKeyAuth'));
    expect(pub.negoTokens).toBeUndefined();
    expect(encodeTsRequest(pub)).toEqual(hex('phase4TsRequest'));
    const auth = decodeTsRequest(hex('phase5TsRequest'));
    expect(auth.authInfo).toEqual(hex('phase5AuthInfo'));
    expect(encodeTsRequest(auth)).toEqual(hex('phase5TsRequest'));
  });

  it('reads a 4-byte signed errorCode as the unsigned NTSTATUS and writes it back the same way', () => {
    const request = decodeTsRequest(hex('errorCodeTsRequest'));
    expect(request.errorCode).toBe(vectors.errorCode);
    expect(request.pubKeyAuth).toEqual(hex('errorCodePubKeyAuth'));
    expect(request.clientNonce).toEqual(hex('errorCodeNonce'));
    expect(encodeTsRequest(request)).toEqual(hex('errorCodeTsRequest'));
  });

  it('reads the 5-byte positive form of an errorCode too', () => {
    const positive = Buffer.from('300ea003020106a40702050' + '0c000006d', 'hex');
    expect(decodeTsRequest(positive).errorCode).toBe(0xc000006d);
  });

  it('matches the rdp-rs encoding of a version-2 request with negoTokens and pubKeyAuth', () => {
    const request = { version: 2, negoTokens: [Buffer.from([0, 1, 2])], pubKeyAuth: Buffer.from([0, 1, 2]) };
    expect(encodeTsRequest(request)).toEqual(hex('rdpRsVersion2'));
    expect(decodeTsRequest(hex('rdpRsVersion2'))).toEqual(request);
  });

  it('has errorCode only in versions 3, 4 and 6', () => {
    expect([2, 3, 4, 5, 6].filter(versionCarriesErrorCode)).toEqual([3, 4, 6]);
  });

  it('ignores fields of a later revision', () => {
    const withField9 = Buffer.from('300aa003020106a903020101', 'hex');
    expect(decodeTsRequest(withField9)).toEqual({ version: 6 });
  });

  it.each([
    [
      'a length that runs past the end',
      (b: Buffer) => Buffer.concat([b.subarray(0, 1), Buffer.from([b[1] + 1]), b.subarray(2)]),
    ],
    ['a truncated buffer', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['trailing bytes', (b: Buffer) => Buffer.concat([b, Buffer.from([0])])],
    ['no version', () => Buffer.from('3007a1053003a00104', 'hex')],
    ['version 1', () => Buffer.from('3005a003020101', 'hex')],
    ['a 31-byte clientNonce', () => encodeTsRequest({ version: 6, clientNonce: Buffer.alloc(31) })],
    ['empty negoTokens', () => Buffer.from('3009a003020106a1023000', 'hex')],
    ['fields out of order', () => Buffer.from('300aa303040100a003020106', 'hex')],
  ])('refuses %s with SEC_E_INVALID_TOKEN', (_name, make) => {
    expectInvalidToken(() => decodeTsRequest(make(hex('phase1TsRequest'))));
  });
});

describe('TSCredentials', () => {
  it.each([
    ['credsOneSymbol', '', 'a', '1'],
    ['credsDomainUserPassword', 'Domain', 'Username', 'Password'],
    ['credsEmpty', '', '', ''],
  ])('matches sspi-rs for password credentials (%s)', (name, domain, user, password) => {
    const creds: TsCredentials = {
      credType: 1,
      password: { domainName: u16(domain), userName: u16(user), password: u16(password) },
    };
    expect(encodeTsCredentials(creds)).toEqual(hex(name));
    expect(decodeTsCredentials(hex(name))).toEqual(creds);
  });

  it('round-trips smart card credentials with every optional field, and without them', () => {
    const full: TsCredentials = {
      credType: 2,
      smartCard: {
        pin: u16('1234'),
        cspData: {
          keySpec: 1,
          cardName: u16('card'),
          readerName: u16('reader'),
          containerName: u16('container'),
          cspName: u16('Microsoft Base Smart Card Crypto Provider'),
        },
        userHint: u16('alice'),
        domainHint: u16('CORP'),
      },
    };
    const encoded = encodeTsCredentials(full);
    // credType 2, then the credentials OCTET STRING (MS-CSSP 4 example starts the same way).
    expect(encoded.indexOf(Buffer.from('a003020102', 'hex'))).toBeLessThanOrEqual(4);
    expect(decodeTsCredentials(encoded)).toEqual(full);
    const bare: TsCredentials = { credType: 2, smartCard: { pin: u16('0'), cspData: { keySpec: 0 } } };
    const decoded = decodeTsCredentials(encodeTsCredentials(bare));
    expect(decoded.credType).toBe(2);
    if (decoded.credType === 2) {
      expect(decoded.smartCard.pin).toEqual(u16('0'));
      expect(decoded.smartCard.cspData.keySpec).toBe(0);
      expect(decoded.smartCard.userHint).toBeUndefined();
      expect(decoded.smartCard.cspData.cardName).toBeUndefined();
    }
  });

  it('round-trips Remote Credential Guard credentials', () => {
    const creds: TsCredentials = {
      credType: 6,
      remoteGuard: {
        logonCred: { packageName: u16('Kerberos'), credBuffer: Buffer.from('0102', 'hex') },
        supplementalCreds: [{ packageName: u16('NTLM'), credBuffer: Buffer.from('0304', 'hex') }],
      },
    };
    expect(decodeTsCredentials(encodeTsCredentials(creds))).toEqual(creds);
    const logonOnly: TsCredentials = {
      credType: 6,
      remoteGuard: { logonCred: { packageName: u16('Kerberos'), credBuffer: Buffer.alloc(3) } },
    };
    expect(decodeTsCredentials(encodeTsCredentials(logonOnly))).toEqual(logonOnly);
  });

  it('returns copies that do not alias the input, and wipes them', () => {
    const input = Buffer.from(hex('credsDomainUserPassword'));
    const creds = decodeTsCredentials(input);
    input.fill(0);
    if (creds.credType !== 1) throw new Error('expected password credentials');
    expect(creds.password.password.toString('utf16le')).toBe('Password');
    wipeTsCredentials(creds);
    expect(creds.password.password.every((b) => b === 0)).toBe(true);
  });

  it.each([
    ['an unknown credType', '3017a003020103a110040e300ca0020400a1020400a2020400'],
    ['password credentials without a password', '3011a003020101a10a04083006a0020400a1020400'],
    ['credentials that are not DER', '300ba003020101a10404023000'],
  ])('refuses %s with SEC_E_INVALID_TOKEN', (_name, hexInput) => {
    expectInvalidToken(() => decodeTsCredentials(Buffer.from(hexInput, 'hex')));
  });
});
