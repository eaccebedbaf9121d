/**
 * TSCredentials (MS-CSSP 2.2.1.2): what the client delegates, sealed into TSRequest.authInfo.
 *
 *   TSCredentials ::= SEQUENCE { credType [0] INTEGER, credentials [1] OCTET STRING }
 *   credType 1  TSPasswordCreds   ::= SEQUENCE { domainName [0], userName [1], password [2] OCTET STRING }
 *   credType 2  TSSmartCardCreds  ::= SEQUENCE { pin [0] OCTET STRING, cspData [1] TSCspDataDetail,
 *                                               userHint [2] OCTET STRING OPTIONAL,
 *                                               domainHint [3] OCTET STRING OPTIONAL }
 *               TSCspDataDetail   ::= SEQUENCE { keySpec [0] INTEGER, cardName [1], readerName [2],
 *                                               containerName [3], cspName [4] OCTET STRING OPTIONAL }
 *   credType 6  TSRemoteGuardCreds ::= SEQUENCE { logonCred [0] TSRemoteGuardPackageCred,
 *                                        supplementalCreds [1] SEQUENCE OF TSRemoteGuardPackageCred OPTIONAL }
 *               TSRemoteGuardPackageCred ::= SEQUENCE { packageName [0] OCTET STRING, credBuffer [1] OCTET STRING }
 *
 * Strings are UTF-16LE inside the OCTET STRINGs and are kept as Buffers here, so the secrets can
 * be zeroed; decoding returns secret copies (lib/secret.ts) that do not alias the (also
 * zeroable) input, and encoding writes into secret memory.
 */
import { sspiError } from '../../../errors';
import { allocSecret, copySecret, wipe, type SecretBuffer } from '../../../secret';
import {
  DerError,
  contextFields,
  encodeTree,
  expectSequence,
  integer,
  parseDer,
  readInteger,
  readOctetString,
  treeExplicit,
  treeOctetString,
  treeSequence,
  type DerElement,
  type DerTree,
} from '../../asn1/der';

export const CRED_TYPE_PASSWORD = 1;
export const CRED_TYPE_SMARTCARD = 2;
export const CRED_TYPE_REMOTE_GUARD = 6;

export interface TsPasswordCreds {
  domainName: Buffer;
  userName: Buffer;
  password: Buffer;
}

export interface TsCspDataDetail {
  keySpec: number;
  cardName?: Buffer;
  readerName?: Buffer;
  containerName?: Buffer;
  cspName?: Buffer;
}

export interface TsSmartCardCreds {
  pin: Buffer;
  cspData: TsCspDataDetail;
  userHint?: Buffer;
  domainHint?: Buffer;
}

export interface TsRemoteGuardPackageCred {
  /** UTF-16LE package name, e.g. 'Kerberos', 'NTLM'. */
  packageName: Buffer;
  credBuffer: Buffer;
}

export interface TsRemoteGuardCreds {
  logonCred: TsRemoteGuardPackageCred;
  supplementalCreds?: TsRemoteGuardPackageCred[];
}

export type TsCredentials =
  | { credType: typeof CRED_TYPE_PASSWORD; password: TsPasswordCreds }
  | { credType: typeof CRED_TYPE_SMARTCARD; smartCard: TsSmartCardCreds }
  | { credType: typeof CRED_TYPE_REMOTE_GUARD; remoteGuard: TsRemoteGuardCreds };

/**
 * Encode TSCredentials in DER. The message is described as a tree and written once, so the
 * secrets are copied into the result only (which the caller zeroes), not into one intermediate
 * Buffer per nesting level that would be left for the garbage collector unzeroed.
 */
export function encodeTsCredentials(credentials: TsCredentials): SecretBuffer {
  let inner: DerTree;
  switch (credentials.credType) {
    case CRED_TYPE_PASSWORD: {
      const p = credentials.password;
      inner = treeSequence(
        treeExplicit(0, treeOctetString(p.domainName)),
        treeExplicit(1, treeOctetString(p.userName)),
        treeExplicit(2, treeOctetString(p.password)),
      );
      break;
    }
    case CRED_TYPE_SMARTCARD:
      inner = encodeSmartCard(credentials.smartCard);
      break;
    case CRED_TYPE_REMOTE_GUARD:
      inner = encodeRemoteGuard(credentials.remoteGuard);
      break;
  }
  return encodeTree(
    treeSequence(treeExplicit(0, integer(credentials.credType)), treeExplicit(1, treeOctetString(inner))),
    allocSecret,
  );
}

/** Decode TSCredentials; anything malformed or of an unknown credType is SEC_E_INVALID_TOKEN. */
export function decodeTsCredentials(encoded: Buffer): TsCredentials {
  try {
    const fields = contextFields(parseDer(encoded));
    const credType = readInteger(required(fields, 0, 'credType'));
    const inner = parseDer(readOctetString(required(fields, 1, 'credentials')));
    switch (credType) {
      case CRED_TYPE_PASSWORD: {
        const p = contextFields(inner);
        return {
          credType,
          password: {
            domainName: octets(p, 0, 'domainName'),
            userName: octets(p, 1, 'userName'),
            password: octets(p, 2, 'password'),
          },
        };
      }
      case CRED_TYPE_SMARTCARD:
        return { credType, smartCard: decodeSmartCard(inner) };
      case CRED_TYPE_REMOTE_GUARD:
        return { credType, remoteGuard: decodeRemoteGuard(inner) };
      default:
        throw new DerError(`credType ${credType} is not one MS-CSSP defines (1, 2 or 6)`);
    }
  } catch (err) {
    if (err instanceof DerError) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `The delegated credentials (TSCredentials) are malformed: ${err.message}.`,
      );
    }
    throw err;
  }
}

/** Zero every secret-bearing buffer of decoded or to-be-encoded credentials. */
export function wipeTsCredentials(credentials: TsCredentials): void {
  const buffers: Array<Buffer | undefined> = [];
  if (credentials.credType === CRED_TYPE_PASSWORD) {
    const p = credentials.password;
    buffers.push(p.domainName, p.userName, p.password);
  } else if (credentials.credType === CRED_TYPE_SMARTCARD) {
    const s = credentials.smartCard;
    buffers.push(s.pin, s.userHint, s.domainHint);
  } else {
    const r = credentials.remoteGuard;
    for (const cred of [r.logonCred, ...(r.supplementalCreds ?? [])]) buffers.push(cred.credBuffer);
  }
  wipe(...buffers);
}

function encodeSmartCard(s: TsSmartCardCreds): DerTree {
  const csp = s.cspData;
  const cspFields = [treeExplicit(0, integer(csp.keySpec))];
  const optional: Array<[number, Buffer | undefined]> = [
    [1, csp.cardName],
    [2, csp.readerName],
    [3, csp.containerName],
    [4, csp.cspName],
  ];
  for (const [tag, value] of optional) if (value) cspFields.push(treeExplicit(tag, treeOctetString(value)));
  const fields = [treeExplicit(0, treeOctetString(s.pin)), treeExplicit(1, treeSequence(...cspFields))];
  if (s.userHint) fields.push(treeExplicit(2, treeOctetString(s.userHint)));
  if (s.domainHint) fields.push(treeExplicit(3, treeOctetString(s.domainHint)));
  return treeSequence(...fields);
}

function decodeSmartCard(element: DerElement): TsSmartCardCreds {
  const f = contextFields(element);
  const c = contextFields(required(f, 1, 'cspData'));
  return {
    pin: octets(f, 0, 'pin'),
    cspData: {
      keySpec: readInteger(required(c, 0, 'keySpec')),
      cardName: optionalOctets(c, 1),
      readerName: optionalOctets(c, 2),
      containerName: optionalOctets(c, 3),
      cspName: optionalOctets(c, 4),
    },
    userHint: optionalOctets(f, 2),
    domainHint: optionalOctets(f, 3),
  };
}

function encodePackageCred(cred: TsRemoteGuardPackageCred): DerTree {
  return treeSequence(
    treeExplicit(0, treeOctetString(cred.packageName)),
    treeExplicit(1, treeOctetString(cred.credBuffer)),
  );
}

function decodePackageCred(element: DerElement): TsRemoteGuardPackageCred {
  const f = contextFields(element);
  return { packageName: octets(f, 0, 'packageName'), credBuffer: octets(f, 1, 'credBuffer') };
}

function encodeRemoteGuard(r: TsRemoteGuardCreds): DerTree {
  const fields = [treeExplicit(0, encodePackageCred(r.logonCred))];
  if (r.supplementalCreds)
    fields.push(treeExplicit(1, treeSequence(...r.supplementalCreds.map(encodePackageCred))));
  return treeSequence(...fields);
}

function decodeRemoteGuard(element: DerElement): TsRemoteGuardCreds {
  const f = contextFields(element);
  const creds: TsRemoteGuardCreds = { logonCred: decodePackageCred(required(f, 0, 'logonCred')) };
  const supplemental = f.get(1);
  if (supplemental) creds.supplementalCreds = expectSequence(supplemental).map(decodePackageCred);
  return creds;
}

function required(fields: Map<number, DerElement>, tag: number, name: string): DerElement {
  const element = fields.get(tag);
  if (!element) throw new DerError(`${name} [${tag}] is missing`);
  return element;
}

function octets(fields: Map<number, DerElement>, tag: number, name: string): SecretBuffer {
  return copySecret(readOctetString(required(fields, tag, name)));
}

function optionalOctets(fields: Map<number, DerElement>, tag: number): SecretBuffer | undefined {
  const element = fields.get(tag);
  return element ? copySecret(readOctetString(element)) : undefined;
}
