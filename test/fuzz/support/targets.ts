/**
 * Every parser that reads bytes from the network, with the valid tokens our own encoders write
 * as mutation seeds. One registry, so the fuzz properties and the regression files name a parser
 * the same way. CredSSP's TSRequest / TSCredentials targets are in credssp-targets.ts.
 */
import { DerError } from '../../../lib/emulated/asn1/der-error';
import {
  childrenOf,
  contextExplicit,
  integer,
  octetString,
  oid,
  parseDer,
  readBitString,
  readBoolean,
  readInteger,
  readOctetString,
  readOid,
  readString,
  sequence,
  utf8String,
  type DerElement,
} from '../../../lib/emulated/asn1/der';
import {
  MsvAvDnsComputerName,
  MsvAvDnsDomainName,
  MsvAvNbComputerName,
  MsvAvNbDomainName,
  MsvAvTargetName,
  MsvAvTimestamp,
  avFlagsPair,
  encodeAvPairs,
  fileTime,
  parseAvPairs,
  singleHostPair,
  textAvPair,
} from '../../../lib/emulated/mechanisms/ntlm/avpairs';
import { ntlmV2ClientChallenge } from '../../../lib/emulated/mechanisms/ntlm/keys';
import {
  encodeAuthenticate,
  encodeChallenge,
  encodeNegotiate,
  parseAuthenticate,
  parseChallenge,
  parseNegotiate,
} from '../../../lib/emulated/mechanisms/ntlm/messages';
import { parseNtlmV2Response } from '../../../lib/emulated/mechanisms/ntlm/response';
import {
  NTLMSSP_OID,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeInitialToken,
  encodeMechTypes,
  encodeNegTokenResp,
} from '../../../lib/emulated/mechanisms/spnego/tokens';
import { scanRecords } from '../../../lib/emulated/tls/records';
import {
  PROTOCOL,
  encodeConnectionConfirm,
  encodeConnectionRequest,
  parseConnectionConfirm,
  parseConnectionRequest,
  tpktPacketLength,
} from '../../../lib/cli/x224';
import { isInvalidToken, type ParserTarget } from './parser-property';

/** Flags a Windows client and server actually exchange (MS-NLMP 2.2.2.5). */
const CLIENT_FLAGS = 0xe2088297;
const SERVER_FLAGS = 0xe2898215;

function serverTargetInfo(): Buffer {
  return encodeAvPairs([
    textAvPair(MsvAvNbDomainName, 'LAB'),
    textAvPair(MsvAvNbComputerName, 'SERVER'),
    textAvPair(MsvAvDnsDomainName, 'lab.example'),
    textAvPair(MsvAvDnsComputerName, 'server.lab.example'),
    { id: MsvAvTimestamp, value: fileTime(new Date(1_700_000_000_000)) },
  ]);
}

function clientAvPairs(): Buffer {
  return encodeAvPairs([
    textAvPair(MsvAvNbDomainName, 'LAB'),
    textAvPair(MsvAvNbComputerName, 'SERVER'),
    { id: MsvAvTimestamp, value: fileTime(new Date(1_700_000_000_000)) },
    avFlagsPair(2),
    singleHostPair(Buffer.alloc(32, 0x5a)),
    textAvPair(MsvAvTargetName, 'TERMSRV/server.lab.example'),
  ]);
}

function ntlmV2ResponseSeed(): Buffer {
  const temp = ntlmV2ClientChallenge(
    fileTime(new Date(1_700_000_000_000)),
    Buffer.alloc(8, 0xcc),
    clientAvPairs(),
  );
  return Buffer.concat([Buffer.alloc(16, 0xab), temp]);
}

function negotiateSeeds(): Buffer[] {
  return [encodeNegotiate({ flags: CLIENT_FLAGS }), encodeNegotiate({ flags: 0x00000207 })];
}

function challengeSeeds(): Buffer[] {
  return [
    encodeChallenge({
      flags: SERVER_FLAGS,
      targetName: 'LAB',
      serverChallenge: Buffer.alloc(8, 0x11),
      targetInfo: serverTargetInfo(),
    }),
    encodeChallenge({
      flags: SERVER_FLAGS & ~1,
      targetName: 'LAB',
      serverChallenge: Buffer.alloc(8, 0x22),
      targetInfo: Buffer.alloc(0),
    }),
  ];
}

function authenticateSeeds(): Buffer[] {
  const base = {
    flags: CLIENT_FLAGS,
    lmChallengeResponse: Buffer.alloc(24),
    ntChallengeResponse: ntlmV2ResponseSeed(),
    domainName: 'LAB',
    userName: 'alice',
    workstation: 'CLIENT',
    encryptedRandomSessionKey: Buffer.alloc(16, 0x33),
  };
  return [encodeAuthenticate({ ...base, mic: Buffer.alloc(16, 0x44) }), encodeAuthenticate(base)];
}

function spnegoInitSeeds(): Buffer[] {
  const mechTypesDer = encodeMechTypes([NTLMSSP_OID, '1.2.840.113554.1.2.2']);
  return [
    encodeInitialToken({ mechTypesDer, mechToken: negotiateSeeds()[0] }),
    encodeInitialToken({ mechTypesDer: encodeMechTypes([NTLMSSP_OID]) }),
    // A NegTokenInit2 as a server's hint (MS-SPNG 2.2.1): negHints in [3], a mechListMIC in [4].
    contextExplicit(
      0,
      sequence(
        contextExplicit(0, mechTypesDer),
        contextExplicit(3, sequence(contextExplicit(0, utf8String('not_defined_in_RFC4178@please_ignore')))),
        contextExplicit(4, octetString(Buffer.alloc(16, 1))),
      ),
    ),
  ];
}

function spnegoRespSeeds(): Buffer[] {
  return [
    encodeNegTokenResp({ negState: 1, supportedMech: NTLMSSP_OID, responseToken: challengeSeeds()[0] }),
    encodeNegTokenResp({ responseToken: authenticateSeeds()[0], mechListMIC: Buffer.alloc(16, 9) }),
    encodeNegTokenResp({ negState: 0, mechListMIC: Buffer.alloc(16, 7) }),
    encodeNegTokenResp({ negState: 2 }),
  ];
}

/** Walk a whole DER tree and read every primitive the ways our decoders do. */
function walkDer(element: DerElement): number {
  if (element.constructed) {
    let count = 1;
    for (const child of childrenOf(element)) count += walkDer(child);
    return count;
  }
  // Each reader checks its own form; a DerError from one is as fine as a value.
  for (const read of [readInteger, readOctetString, readOid, readString, readBoolean, readBitString]) {
    try {
      read(element);
    } catch (err) {
      if (!(err instanceof DerError)) throw err;
    }
  }
  return 1;
}

function derSeeds(): Buffer[] {
  return [
    ...spnegoInitSeeds(),
    ...spnegoRespSeeds(),
    sequence(
      contextExplicit(0, integer(6)),
      contextExplicit(1, sequence(sequence(contextExplicit(0, octetString(Buffer.alloc(40, 2)))))),
    ),
    sequence(
      oid('1.2.840.113549.1.1.1'),
      integer(2n ** 100n),
      integer(-129),
      octetString(Buffer.alloc(200, 3)),
    ),
  ];
}

function tlsRecordSeeds(): Buffer[] {
  const record = (type: number, body: Buffer) => {
    const header = Buffer.from([type, 3, 3, 0, 0]);
    header.writeUInt16BE(body.length, 3);
    return Buffer.concat([header, body]);
  };
  return [
    Buffer.concat([
      record(22, Buffer.alloc(90, 1)),
      record(20, Buffer.from([1])),
      record(22, Buffer.alloc(40, 2)),
    ]),
    record(23, Buffer.alloc(300, 5)),
  ];
}

export const parserTargets: ParserTarget[] = [
  { name: 'der', parse: (b) => walkDer(parseDer(b)), allowed: (e) => e instanceof DerError, seeds: derSeeds },
  { name: 'ntlm-negotiate', parse: parseNegotiate, allowed: isInvalidToken, seeds: negotiateSeeds },
  { name: 'ntlm-challenge', parse: parseChallenge, allowed: isInvalidToken, seeds: challengeSeeds },
  { name: 'ntlm-authenticate', parse: parseAuthenticate, allowed: isInvalidToken, seeds: authenticateSeeds },
  {
    name: 'ntlm-av-pairs',
    parse: parseAvPairs,
    allowed: isInvalidToken,
    seeds: () => [serverTargetInfo(), clientAvPairs()],
  },
  {
    name: 'ntlm-v2-response',
    parse: parseNtlmV2Response,
    allowed: isInvalidToken,
    seeds: () => [ntlmV2ResponseSeed()],
  },
  // The challenge's TargetInfo is parsed as AV pairs by the client: chain both as the client does.
  {
    name: 'ntlm-challenge-target-info',
    parse: (b) => parseAvPairs(parseChallenge(b).targetInfo),
    allowed: isInvalidToken,
    seeds: () => [challengeSeeds()[0]],
  },
  // The acceptor takes the NTLMv2 response out of AUTHENTICATE and parses it: chain both.
  {
    name: 'ntlm-authenticate-v2-response',
    parse: (b) => parseNtlmV2Response(parseAuthenticate(b).ntChallengeResponse),
    allowed: isInvalidToken,
    seeds: authenticateSeeds,
  },
  // OIDs come back as dotted text: one byte of arc can be four characters ("127.").
  {
    name: 'spnego-neg-token-init',
    parse: decodeInitialToken,
    allowed: isInvalidToken,
    seeds: spnegoInitSeeds,
    growth: 4,
  },
  {
    name: 'spnego-neg-token-resp',
    parse: decodeNegTokenResp,
    allowed: isInvalidToken,
    seeds: spnegoRespSeeds,
    growth: 4,
  },
  { name: 'tls-records', parse: scanRecords, allowed: isInvalidToken, seeds: tlsRecordSeeds },
  {
    name: 'x224-connection-request',
    parse: parseConnectionRequest,
    allowed: isInvalidToken,
    seeds: () => [
      encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID | PROTOCOL.SSL, cookie: 'alice' }),
      encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID_EX }),
    ],
  },
  {
    name: 'x224-connection-confirm',
    parse: parseConnectionConfirm,
    allowed: isInvalidToken,
    seeds: () => [
      encodeConnectionConfirm({ selectedProtocol: PROTOCOL.HYBRID }),
      encodeConnectionConfirm({ failureCode: 5 }),
    ],
  },
  {
    name: 'x224-tpkt-length',
    parse: tpktPacketLength,
    allowed: isInvalidToken,
    seeds: () => [encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID })],
  },
];

/** A parser by name; throws for an unknown name so a stale regression file is noticed. */
export function parserTarget(name: string, extra: readonly ParserTarget[] = []): ParserTarget {
  const target = [...parserTargets, ...extra].find((t) => t.name === name);
  if (!target) throw new Error(`no fuzz target named ${name}`);
  return target;
}
