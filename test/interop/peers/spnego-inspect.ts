/**
 * Reads the top level of an SPNEGO NegTokenResp (RFC 4178 section 4.2.2) independently of the
 * library's own parser, so the tests can say which fields a token carries:
 *
 *   NegTokenResp ::= [1] SEQUENCE { negState [0] ENUMERATED OPTIONAL, supportedMech [1] OID OPTIONAL,
 *                                   responseToken [2] OCTET STRING OPTIONAL,
 *                                   mechListMIC [3] OCTET STRING OPTIONAL }
 */

/** The fields of one NegTokenResp, by RFC 4178 name. */
export interface NegTokenRespFields {
  negState?: number;
  supportedMech?: Buffer;
  responseToken?: Buffer;
  mechListMIC?: Buffer;
}

/** Reads one DER TLV at `offset`: tag, content bounds, and where the next TLV starts. */
function readTlv(der: Buffer, offset: number): { tag: number; start: number; end: number } {
  if (offset + 2 > der.length) throw new Error('DER: truncated header');
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || start + octets > der.length) throw new Error('DER: bad length');
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i];
    start += octets;
  }
  if (start + length > der.length) throw new Error('DER: content runs past the end');
  return { tag, start, end: start + length };
}

/** The fields of a NegTokenResp; throws if `token` is not one. */
export function negTokenResp(token: Buffer): NegTokenRespFields {
  const outer = readTlv(token, 0);
  if (outer.tag !== 0xa1) throw new Error(`not a NegTokenResp (tag 0x${outer.tag.toString(16)})`);
  const sequence = readTlv(token, outer.start);
  if (sequence.tag !== 0x30) throw new Error('NegTokenResp is not a SEQUENCE');
  const fields: NegTokenRespFields = {};
  for (let at = sequence.start; at < sequence.end;) {
    const field = readTlv(token, at);
    const inner = readTlv(token, field.start);
    const content = token.subarray(inner.start, inner.end);
    if (field.tag === 0xa0) fields.negState = content[0];
    else if (field.tag === 0xa1) fields.supportedMech = content;
    else if (field.tag === 0xa2) fields.responseToken = content;
    else if (field.tag === 0xa3) fields.mechListMIC = content;
    at = field.end;
  }
  return fields;
}

/** negState values (RFC 4178 section 4.2.2). */
export const NEG_STATE = { acceptCompleted: 0, acceptIncomplete: 1, reject: 2, requestMic: 3 } as const;

/** The raw NTLMSSP message type of a token (MS-NLMP 2.2.1), or undefined if it is not NTLMSSP. */
export function ntlmMessageType(token: Buffer): number | undefined {
  if (token.length < 12 || token.toString('latin1', 0, 8) !== 'NTLMSSP\0') return undefined;
  return token.readUInt32LE(8);
}
