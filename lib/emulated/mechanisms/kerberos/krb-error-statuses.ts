/**
 * A KRB-ERROR's error-code (RFC 4120 7.5.9) as the SSPI status Windows' Kerberos package reports
 * for it: one row per code, with a column for each sender, since the same code reads differently
 * by who sent it.
 * - `kdc`: a KDC refused our AS or TGS request (kdc-exchange/kdc-reply.ts). Any code without a
 *   closer status is SEC_E_LOGON_DENIED: the KDC refused us a ticket. An unknown server is
 *   SEC_E_TARGET_UNKNOWN in a TGS exchange and SEC_E_NO_AUTHENTICATING_AUTHORITY in an AS exchange
 *   (the KDC does not serve the realm's krbtgt: it is not this realm's KDC). `why` says what the
 *   refusal means for the client or service asked for.
 * - `ap`: a service refused our AP-REQ (errors.ts). The AP codes say what was wrong with the token;
 *   KRB_AP_ERR_MODIFIED is SEC_E_WRONG_PRINCIPAL ("the target principal name is incorrect"): the
 *   service could not decrypt the ticket, almost always because the SPN names another account than
 *   the one whose keys the service holds. Any other code is SEC_E_INTERNAL_ERROR.
 */
import type { StatusName } from '../../../constants';
import { KrbErrorCode } from './messages/constants';

/** Which exchange a KDC's refusal ended, and whom it was about. */
export interface RefusalContext {
  exchange: 'AS' | 'TGS';
  /** The client ('alice@REALM'). */
  client: string;
  /** The service asked for ('krbtgt/REALM@REALM', 'HTTP/web@REALM'). */
  server: string;
}

/** One error-code's statuses. */
export interface KrbErrorRow {
  /** The status when a KDC refuses with the code: one, or one per exchange. */
  readonly kdc: StatusName | Readonly<Record<RefusalContext['exchange'], StatusName>>;
  /** The status when a service refuses an AP-REQ with it. */
  readonly ap: StatusName;
  /** What a KDC's refusal with the code means, for the message. */
  readonly why: (c: RefusalContext) => string;
}

const C = KrbErrorCode;
const KDC_REFUSED = (): string => 'the KDC refused the request';

function row(kdc: KrbErrorRow['kdc'], ap: StatusName, why: KrbErrorRow['why'] = KDC_REFUSED): KrbErrorRow {
  return { kdc, ap, why };
}

/** The row of every code not in the table. */
const OTHER_CODE = row('SEC_E_LOGON_DENIED', 'SEC_E_INTERNAL_ERROR');

/** Every code with a status of its own, by code. */
export const KRB_ERROR_TABLE: ReadonlyMap<number, KrbErrorRow> = new Map<number, KrbErrorRow>([
  [
    C.KDC_ERR_NAME_EXP,
    row('SEC_E_LOGON_DENIED', 'SEC_E_LOGON_DENIED', (c) => `the account ${c.client} has expired`),
  ],
  [C.KDC_ERR_SERVICE_EXP, row('SEC_E_LOGON_DENIED', 'SEC_E_TARGET_UNKNOWN')],
  [C.KDC_ERR_BAD_PVNO, row('SEC_E_LOGON_DENIED', 'SEC_E_INVALID_TOKEN')],
  [
    C.KDC_ERR_C_PRINCIPAL_UNKNOWN,
    row(
      'SEC_E_LOGON_DENIED',
      'SEC_E_LOGON_DENIED',
      // Windows too reports an unknown user as a failed logon, not as a separate status.
      (c) => `the KDC knows no user ${c.client} (Windows reports this as a failed logon too)`,
    ),
  ],
  [
    C.KDC_ERR_S_PRINCIPAL_UNKNOWN,
    row(
      { AS: 'SEC_E_NO_AUTHENTICATING_AUTHORITY', TGS: 'SEC_E_TARGET_UNKNOWN' },
      'SEC_E_TARGET_UNKNOWN',
      (c) =>
        c.exchange === 'TGS'
          ? `the KDC knows no service ${c.server}`
          : `the KDC does not serve ${c.server}: is it this realm's KDC?`,
    ),
  ],
  [
    C.KDC_ERR_PRINCIPAL_NOT_UNIQUE,
    row(
      'SEC_E_MULTIPLE_ACCOUNTS',
      'SEC_E_MULTIPLE_ACCOUNTS',
      (c) => `more than one account is named ${c.server}`,
    ),
  ],
  [C.KDC_ERR_NULL_KEY, row('SEC_E_NO_KERB_KEY', 'SEC_E_NO_KERB_KEY', (c) => `${c.server} has no key`)],
  [
    C.KDC_ERR_CANNOT_POSTDATE,
    row(
      'SEC_E_KDC_INVALID_REQUEST',
      'SEC_E_KDC_INVALID_REQUEST',
      () => 'the KDC cannot grant the times asked for',
    ),
  ],
  [
    C.KDC_ERR_NEVER_VALID,
    row(
      'SEC_E_KDC_INVALID_REQUEST',
      'SEC_E_KDC_INVALID_REQUEST',
      () => 'the times asked for would never be valid',
    ),
  ],
  [
    C.KDC_ERR_POLICY,
    row(
      'SEC_E_LOGON_DENIED',
      'SEC_E_LOGON_DENIED',
      (c) => `the realm's policy refuses ${c.client} this ticket`,
    ),
  ],
  [
    C.KDC_ERR_BADOPTION,
    row(
      'SEC_E_KDC_INVALID_REQUEST',
      'SEC_E_KDC_INVALID_REQUEST',
      () => 'the KDC cannot grant the options asked for',
    ),
  ],
  [
    C.KDC_ERR_ETYPE_NOSUPP,
    // Windows maps it to STATUS_KDC_UNKNOWN_ETYPE, which SSPI returns as SEC_E_KDC_UNKNOWN_ETYPE.
    row(
      'SEC_E_KDC_UNKNOWN_ETYPE',
      'SEC_E_KDC_UNKNOWN_ETYPE',
      (c) =>
        `the KDC has no key for ${c.exchange === 'AS' ? c.client : c.server} in an encryption type we offered`,
    ),
  ],
  [
    C.KDC_ERR_SUMTYPE_NOSUPP,
    row(
      'SEC_E_KDC_UNKNOWN_ETYPE',
      'SEC_E_KDC_UNKNOWN_ETYPE',
      () => 'the KDC does not support our checksum type',
    ),
  ],
  [
    C.KDC_ERR_PADATA_TYPE_NOSUPP,
    row(
      'SEC_E_UNSUPPORTED_PREAUTH',
      'SEC_E_UNSUPPORTED_PREAUTH',
      () => 'the KDC does not support our pre-authentication',
    ),
  ],
  [
    C.KDC_ERR_CLIENT_REVOKED,
    row(
      'SEC_E_LOGON_DENIED',
      'SEC_E_LOGON_DENIED',
      (c) => `the account ${c.client} is disabled or locked out`,
    ),
  ],
  [C.KDC_ERR_SERVICE_REVOKED, row('SEC_E_LOGON_DENIED', 'SEC_E_TARGET_UNKNOWN')],
  [C.KDC_ERR_TGT_REVOKED, row('SEC_E_LOGON_DENIED', 'SEC_E_CONTEXT_EXPIRED')],
  [
    C.KDC_ERR_CLIENT_NOTYET,
    row('SEC_E_LOGON_DENIED', 'SEC_E_LOGON_DENIED', (c) => `the account ${c.client} is not valid yet`),
  ],
  [
    C.KDC_ERR_KEY_EXPIRED,
    row('SEC_E_LOGON_DENIED', 'SEC_E_LOGON_DENIED', (c) => `the password of ${c.client} has expired`),
  ],
  [
    C.KDC_ERR_PREAUTH_FAILED,
    row('SEC_E_LOGON_DENIED', 'SEC_E_LOGON_DENIED', (c) => `the password or key of ${c.client} is wrong`),
  ],
  [C.KDC_ERR_PREAUTH_REQUIRED, row('SEC_E_LOGON_DENIED', 'SEC_E_LOGON_DENIED')],
  [C.KDC_ERR_SERVER_NOMATCH, row('SEC_E_LOGON_DENIED', 'SEC_E_WRONG_PRINCIPAL')],
  [
    C.KDC_ERR_SVC_UNAVAILABLE,
    row(
      'SEC_E_NO_AUTHENTICATING_AUTHORITY',
      'SEC_E_NO_AUTHENTICATING_AUTHORITY',
      () => 'the KDC is not serving requests',
    ),
  ],
  [C.KRB_AP_ERR_BAD_INTEGRITY, row('SEC_E_LOGON_DENIED', 'SEC_E_MESSAGE_ALTERED')],
  [
    C.KRB_AP_ERR_TKT_EXPIRED,
    row('SEC_E_CONTEXT_EXPIRED', 'SEC_E_CONTEXT_EXPIRED', () => 'the ticket-granting ticket has expired'),
  ],
  [
    C.KRB_AP_ERR_TKT_NYV,
    row(
      'SEC_E_TIME_SKEW',
      'SEC_E_TIME_SKEW',
      () => 'the ticket-granting ticket is not valid yet (clocks out of step?)',
    ),
  ],
  [C.KRB_AP_ERR_REPEAT, row('SEC_E_LOGON_DENIED', 'SEC_E_INVALID_TOKEN')],
  [C.KRB_AP_ERR_NOT_US, row('SEC_E_LOGON_DENIED', 'SEC_E_WRONG_PRINCIPAL')],
  [C.KRB_AP_ERR_BADMATCH, row('SEC_E_LOGON_DENIED', 'SEC_E_INVALID_TOKEN')],
  [
    C.KRB_AP_ERR_SKEW,
    row(
      'SEC_E_TIME_SKEW',
      'SEC_E_TIME_SKEW',
      () => `this machine's clock and the KDC's differ by more than the realm allows`,
    ),
  ],
  [C.KRB_AP_ERR_BADVERSION, row('SEC_E_LOGON_DENIED', 'SEC_E_INVALID_TOKEN')],
  [C.KRB_AP_ERR_MSG_TYPE, row('SEC_E_LOGON_DENIED', 'SEC_E_INVALID_TOKEN')],
  [C.KRB_AP_ERR_MODIFIED, row('SEC_E_LOGON_DENIED', 'SEC_E_WRONG_PRINCIPAL')],
  [C.KRB_AP_ERR_BADKEYVER, row('SEC_E_LOGON_DENIED', 'SEC_E_NO_KERB_KEY')],
  [C.KRB_AP_ERR_NOKEY, row('SEC_E_LOGON_DENIED', 'SEC_E_NO_KERB_KEY')],
  [C.KRB_AP_ERR_INAPP_CKSUM, row('SEC_E_LOGON_DENIED', 'SEC_E_INVALID_TOKEN')],
  [C.KRB_ERR_RESPONSE_TOO_BIG, row('SEC_E_LOGON_DENIED', 'SEC_E_INTERNAL_ERROR')],
  [C.KRB_ERR_GENERIC, row('SEC_E_LOGON_DENIED', 'SEC_E_INTERNAL_ERROR')],
  [
    C.KDC_ERR_WRONG_REALM,
    row(
      'SEC_E_NO_AUTHENTICATING_AUTHORITY',
      'SEC_E_NO_AUTHENTICATING_AUTHORITY',
      (c) => `${c.client} belongs to another realm`,
    ),
  ],
]);

/** The row of `errorCode`; for a code not in the table, the statuses of any other code. */
export function krbErrorRow(errorCode: number): KrbErrorRow {
  return KRB_ERROR_TABLE.get(errorCode) ?? OTHER_CODE;
}

/** The status and the reason a KDC's refusal with `errorCode` becomes in `context`. */
export function kdcRefusalOf(
  errorCode: number,
  context: RefusalContext,
): { status: StatusName; why: string } {
  const { kdc, why } = krbErrorRow(errorCode);
  return { status: typeof kdc === 'string' ? kdc : kdc[context.exchange], why: why(context) };
}
