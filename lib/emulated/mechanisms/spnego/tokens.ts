/**
 * SPNEGO wire tokens (RFC 4178 section 4.2, MS-SPNG 2.2): the GSS-API InitialContextToken framing
 * (RFC 2743 3.1), NegTokenInit (and Microsoft's NegTokenInit2 with negHints, tolerated on input),
 * and NegTokenResp. Pure encode/decode; the state machines are in initiator.ts and acceptor.ts.
 * Malformed input throws SspiError SEC_E_INVALID_TOKEN and nothing else.
 */
import { KRB5_OID, MS_KRB5_OID } from '../kerberos/messages/constants';
import { peerText, sspiError } from '../../../errors';
import {
  DerError,
  TagClass,
  UniversalTag,
  application,
  contextExplicit,
  contextFields,
  enumerated,
  expectSequence,
  expectTag,
  explicitContent,
  childrenOf,
  octetString,
  oid,
  parseDer,
  readBitString,
  readEnumerated,
  readOctetString,
  readOid,
  sequence,
  encodeTree,
  treeExplicit,
  treeOctetString,
  treeSequence,
  type DerElement,
  type DerTree,
} from '../../asn1/der';

/** The SPNEGO mechanism itself (RFC 4178 section 3): the OID in the GSS-API framing. */
export const SPNEGO_OID = '1.3.6.1.5.5.2';
/** NTLMSSP (MS-NLMP 1.9). */
export const NTLMSSP_OID = '1.3.6.1.4.1.311.2.2.10';
/**
 * Kerberos V5 under the OID the RFCs name and under the one Windows offers first (MS-SPNG 3.1.5.2);
 * both name the same mechanism. Defined with the Kerberos mechanism, whose GSS framing uses them.
 */
export { KRB5_OID, MS_KRB5_OID };

/**
 * The OIDs written into tokens on every handshake, encoded once: oid() parses the dotted form
 * and works in BigInt, which showed in profiles of the SPNEGO legs.
 */
const OID_DER = new Map<string, Buffer>(
  [SPNEGO_OID, NTLMSSP_OID, KRB5_OID, MS_KRB5_OID].map((dotted) => [dotted, oid(dotted)]),
);

/** The DER of an OBJECT IDENTIFIER; a copy the caller may keep. */
function oidDer(dotted: string): Buffer {
  const known = OID_DER.get(dotted);
  return known ? Buffer.from(known) : oid(dotted);
}

/** Mechanisms peers offer that we recognise by name, for messages. */
const KNOWN_MECHANISMS = new Map<string, string>([
  [NTLMSSP_OID, 'NTLM'],
  [KRB5_OID, 'Kerberos'],
  [MS_KRB5_OID, 'Kerberos (Microsoft OID)'],
  ['1.2.840.113554.1.2.2.3', 'Kerberos user-to-user'],
  ['1.3.6.1.4.1.311.2.2.30', 'NegoEx'],
]);

/**
 * A mechanism OID with its common name where we know one, for error messages; an OID we do not
 * know is the peer's text, quoted only in part (peerText).
 */
export function mechanismName(mechOid: string): string {
  const name = KNOWN_MECHANISMS.get(mechOid);
  return name ? `${name} (${mechOid})` : peerText(mechOid);
}

/** The MechanismContext.mechanism an OID names, where it is one this library runs. */
export function mechanismOf(mechOid: string): 'NTLM' | 'Kerberos' | undefined {
  if (mechOid === NTLMSSP_OID) return 'NTLM';
  if (mechOid === KRB5_OID || mechOid === MS_KRB5_OID) return 'Kerberos';
  return undefined;
}

/**
 * The most mechanisms a MechTypeList may name. Windows offers four (NegoEx, both Kerberos OIDs,
 * NTLM); past this bound a list is refused before its OIDs are decoded.
 */
export const MAX_MECH_TYPES = 32;

/** negState (RFC 4178 4.2.2). */
export const NegState = { AcceptCompleted: 0, AcceptIncomplete: 1, Reject: 2, RequestMic: 3 } as const;
export type NegState = (typeof NegState)[keyof typeof NegState];

/** A NegTokenInit or NegTokenInit2 as read from the wire. */
export interface NegTokenInit {
  /** The mechanism OIDs in the sender's order of preference. */
  mechTypes: string[];
  /** The DER of MechTypeList exactly as received: what mechListMIC covers (RFC 4178 5). */
  mechTypesDer: Buffer;
  /** The optimistic token for mechTypes[0]. */
  mechToken?: Buffer;
  mechListMIC?: Buffer;
}

/** A NegTokenResp (RFC 4178 4.2.2). */
export interface NegTokenResp {
  negState?: NegState;
  supportedMech?: string;
  responseToken?: Buffer;
  mechListMIC?: Buffer;
}

const NTLMSSP_SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** True for a bare NTLM message, which Windows' Negotiate accepts in place of SPNEGO. */
export function isRawNtlmssp(token: Buffer): boolean {
  const length = NTLMSSP_SIGNATURE.length;
  return token.length >= length && token.compare(NTLMSSP_SIGNATURE, 0, length, 0, length) === 0;
}

function malformed(what: string, detail: string): Error {
  return sspiError('SEC_E_INVALID_TOKEN', `The ${what} from the peer is malformed: ${detail}.`);
}

/** Run a DER decoder, turning DerError into SEC_E_INVALID_TOKEN at this protocol's boundary. */
function decoding<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DerError) throw malformed(what, err.message);
    throw err;
  }
}

/** MechTypeList ::= SEQUENCE OF MechType (OID). Its DER is the input of mechListMIC. */
export function encodeMechTypes(mechTypes: readonly string[]): Buffer {
  return sequence(...mechTypes.map(oidDer));
}

/**
 * The initiator's first token: InitialContextToken ::= [APPLICATION 0] IMPLICIT SEQUENCE
 * { thisMech SPNEGO OID, innerContextToken [0] NegTokenInit } (RFC 2743 3.1, RFC 4178 4.2).
 * reqFlags is left out, as Windows does; RFC 4178 4.2.1 makes it optional.
 */
export function encodeInitialToken(init: { mechTypesDer: Buffer; mechToken?: Buffer }): Buffer {
  const fields = [contextExplicit(0, init.mechTypesDer)];
  if (init.mechToken) fields.push(contextExplicit(2, octetString(init.mechToken)));
  return application(0, oidDer(SPNEGO_OID), contextExplicit(0, sequence(...fields)));
}

/** NegotiationToken's negTokenResp choice: [1] NegTokenResp. Absent fields are left out. */
export function encodeNegTokenResp(resp: NegTokenResp): Buffer {
  const fields: DerTree[] = [];
  if (resp.negState !== undefined) fields.push(treeExplicit(0, enumerated(resp.negState)));
  if (resp.supportedMech !== undefined) fields.push(treeExplicit(1, oidDer(resp.supportedMech)));
  if (resp.responseToken !== undefined) fields.push(treeExplicit(2, treeOctetString(resp.responseToken)));
  if (resp.mechListMIC !== undefined) fields.push(treeExplicit(3, treeOctetString(resp.mechListMIC)));
  return encodeTree(treeExplicit(1, treeSequence(...fields)));
}

/**
 * Read an initiator's first token, or a server's NegTokenInit2 hint (MS-SPNG 2.2.1). The GSS-API
 * framing is expected; a bare [0] NegTokenInit is accepted too, as Samba and MIT accept it.
 */
export function decodeInitialToken(token: Buffer): NegTokenInit {
  return decoding('SPNEGO NegTokenInit', () => {
    let negotiationToken = parseDer(token);
    if (negotiationToken.tagClass === TagClass.Application) {
      expectTag(negotiationToken, TagClass.Application, 0, true);
      const [thisMech, inner, ...rest] = childrenOf(negotiationToken);
      if (!thisMech || !inner || rest.length > 0)
        throw new DerError('the GSS-API framing must hold two elements');
      const mech = readOid(thisMech);
      if (mech !== SPNEGO_OID) throw new DerError(`the token is for ${mechanismName(mech)}, not SPNEGO`);
      negotiationToken = inner;
    }
    if (negotiationToken.tagClass === TagClass.Context && negotiationToken.tagNumber === 1) {
      throw new DerError('a NegTokenResp came where a NegTokenInit was expected');
    }
    return readNegTokenInit(explicitContent(negotiationToken, 0));
  });
}

/**
 * NegTokenInit (RFC 4178): mechTypes [0], reqFlags [1], mechToken [2], mechListMIC [3].
 * NegTokenInit2 (MS-SPNG 2.2.1): the same, then negHints [3] (a SEQUENCE) and mechListMIC [4].
 * The two are told apart by what [3] holds.
 */
function readNegTokenInit(element: DerElement): NegTokenInit {
  const fields = contextFields(element);
  const mechTypesElement = fields.get(0);
  if (!mechTypesElement) throw new DerError('mechTypes is missing');
  const mechTypeElements = expectSequence(mechTypesElement);
  if (mechTypeElements.length === 0) throw new DerError('mechTypes is empty');
  if (mechTypeElements.length > MAX_MECH_TYPES) {
    throw new DerError(`mechTypes names ${mechTypeElements.length} mechanisms, more than ${MAX_MECH_TYPES}`);
  }
  const mechTypes = mechTypeElements.map(readOid);
  const reqFlags = fields.get(1);
  if (reqFlags) readBitString(reqFlags); // ContextFlags: checked for form, otherwise unused (RFC 4178 4.2.1).
  const result: NegTokenInit = { mechTypes, mechTypesDer: Buffer.from(mechTypesElement.encoded) };
  const mechToken = fields.get(2);
  if (mechToken) result.mechToken = Buffer.from(readOctetString(mechToken));
  const third = fields.get(3);
  const fourth = fields.get(4);
  if (third && third.tagNumber === UniversalTag.Sequence && third.tagClass === TagClass.Universal) {
    expectSequence(third); // negHints: hintName/hintAddress are advisory and ignored (MS-SPNG 3.2.5.2).
    if (fourth) result.mechListMIC = Buffer.from(readOctetString(fourth));
  } else if (third) {
    if (fourth) throw new DerError('field [4] follows a mechListMIC in [3]');
    result.mechListMIC = Buffer.from(readOctetString(third));
  } else if (fourth) {
    result.mechListMIC = Buffer.from(readOctetString(fourth));
  }
  return result;
}

/** Read a [1] NegTokenResp, the form of every token after the first (RFC 4178 4.2.2). */
export function decodeNegTokenResp(token: Buffer): NegTokenResp {
  return decoding('SPNEGO NegTokenResp', () => {
    const outer = parseDer(token);
    if (
      outer.tagClass === TagClass.Application ||
      (outer.tagClass === TagClass.Context && outer.tagNumber === 0)
    ) {
      throw new DerError('a NegTokenInit came where a NegTokenResp was expected');
    }
    const fields = contextFields(explicitContent(outer, 1));
    const result: NegTokenResp = {};
    const negState = fields.get(0);
    if (negState) {
      const value = readEnumerated(negState);
      if (value < 0 || value > 3) throw new DerError(`negState ${value} is not defined`);
      result.negState = value as NegState;
    }
    const supportedMech = fields.get(1);
    if (supportedMech) result.supportedMech = readOid(supportedMech);
    const responseToken = fields.get(2);
    if (responseToken) result.responseToken = Buffer.from(readOctetString(responseToken));
    const mechListMIC = fields.get(3);
    if (mechListMIC) result.mechListMIC = Buffer.from(readOctetString(mechListMIC));
    for (const tag of fields.keys()) if (tag > 3) throw new DerError(`NegTokenResp has no field [${tag}]`);
    return result;
  });
}
