/**
 * TSRequest.errorCode (MS-CSSP 2.2.1): the reason a server's authentication failed, sent to the
 * client for versions 3, 4 and 6. Windows sends an NTSTATUS ([MS-ERREF] 2.3); other peers send
 * an HRESULT — a SEC_E_* value itself, a Win32 error as HRESULT (0x8007xxxx), or an NTSTATUS
 * made from a Win32 error (0xC007xxxx). Each maps to the SEC_E_* status the client reports.
 */
import { SEC, type StatusName } from '../../../constants';
import { statusName } from '../../../errors';

/** NTSTATUS values ([MS-ERREF] 2.3.1) a CredSSP server reports. */
export const NTSTATUS = Object.freeze({
  STATUS_ACCESS_DENIED: 0xc0000022,
  STATUS_INVALID_PARAMETER: 0xc000000d,
  STATUS_NO_MEMORY: 0xc0000017,
  STATUS_NO_LOGON_SERVERS: 0xc000005e,
  STATUS_NO_SUCH_USER: 0xc0000064,
  STATUS_WRONG_PASSWORD: 0xc000006a,
  STATUS_LOGON_FAILURE: 0xc000006d,
  STATUS_ACCOUNT_RESTRICTION: 0xc000006e,
  STATUS_INVALID_LOGON_HOURS: 0xc000006f,
  STATUS_INVALID_WORKSTATION: 0xc0000070,
  STATUS_PASSWORD_EXPIRED: 0xc0000071,
  STATUS_ACCOUNT_DISABLED: 0xc0000072,
  STATUS_NOT_SUPPORTED: 0xc00000bb,
  STATUS_INTERNAL_ERROR: 0xc00000e5,
  STATUS_TIME_DIFFERENCE_AT_DC: 0xc0000133,
  STATUS_LOGON_TYPE_NOT_GRANTED: 0xc000015b,
  STATUS_ACCOUNT_EXPIRED: 0xc0000193,
  STATUS_PASSWORD_MUST_CHANGE: 0xc0000224,
  STATUS_ACCOUNT_LOCKED_OUT: 0xc0000234,
  STATUS_MUTUAL_AUTHENTICATION_FAILED: 0xc00002c3,
  STATUS_SMARTCARD_LOGON_REQUIRED: 0xc00002fa,
  STATUS_DOWNGRADE_DETECTED: 0xc0000388,
  STATUS_AUTHENTICATION_FIREWALL_FAILED: 0xc0000413,
} as const);

const LOGON_DENIED: StatusName = 'SEC_E_LOGON_DENIED';

/** NTSTATUS → SEC_E_*. Every account problem is a denied logon, as LSA reports it. */
const SEC_OF_NTSTATUS = new Map<number, StatusName>([
  [NTSTATUS.STATUS_ACCESS_DENIED, LOGON_DENIED],
  [NTSTATUS.STATUS_NO_SUCH_USER, LOGON_DENIED],
  [NTSTATUS.STATUS_WRONG_PASSWORD, LOGON_DENIED],
  [NTSTATUS.STATUS_LOGON_FAILURE, LOGON_DENIED],
  [NTSTATUS.STATUS_ACCOUNT_RESTRICTION, LOGON_DENIED],
  [NTSTATUS.STATUS_INVALID_LOGON_HOURS, LOGON_DENIED],
  [NTSTATUS.STATUS_INVALID_WORKSTATION, LOGON_DENIED],
  [NTSTATUS.STATUS_PASSWORD_EXPIRED, LOGON_DENIED],
  [NTSTATUS.STATUS_ACCOUNT_DISABLED, LOGON_DENIED],
  [NTSTATUS.STATUS_LOGON_TYPE_NOT_GRANTED, LOGON_DENIED],
  [NTSTATUS.STATUS_ACCOUNT_EXPIRED, LOGON_DENIED],
  [NTSTATUS.STATUS_PASSWORD_MUST_CHANGE, LOGON_DENIED],
  [NTSTATUS.STATUS_ACCOUNT_LOCKED_OUT, LOGON_DENIED],
  [NTSTATUS.STATUS_AUTHENTICATION_FIREWALL_FAILED, LOGON_DENIED],
  [NTSTATUS.STATUS_INVALID_PARAMETER, 'SEC_E_INVALID_TOKEN'],
  [NTSTATUS.STATUS_NO_MEMORY, 'SEC_E_INSUFFICIENT_MEMORY'],
  [NTSTATUS.STATUS_NO_LOGON_SERVERS, 'SEC_E_NO_AUTHENTICATING_AUTHORITY'],
  [NTSTATUS.STATUS_NOT_SUPPORTED, 'SEC_E_UNSUPPORTED_FUNCTION'],
  [NTSTATUS.STATUS_INTERNAL_ERROR, 'SEC_E_INTERNAL_ERROR'],
  [NTSTATUS.STATUS_TIME_DIFFERENCE_AT_DC, 'SEC_E_TIME_SKEW'],
  [NTSTATUS.STATUS_MUTUAL_AUTHENTICATION_FAILED, 'SEC_E_MUTUAL_AUTH_FAILED'],
  [NTSTATUS.STATUS_SMARTCARD_LOGON_REQUIRED, 'SEC_E_SMARTCARD_LOGON_REQUIRED'],
  [NTSTATUS.STATUS_DOWNGRADE_DETECTED, 'SEC_E_DOWNGRADE_DETECTED'],
]);

/** Win32 errors that mean a refused logon (ERROR_LOGON_FAILURE 1326 and its neighbours, ERROR_ACCESS_DENIED 5). */
const LOGON_WIN32_ERRORS = new Set([5, 1326, 1327, 1328, 1329, 1330, 1331, 1385, 1793, 1907, 1909]);

/** The names of the NTSTATUS values, for messages. */
const NTSTATUS_NAMES = new Map<number, string>(
  Object.entries(NTSTATUS).map(([name, value]) => [value, name]),
);

/** A readable form of an errorCode, e.g. 'STATUS_LOGON_FAILURE (0xc000006d)'. */
export function describeErrorCode(errorCode: number): string {
  const code = errorCode >>> 0;
  const hex = `0x${code.toString(16).padStart(8, '0')}`;
  const name =
    NTSTATUS_NAMES.get(code) ?? (statusName(code).startsWith('SEC_') ? statusName(code) : undefined);
  if (name) return `${name} (${hex})`;
  // HRESULT_FROM_WIN32 (0x8007xxxx) or NTSTATUS_FROM_WIN32 (0xC007xxxx) ([MS-ERREF] 2.1, 2.3).
  const severity = code >>> 30;
  if (((code >>> 16) & 0x1fff) === 7 && severity >= 2) {
    return `${hex} (Win32 error ${code & 0xffff} carried as ${severity === 3 ? 'an NTSTATUS' : 'an HRESULT'})`;
  }
  return hex;
}

/** The SEC_E_* status a client reports for the errorCode its server sent. */
export function secStatusOfErrorCode(errorCode: number): StatusName {
  const code = errorCode >>> 0;
  const known = SEC_OF_NTSTATUS.get(code);
  if (known) return known;
  // An HRESULT that is itself a SECURITY_STATUS (facility 9, 0x8009xxxx).
  const name = statusName(code);
  if (name.startsWith('SEC_E_')) return name as StatusName;
  // HRESULT_FROM_WIN32 (0x8007xxxx) or NTSTATUS_FROM_WIN32 (0xC007xxxx).
  const facility = (code >>> 16) & 0x1fff;
  if (facility === 7 && (code & 0x80000000) !== 0) {
    return LOGON_WIN32_ERRORS.has(code & 0xffff) ? LOGON_DENIED : 'SEC_E_INTERNAL_ERROR';
  }
  // Any other failure code: the server refused the logon for a reason we cannot name.
  return LOGON_DENIED;
}

/**
 * The errorCode an acceptor sends for its failure: STATUS_LOGON_FAILURE for a refused logon (what
 * Windows and FreeRDP send, and what clients turn into "wrong user name or password"), otherwise
 * the SEC_E_* value itself, which secStatusOfErrorCode reads back unchanged.
 */
export function errorCodeOfSecStatus(status: number): number {
  const unsigned = status >>> 0;
  if (unsigned === SEC.E_LOGON_DENIED) return NTSTATUS.STATUS_LOGON_FAILURE;
  if (unsigned === SEC.E_INVALID_TOKEN) return NTSTATUS.STATUS_INVALID_PARAMETER;
  if (unsigned === SEC.E_UNSUPPORTED_FUNCTION) return NTSTATUS.STATUS_NOT_SUPPORTED;
  return unsigned;
}
