/**
 * CredSSP's parsers: TSRequest (MS-CSSP 2.2.1) and TSCredentials (2.2.1.2) in each of its three
 * kinds — password, smart card, Remote Guard — with seeds written by our own encoders.
 */
import {
  CRED_TYPE_PASSWORD,
  CRED_TYPE_REMOTE_GUARD,
  CRED_TYPE_SMARTCARD,
  decodeTsCredentials,
  encodeTsCredentials,
} from '../../../lib/emulated/packages/credssp/tscredentials';
import { decodeTsRequest, encodeTsRequest } from '../../../lib/emulated/packages/credssp/tsrequest';
import { isInvalidToken, type ParserTarget } from './parser-property';

const utf16 = (text: string) => Buffer.from(text, 'utf16le');

function tsRequestSeeds(): Buffer[] {
  return [
    encodeTsRequest({
      version: 6,
      negoTokens: [Buffer.alloc(40, 0x4e)],
      clientNonce: Buffer.alloc(32, 0x11),
    }),
    encodeTsRequest({
      version: 6,
      negoTokens: [Buffer.alloc(300, 0x4e)],
      pubKeyAuth: Buffer.alloc(48, 0x22),
      clientNonce: Buffer.alloc(32, 0x11),
    }),
    encodeTsRequest({ version: 6, authInfo: Buffer.alloc(120, 0x33) }),
    encodeTsRequest({ version: 3, errorCode: 0xc000006d }),
    encodeTsRequest({ version: 2, negoTokens: [Buffer.alloc(8, 1), Buffer.alloc(8, 2)] }),
  ];
}

function passwordSeeds(): Buffer[] {
  return [
    encodeTsCredentials({
      credType: CRED_TYPE_PASSWORD,
      password: { domainName: utf16('LAB'), userName: utf16('alice'), password: utf16('Passw0rd!') },
    }),
    encodeTsCredentials({
      credType: CRED_TYPE_PASSWORD,
      password: { domainName: Buffer.alloc(0), userName: Buffer.alloc(0), password: Buffer.alloc(0) },
    }),
  ];
}

function smartCardSeeds(): Buffer[] {
  return [
    encodeTsCredentials({
      credType: CRED_TYPE_SMARTCARD,
      smartCard: {
        pin: utf16('123456'),
        cspData: {
          keySpec: 1,
          cardName: utf16('Card'),
          readerName: utf16('Reader 0'),
          containerName: utf16('c1'),
          cspName: utf16('Microsoft Base Smart Card Crypto Provider'),
        },
        userHint: utf16('alice'),
        domainHint: utf16('LAB'),
      },
    }),
    encodeTsCredentials({
      credType: CRED_TYPE_SMARTCARD,
      smartCard: { pin: utf16('0000'), cspData: { keySpec: 2 } },
    }),
  ];
}

function remoteGuardSeeds(): Buffer[] {
  return [
    encodeTsCredentials({
      credType: CRED_TYPE_REMOTE_GUARD,
      remoteGuard: {
        logonCred: { packageName: utf16('Kerberos'), credBuffer: Buffer.alloc(64, 0x6b) },
        supplementalCreds: [{ packageName: utf16('NTLM'), credBuffer: Buffer.alloc(32, 0x6e) }],
      },
    }),
    encodeTsCredentials({
      credType: CRED_TYPE_REMOTE_GUARD,
      remoteGuard: { logonCred: { packageName: utf16('NTLM'), credBuffer: Buffer.alloc(16) } },
    }),
  ];
}

export const credsspTargets: ParserTarget[] = [
  { name: 'credssp-ts-request', parse: decodeTsRequest, allowed: isInvalidToken, seeds: tsRequestSeeds },
  {
    name: 'credssp-ts-credentials-password',
    parse: decodeTsCredentials,
    allowed: isInvalidToken,
    seeds: passwordSeeds,
  },
  {
    name: 'credssp-ts-credentials-smartcard',
    parse: decodeTsCredentials,
    allowed: isInvalidToken,
    seeds: smartCardSeeds,
  },
  {
    name: 'credssp-ts-credentials-remote-guard',
    parse: decodeTsCredentials,
    allowed: isInvalidToken,
    seeds: remoteGuardSeeds,
  },
];
