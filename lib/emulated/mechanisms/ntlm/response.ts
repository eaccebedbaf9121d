/**
 * The NTLMv2 response (MS-NLMP 2.2.2.8): NTProofStr (16 bytes) followed by the client challenge
 * structure "temp" (2.2.2.7). Built by the initiator, taken apart and checked by the acceptor.
 */
import { parseAvPairs, type AvPair } from './avpairs';
import {
  ntProofStr,
  ntlmV2ClientChallengeLength,
  writeNtlmV2ClientChallenge,
  type ResponseKey,
} from './keys';
import { invalidToken } from './wire';

/** Length of an NTLMv1 (or NTLMv1 with ESS) NT response: 24 bytes (MS-NLMP 2.2.2.6). */
export const NTLMV1_RESPONSE_LENGTH = 24;
/** NTProofStr plus the fixed part of temp, before the AV pairs. */
const NTLMV2_FIXED_LENGTH = 16 + 28;

/** The NtChallengeResponse for NTLMv2: NTProofStr || temp (MS-NLMP 3.3.2). */
export function ntlmV2Response(
  responseKeyNT: ResponseKey,
  serverChallenge: Buffer,
  clientChallenge: Buffer,
  timestamp: Buffer,
  avPairs: Buffer,
): { response: Buffer; proof: Buffer } {
  // One allocation for NTProofStr || temp: temp is written behind room for the proof, hashed as a
  // view, and the proof copied in front, instead of a temp Buffer joined to the proof afterwards.
  const response = Buffer.allocUnsafe(16 + ntlmV2ClientChallengeLength(avPairs.length));
  writeNtlmV2ClientChallenge(response, 16, timestamp, clientChallenge, avPairs);
  const proof = ntProofStr(responseKeyNT, serverChallenge, response.subarray(16));
  proof.copy(response, 0);
  return { response, proof };
}

/** An NTLMv2 response taken apart. */
export interface ParsedNtlmV2Response {
  /** The NTProofStr the client computed. */
  proof: Buffer;
  /** Everything after NTProofStr, exactly as sent: what NTProofStr was computed over. */
  temp: Buffer;
  /** The AV pairs the client sent (the server's, plus its own MsvAvFlags, MsvAvTargetName, ...). */
  avPairs: AvPair[];
}

/**
 * Take apart an NTLMv2 response. The caller has already refused NTLMv1 (24 bytes) and empty
 * responses; anything else too short, or of another response type, is malformed. `proof` and
 * `temp` are views of `response`, not copies: the acceptor parses the private copy that
 * parseAuthenticate() made, and copying it again per handshake bought nothing.
 */
export function parseNtlmV2Response(response: Buffer): ParsedNtlmV2Response {
  if (response.length < NTLMV2_FIXED_LENGTH) throw invalidToken('the NTLMv2 response is truncated');
  const temp = response.subarray(16);
  // RespType and HiRespType are both 1 (MS-NLMP 2.2.2.7); nothing else has ever been defined.
  if (temp[0] !== 1 || temp[1] !== 1) throw invalidToken('the NTLMv2 response has an unknown version');
  return {
    proof: response.subarray(0, 16),
    temp,
    avPairs: parseAvPairs(temp.subarray(28)),
  };
}
