/**
 * The one table of KRB-ERROR codes as SSPI statuses (lib/emulated/mechanisms/kerberos/
 * krb-error-statuses.ts), walked whole: every RFC 4120 7.5.9 code we know becomes a failure
 * status SSPI defines, whether a KDC or a service sent it, through the two readers that use it.
 */
import { SEC, type StatusName } from '../../lib/constants';
import { statusOfKrbError } from '../../lib/emulated/mechanisms/kerberos/errors';
import { refusalOf } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/kdc-reply';
import { KRB_ERROR_TABLE, krbErrorRow } from '../../lib/emulated/mechanisms/kerberos/krb-error-statuses';
import { KrbErrorCode } from '../../lib/emulated/mechanisms/kerberos/messages/constants';

/** True for a SEC_E_* status SSPI defines: its severity bit set, so never SEC_E_OK nor a SEC_I_*. */
function isDefinedFailure(name: string): boolean {
  const value = (SEC as Record<string, number>)[name.replace(/^SEC_/, '')];
  return /^SEC_E_/.test(name) && value !== undefined && value >= 0x80000000;
}

const knownCodes = Object.entries(KrbErrorCode).filter(([, code]) => code !== KrbErrorCode.KDC_ERR_NONE);
const exchanges = ['AS', 'TGS'] as const;

const krbError = (errorCode: number) => ({
  errorCode,
  stime: new Date(0),
  susec: 0,
  realm: 'R',
  sname: { nameType: 2, nameString: ['krbtgt', 'R'] },
});

describe.each(knownCodes)('%s (%i)', (_, code) => {
  it('is a defined SEC_E failure when a service sends it', () => {
    expect(isDefinedFailure(statusOfKrbError(code))).toBe(true);
  });

  it.each(exchanges)(
    'is a defined SEC_E failure when a KDC refuses with it in the %s exchange',
    (exchange) => {
      const err = refusalOf(krbError(code), { exchange, client: 'alice@R', server: 'HTTP/web@R' });
      expect(isDefinedFailure(err.code)).toBe(true);
      expect(err.status).toBe(SEC[err.code.slice(4) as keyof typeof SEC]);
    },
  );
});

it('has rows only for codes RFC 4120 7.5.9 names, and none for KDC_ERR_NONE', () => {
  const known = new Set<number>(knownCodes.map(([, code]) => code));
  for (const code of KRB_ERROR_TABLE.keys()) expect(known.has(code)).toBe(true);
  expect(KRB_ERROR_TABLE.has(KrbErrorCode.KDC_ERR_NONE)).toBe(false);
});

it('every row names defined SEC_E failures in both columns', () => {
  for (const [code, { kdc, ap }] of KRB_ERROR_TABLE) {
    const statuses: StatusName[] = [...(typeof kdc === 'string' ? [kdc] : exchanges.map((e) => kdc[e])), ap];
    for (const status of statuses)
      expect([code, status, isDefinedFailure(status)]).toEqual([code, status, true]);
  }
});

it('reads a code as its sender means it where the two differ', () => {
  const C = KrbErrorCode;
  // A service that cannot decrypt the ticket: the SPN names another account.
  expect(krbErrorRow(C.KRB_AP_ERR_MODIFIED)).toMatchObject({
    kdc: 'SEC_E_LOGON_DENIED',
    ap: 'SEC_E_WRONG_PRINCIPAL',
  });
  // An unknown krbtgt in an AS exchange: not this realm's KDC.
  expect(krbErrorRow(C.KDC_ERR_S_PRINCIPAL_UNKNOWN)).toMatchObject({
    kdc: { AS: 'SEC_E_NO_AUTHENTICATING_AUTHORITY', TGS: 'SEC_E_TARGET_UNKNOWN' },
    ap: 'SEC_E_TARGET_UNKNOWN',
  });
  // A code not in the table: a refused ticket from a KDC, an internal error from a service.
  expect(krbErrorRow(12345)).toMatchObject({ kdc: 'SEC_E_LOGON_DENIED', ap: 'SEC_E_INTERNAL_ERROR' });
});
