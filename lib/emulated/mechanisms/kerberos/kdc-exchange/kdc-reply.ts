/**
 * Reading what a KDC answers (RFC 4120 3.1.3, 3.3.3): the reply we asked for or a KRB-ERROR
 * (5.9.1), and the SspiError a refusal becomes. The statuses (krb-error-statuses.ts) are the ones
 * Windows' Kerberos package returns for the same refusals, so code written against SSPI reads them the
 * same: a wrong password and an unknown user are both SEC_E_LOGON_DENIED (Windows does not tell
 * a caller which of the two it was), a clock out of step SEC_E_TIME_SKEW, an unknown service
 * SEC_E_TARGET_UNKNOWN.
 */
import { peerText, sspiError, type SspiError } from '../../../../errors';
import { kdcRefusalOf, type RefusalContext } from '../krb-error-statuses';
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

/**
 * The SspiError a KRB-ERROR becomes (RFC 4120 7.5.9 codes; the status from the `kdc` column of
 * krb-error-statuses.ts), its sentence naming the code and quoting the KDC's e-text short.
 */
export function refusalOf(error: KrbError, context: RefusalContext): SspiError {
  const code = error.errorCode;
  const { status, why } = kdcRefusalOf(code, context);
  const eText = error.eText ? `, "${peerText(error.eText)}"` : '';
  // A Windows KDC says more in an NTSTATUS (MS-KILE 2.2.1): STATUS_ACCOUNT_LOCKED_OUT and the like.
  const ntStatus = windowsStatusOf(error);
  const windows =
    ntStatus === undefined ? '' : `, Windows status 0x${ntStatus.toString(16).padStart(8, '0')}`;
  const err = sspiError(
    status,
    `Kerberos ${context.exchange} exchange for ${context.server} failed: ${why} ` +
      `(${krbErrorName(code)}${eText}${windows}).`,
  );
  if (ntStatus !== undefined) err.peerStatus = ntStatus >>> 0;
  return err;
}
