/**
 * Reading what a KDC answers (RFC 4120 3.1.3, 3.3.3): the reply we asked for or a KRB-ERROR
 * (5.9.1), and the SSPI status each error code becomes. The statuses are the ones Windows'
 * Kerberos package returns for the same refusals, so code written against SSPI reads them the
 * same: a wrong password and an unknown user are both SEC_E_LOGON_DENIED (Windows does not tell
 * a caller which of the two it was), a clock out of step SEC_E_TIME_SKEW, an unknown service
 * SEC_E_TARGET_UNKNOWN.
 */
import { peerText, sspiError, type SspiError } from '../../../../errors';
import type { StatusName } from '../../../../constants';
import { KrbErrorCode } from '../messages/constants';
import { parseKdcRep } from '../messages/kdc-rep';
import { isKrbError, krbErrorName, parseKrbError } from '../messages/krb-error';
import { windowsStatusOf } from '../messages/ms-kile';
import type { KdcRep, KrbError } from '../messages/types';

/** A KDC's answer: the reply, or its refusal. */
export type KdcReply = { rep: KdcRep; error?: undefined } | { error: KrbError; rep?: undefined };

/** Parse `reply` as the `msgType` reply (11 AS-REP, 13 TGS-REP) or a KRB-ERROR; SEC_E_INVALID_TOKEN otherwise. */
export function readKdcReply(reply: Buffer, msgType: 11 | 13): KdcReply {
  if (isKrbError(reply)) return { error: parseKrbError(reply) };
  return { rep: parseKdcRep(reply, msgType) };
}

/** True for a KRB_ERR_RESPONSE_TOO_BIG: the KDC asks us to send again over TCP (RFC 4120 7.2.1). */
export function isResponseTooBig(reply: Buffer): boolean {
  if (!isKrbError(reply)) return false;
  try {
    return parseKrbError(reply).errorCode === KrbErrorCode.KRB_ERR_RESPONSE_TOO_BIG;
  } catch {
    return false; // not a KRB-ERROR after all: the exchange reports it when it reads the reply
  }
}

/** Which exchange a refusal ended, and whom it was about, for the status and the message. */
export interface RefusalContext {
  exchange: 'AS' | 'TGS';
  /** The client ('alice@REALM'). */
  client: string;
  /** The service asked for ('krbtgt/REALM@REALM', 'HTTP/web@REALM'). */
  server: string;
}

/** Error codes whose status and sentence do not depend on the exchange. */
const REFUSALS: ReadonlyMap<number, [StatusName, (c: RefusalContext) => string]> = new Map<
  number,
  [StatusName, (c: RefusalContext) => string]
>([
  [
    KrbErrorCode.KDC_ERR_PREAUTH_FAILED,
    ['SEC_E_LOGON_DENIED', (c) => `the password or key of ${c.client} is wrong`],
  ],
  [
    KrbErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN,
    [
      'SEC_E_LOGON_DENIED',
      // Windows too reports an unknown user as a failed logon, not as a separate status.
      (c) => `the KDC knows no user ${c.client} (Windows reports this as a failed logon too)`,
    ],
  ],
  [
    KrbErrorCode.KDC_ERR_CLIENT_REVOKED,
    ['SEC_E_LOGON_DENIED', (c) => `the account ${c.client} is disabled or locked out`],
  ],
  [
    KrbErrorCode.KDC_ERR_KEY_EXPIRED,
    ['SEC_E_LOGON_DENIED', (c) => `the password of ${c.client} has expired`],
  ],
  [KrbErrorCode.KDC_ERR_NAME_EXP, ['SEC_E_LOGON_DENIED', (c) => `the account ${c.client} has expired`]],
  [
    KrbErrorCode.KDC_ERR_CLIENT_NOTYET,
    ['SEC_E_LOGON_DENIED', (c) => `the account ${c.client} is not valid yet`],
  ],
  [
    KrbErrorCode.KDC_ERR_POLICY,
    ['SEC_E_LOGON_DENIED', (c) => `the realm's policy refuses ${c.client} this ticket`],
  ],
  [
    KrbErrorCode.KRB_AP_ERR_SKEW,
    ['SEC_E_TIME_SKEW', () => `this machine's clock and the KDC's differ by more than the realm allows`],
  ],
  [
    KrbErrorCode.KDC_ERR_ETYPE_NOSUPP,
    // Windows maps it to STATUS_KDC_UNKNOWN_ETYPE, which SSPI returns as SEC_E_KDC_UNKNOWN_ETYPE.
    [
      'SEC_E_KDC_UNKNOWN_ETYPE',
      (c) =>
        `the KDC has no key for ${c.exchange === 'AS' ? c.client : c.server} in an encryption type we offered`,
    ],
  ],
  [
    KrbErrorCode.KDC_ERR_SUMTYPE_NOSUPP,
    ['SEC_E_KDC_UNKNOWN_ETYPE', () => 'the KDC does not support our checksum type'],
  ],
  [
    KrbErrorCode.KDC_ERR_PADATA_TYPE_NOSUPP,
    ['SEC_E_UNSUPPORTED_PREAUTH', () => 'the KDC does not support our pre-authentication'],
  ],
  [
    KrbErrorCode.KDC_ERR_PRINCIPAL_NOT_UNIQUE,
    ['SEC_E_MULTIPLE_ACCOUNTS', (c) => `more than one account is named ${c.server}`],
  ],
  [KrbErrorCode.KDC_ERR_NULL_KEY, ['SEC_E_NO_KERB_KEY', (c) => `${c.server} has no key`]],
  [
    KrbErrorCode.KDC_ERR_SVC_UNAVAILABLE,
    ['SEC_E_NO_AUTHENTICATING_AUTHORITY', () => 'the KDC is not serving requests'],
  ],
  [
    KrbErrorCode.KDC_ERR_WRONG_REALM,
    ['SEC_E_NO_AUTHENTICATING_AUTHORITY', (c) => `${c.client} belongs to another realm`],
  ],
  [
    KrbErrorCode.KRB_AP_ERR_TKT_EXPIRED,
    ['SEC_E_CONTEXT_EXPIRED', () => 'the ticket-granting ticket has expired'],
  ],
  [
    KrbErrorCode.KRB_AP_ERR_TKT_NYV,
    ['SEC_E_TIME_SKEW', () => 'the ticket-granting ticket is not valid yet (clocks out of step?)'],
  ],
  [
    KrbErrorCode.KDC_ERR_BADOPTION,
    ['SEC_E_KDC_INVALID_REQUEST', () => 'the KDC cannot grant the options asked for'],
  ],
  [
    KrbErrorCode.KDC_ERR_CANNOT_POSTDATE,
    ['SEC_E_KDC_INVALID_REQUEST', () => 'the KDC cannot grant the times asked for'],
  ],
  [
    KrbErrorCode.KDC_ERR_NEVER_VALID,
    ['SEC_E_KDC_INVALID_REQUEST', () => 'the times asked for would never be valid'],
  ],
]);

/**
 * The SspiError a KRB-ERROR becomes (RFC 4120 7.5.9 codes), its sentence naming the code and
 * quoting the KDC's e-text short. An unknown server is SEC_E_TARGET_UNKNOWN in a TGS exchange
 * and SEC_E_NO_AUTHENTICATING_AUTHORITY in an AS exchange (the KDC does not serve the realm's
 * krbtgt: it is not this realm's KDC). Codes without a closer status are SEC_E_LOGON_DENIED:
 * the KDC refused us a ticket.
 */
export function refusalOf(error: KrbError, context: RefusalContext): SspiError {
  const code = error.errorCode;
  let status: StatusName;
  let why: string;
  const known = REFUSALS.get(code);
  if (known) {
    status = known[0];
    why = known[1](context);
  } else if (code === KrbErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN) {
    status = context.exchange === 'TGS' ? 'SEC_E_TARGET_UNKNOWN' : 'SEC_E_NO_AUTHENTICATING_AUTHORITY';
    why =
      context.exchange === 'TGS'
        ? `the KDC knows no service ${context.server}`
        : `the KDC does not serve ${context.server}: is it this realm's KDC?`;
  } else {
    status = 'SEC_E_LOGON_DENIED';
    why = 'the KDC refused the request';
  }
  const eText = error.eText ? `, "${peerText(error.eText)}"` : '';
  // A Windows KDC says more in an NTSTATUS (MS-KILE 2.2.1): STATUS_ACCOUNT_LOCKED_OUT and the like.
  const ntStatus = windowsStatusOf(error);
  const windows =
    ntStatus === undefined ? '' : `, Windows status 0x${ntStatus.toString(16).padStart(8, '0')}`;
  return sspiError(
    status,
    `Kerberos ${context.exchange} exchange for ${context.server} failed: ${why} ` +
      `(${krbErrorName(code)}${eText}${windows}).`,
  );
}
