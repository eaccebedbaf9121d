/**
 * Reading a peer's context token: the GSS InitialContextToken framing (RFC 2743 3.1, RFC 4121 4.1)
 * under either Kerberos OID (Windows offers Microsoft's), or a bare AP-REQ, AP-REP or KRB-ERROR,
 * which MIT and Windows also accept (DCE style and old peers send them unframed). Bounded: a token
 * over 64 KiB is refused before it is parsed (Windows' Kerberos MaxTokenSize is at most 65535).
 */
import { sspiError } from '../../../errors';
import { GssTokenId, KRB5_OID } from './messages/constants';
import { unwrapInitialContextToken } from './messages/gss-token';

/** The longest context token read. */
export const MAX_CONTEXT_TOKEN_LENGTH = 64 * 1024;

/** The first octet of each bare message ([APPLICATION n] constructed, RFC 4120 5.5.1, 5.5.2, 5.9.1). */
const BARE_TOKEN_IDS = new Map<number, number>([
  [0x6e, GssTokenId.AP_REQ],
  [0x6f, GssTokenId.AP_REP],
  [0x7e, GssTokenId.KRB_ERROR],
]);

/** A peer's context token: the mechanism OID it came under, its TOK_ID (GssTokenId) and the Kerberos message. */
export interface ContextToken {
  /** KRB5_OID or MS_KRB5_OID; KRB5_OID for a bare message. */
  oid: string;
  tokId: number;
  inner: Buffer;
}

/** Read `token` (`what` names it in errors); SEC_E_INVALID_TOKEN for anything else. */
export function readContextToken(token: Buffer, what: string): ContextToken {
  if (token.length > MAX_CONTEXT_TOKEN_LENGTH) {
    throw sspiError(
      'SEC_E_INVALID_TOKEN',
      `${what} is ${token.length} bytes, over the ${MAX_CONTEXT_TOKEN_LENGTH} a Kerberos token may be.`,
    );
  }
  const bare = BARE_TOKEN_IDS.get(token[0]);
  if (bare !== undefined) return { oid: KRB5_OID, tokId: bare, inner: token };
  // Either Kerberos OID; another mechanism is SEC_E_INVALID_TOKEN.
  return unwrapInitialContextToken(token);
}
