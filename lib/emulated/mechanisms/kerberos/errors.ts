/**
 * Kerberos failures as SSPI statuses. Two directions:
 * - a KRB-ERROR a peer (an acceptor, a KDC) sent us: {@link sspiErrorOfKrbError} maps its
 *   error-code (RFC 4120 7.5.9) to the SEC_E_* status Windows' Kerberos package reports for it,
 *   quoting the peer's e-text short;
 * - a failure of our own acceptor: {@link ApFailure} carries both the status our caller sees and
 *   the error-code the KRB-ERROR we send back names.
 * Anything else a Kerberos exchange throws (a DerError from a codec, a KerberosCryptoError) is
 * turned into an SspiError by {@link asSspiError} at the mechanism's boundary.
 */
import { DerError } from '../../asn1/der-error';
import { SspiError, peerText, sspiError, statusOf } from '../../../errors';
import type { StatusName } from '../../../constants';
import { KerberosCryptoError } from './crypto/crypto-error';
import { KrbErrorCode } from './messages/constants';
import { krbErrorName } from './messages/krb-error';
import { windowsStatusOf } from './messages/ms-kile';
import type { KrbError } from './messages/types';

const C = KrbErrorCode;

/**
 * error-code → status, as Windows' Kerberos client reports a peer's or a KDC's KRB-ERROR.
 * KRB_AP_ERR_MODIFIED is SEC_E_WRONG_PRINCIPAL on a Windows client ("the target principal name is
 * incorrect"): the service could not decrypt the ticket, almost always because the SPN names
 * another account than the one whose keys the service holds.
 */
const STATUS_OF_KRB_ERROR = new Map<number, StatusName>([
  [C.KDC_ERR_NAME_EXP, 'SEC_E_LOGON_DENIED'],
  [C.KDC_ERR_SERVICE_EXP, 'SEC_E_TARGET_UNKNOWN'],
  [C.KDC_ERR_BAD_PVNO, 'SEC_E_INVALID_TOKEN'],
  [C.KDC_ERR_C_PRINCIPAL_UNKNOWN, 'SEC_E_LOGON_DENIED'],
  [C.KDC_ERR_S_PRINCIPAL_UNKNOWN, 'SEC_E_TARGET_UNKNOWN'],
  [C.KDC_ERR_PRINCIPAL_NOT_UNIQUE, 'SEC_E_TOO_MANY_PRINCIPALS'],
  [C.KDC_ERR_NULL_KEY, 'SEC_E_NO_KERB_KEY'],
  [C.KDC_ERR_POLICY, 'SEC_E_LOGON_DENIED'],
  [C.KDC_ERR_BADOPTION, 'SEC_E_KDC_INVALID_REQUEST'],
  [C.KDC_ERR_ETYPE_NOSUPP, 'SEC_E_KDC_UNKNOWN_ETYPE'],
  [C.KDC_ERR_SUMTYPE_NOSUPP, 'SEC_E_KDC_UNKNOWN_ETYPE'],
  [C.KDC_ERR_PADATA_TYPE_NOSUPP, 'SEC_E_UNSUPPORTED_PREAUTH'],
  [C.KDC_ERR_CLIENT_REVOKED, 'SEC_E_LOGON_DENIED'],
  [C.KDC_ERR_SERVICE_REVOKED, 'SEC_E_TARGET_UNKNOWN'],
  [C.KDC_ERR_TGT_REVOKED, 'SEC_E_CONTEXT_EXPIRED'],
  [C.KDC_ERR_CLIENT_NOTYET, 'SEC_E_LOGON_DENIED'],
  [C.KDC_ERR_KEY_EXPIRED, 'SEC_E_LOGON_DENIED'],
  [C.KDC_ERR_PREAUTH_FAILED, 'SEC_E_LOGON_DENIED'],
  [C.KDC_ERR_PREAUTH_REQUIRED, 'SEC_E_LOGON_DENIED'],
  [C.KDC_ERR_SERVER_NOMATCH, 'SEC_E_WRONG_PRINCIPAL'],
  [C.KDC_ERR_SVC_UNAVAILABLE, 'SEC_E_NO_AUTHENTICATING_AUTHORITY'],
  [C.KRB_AP_ERR_BAD_INTEGRITY, 'SEC_E_MESSAGE_ALTERED'],
  [C.KRB_AP_ERR_TKT_EXPIRED, 'SEC_E_CONTEXT_EXPIRED'],
  [C.KRB_AP_ERR_TKT_NYV, 'SEC_E_TIME_SKEW'],
  [C.KRB_AP_ERR_REPEAT, 'SEC_E_INVALID_TOKEN'],
  [C.KRB_AP_ERR_NOT_US, 'SEC_E_WRONG_PRINCIPAL'],
  [C.KRB_AP_ERR_BADMATCH, 'SEC_E_INVALID_TOKEN'],
  [C.KRB_AP_ERR_SKEW, 'SEC_E_TIME_SKEW'],
  [C.KRB_AP_ERR_BADVERSION, 'SEC_E_INVALID_TOKEN'],
  [C.KRB_AP_ERR_MSG_TYPE, 'SEC_E_INVALID_TOKEN'],
  [C.KRB_AP_ERR_MODIFIED, 'SEC_E_WRONG_PRINCIPAL'],
  [C.KRB_AP_ERR_BADKEYVER, 'SEC_E_NO_KERB_KEY'],
  [C.KRB_AP_ERR_NOKEY, 'SEC_E_NO_KERB_KEY'],
  [C.KRB_AP_ERR_INAPP_CKSUM, 'SEC_E_INVALID_TOKEN'],
  [C.KRB_ERR_RESPONSE_TOO_BIG, 'SEC_E_INTERNAL_ERROR'],
  [C.KRB_ERR_GENERIC, 'SEC_E_INTERNAL_ERROR'],
]);

/** The status Windows reports for a KRB-ERROR's error-code; SEC_E_INTERNAL_ERROR for any other. */
export function statusOfKrbError(errorCode: number): StatusName {
  return STATUS_OF_KRB_ERROR.get(errorCode) ?? 'SEC_E_INTERNAL_ERROR';
}

/**
 * The SspiError for a KRB-ERROR `from` sent ('The service', 'The KDC'): its code's name, the
 * NTSTATUS a Windows KDC or service put in its e-data (MS-KILE 2.2.1, 2.2.2: what tells a
 * disabled account from a wrong password), and its e-text, short.
 */
export function sspiErrorOfKrbError(error: KrbError, from: string): SspiError {
  const windowsStatus = windowsStatusOf(error);
  const ntStatus =
    windowsStatus === undefined ? '' : ` (NTSTATUS 0x${(windowsStatus >>> 0).toString(16).padStart(8, '0')})`;
  const eText = error.eText ? `: “${peerText(error.eText)}”` : '';
  return sspiError(
    statusOfKrbError(error.errorCode),
    `${from} refused with ${krbErrorName(error.errorCode)}${ntStatus}${eText}.`,
  );
}

/**
 * A refusal by our acceptor: the status for our caller, and the error-code (RFC 4120 7.5.9) of
 * the KRB-ERROR the initiator is sent.
 */
export class ApFailure extends SspiError {
  /** The KRB-ERROR error-code to send. */
  readonly krbErrorCode: number;

  constructor(status: StatusName, krbErrorCode: number, message: string) {
    super(statusOf(status), message);
    this.krbErrorCode = krbErrorCode;
  }
}

/**
 * Any failure inside a Kerberos exchange as an SspiError: an SspiError as it is; a codec's DerError
 * as SEC_E_INVALID_TOKEN naming `what` failed to parse; a KerberosCryptoError by its reason
 * (`integrity`: `tampered`, the status the caller chose for altered bytes at that point).
 */
export function asSspiError(
  err: unknown,
  what: string,
  tampered: StatusName = 'SEC_E_INVALID_TOKEN',
): unknown {
  if (err instanceof SspiError) return err;
  if (err instanceof DerError)
    return sspiError('SEC_E_INVALID_TOKEN', `${what} is malformed: ${err.message}.`);
  if (err instanceof KerberosCryptoError) {
    switch (err.reason) {
      case 'integrity':
        return sspiError(
          tampered,
          `${what} does not decrypt or verify: it was altered, or made with another key.`,
        );
      case 'malformed':
        return sspiError('SEC_E_INVALID_TOKEN', `${what} is malformed: ${err.message}.`);
      case 'unsupported':
        return sspiError(
          'SEC_E_ALGORITHM_MISMATCH',
          `${what} uses what this side does not support: ${err.message}.`,
        );
      default:
        return sspiError('SEC_E_INTERNAL_ERROR', `${what} could not be processed: ${err.message}.`);
    }
  }
  return err;
}
