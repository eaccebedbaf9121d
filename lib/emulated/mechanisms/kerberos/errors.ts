/**
 * Kerberos failures as SSPI statuses. Two directions:
 * - a KRB-ERROR a service sent us in the AP exchange: {@link sspiErrorOfKrbError} maps its
 *   error-code (RFC 4120 7.5.9) to the SEC_E_* status Windows' Kerberos package reports for it
 *   (krb-error-statuses.ts, the table a KDC's refusals are read by too), quoting its e-text short;
 * - a failure of our own acceptor: {@link ApFailure} carries both the status our caller sees and
 *   the error-code the KRB-ERROR we send back names.
 * Anything else a Kerberos exchange throws (a DerError from a codec, a KerberosCryptoError) is
 * turned into an SspiError by {@link asSspiError} at the mechanism's boundary.
 */
import { DerError } from '../../asn1/der-error';
import { SspiError, peerText, sspiError, statusOf } from '../../../errors';
import type { StatusName } from '../../../constants';
import { KerberosCryptoError } from './crypto/crypto-error';
import { krbErrorRow } from './krb-error-statuses';
import { krbErrorName } from './messages/krb-error';
import { windowsStatusOf } from './messages/ms-kile';
import type { KrbError } from './messages/types';

/** The status Windows reports for a KRB-ERROR a service sent: krb-error-statuses.ts' `ap` column. */
export function statusOfKrbError(errorCode: number): StatusName {
  return krbErrorRow(errorCode).ap;
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
  const err = sspiError(
    statusOfKrbError(error.errorCode),
    `${from} refused with ${krbErrorName(error.errorCode)}${ntStatus}${eText}.`,
  );
  if (windowsStatus !== undefined) err.peerStatus = windowsStatus >>> 0;
  return err;
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
