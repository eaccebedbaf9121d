/**
 * What rdp-check says when a CredSSP server ends the exchange with a TSRequest errorCode
 * (MS-CSSP 2.2.1, versions 3+). The CredSSP package reports every such code with "Check the
 * user name, domain and password", which is right for STATUS_LOGON_FAILURE and its kin but
 * misleading for a code that names no logon problem — FreeRDP's server, for instance, answers
 * SPNEGO with 0xc00700ea (ERROR_MORE_DATA as an NTSTATUS). For those, say what the code is.
 */
import { SspiError } from '../errors';

/** The package's sentence for a server's errorCode: "...refused the logon: NAME (0x...). Check..." */
const SERVER_REFUSAL =
  /^The CredSSP server refused the logon: (?:(\S+) \()?0x([0-9a-f]{8})\)?\. Check the user name, domain and password\.$/;

/** Facility 7 (FACILITY_WIN32) in an HRESULT (0x8007xxxx) or an NTSTATUS (0xC007xxxx) ([MS-ERREF] 2.1, 2.3). */
const FACILITY_WIN32 = 7;

/**
 * The error to report instead of `err`, when `err` is a server's errorCode that does not mean a
 * refused user name or password; otherwise undefined (report `err` as it is).
 */
export function explainServerErrorCode(err: unknown, inner: 'ntlm' | 'spnego'): SspiError | undefined {
  if (!(err instanceof SspiError)) return undefined;
  const match = SERVER_REFUSAL.exec(err.message);
  if (!match) return undefined;
  const [, name, hex] = match;
  // A code the package reads as a denied logon (STATUS_LOGON_FAILURE, ERROR_LOGON_FAILURE as
  // an HRESULT, ...): the advice to check the account is right.
  if (err.code === 'SEC_E_LOGON_DENIED') return undefined;
  const parts = [
    `The CredSSP server ended the exchange with errorCode ${name ? `${name} (0x${hex})` : `0x${hex}`}`,
  ];
  if (!name) parts.push(win32ErrorOf(Number.parseInt(hex, 16)));
  parts.push('. That code does not say the user name, domain or password is wrong.');
  if (inner === 'spnego') parts.push(' FreeRDP servers accept only NTLM inside CredSSP: try --inner ntlm.');
  return new SspiError(err.status, parts.join(''));
}

/** ", which is Win32 error 234 carried as an NTSTATUS" for facility-7 codes, else "". */
function win32ErrorOf(code: number): string {
  if (((code >>> 16) & 0x1fff) !== FACILITY_WIN32) return '';
  // Top two bits: 0b10 an HRESULT failure (0x8007xxxx), 0b11 an NTSTATUS error (0xC007xxxx).
  const severity = code >>> 30;
  if (severity < 2) return '';
  return `, which is Win32 error ${code & 0xffff} carried as ${severity === 3 ? 'an NTSTATUS' : 'an HRESULT'}`;
}
