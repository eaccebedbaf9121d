/**
 * Kerberos failures as SSPI statuses (lib/emulated/mechanisms/kerberos/errors.ts): a peer's
 * KRB-ERROR by its code, its e-text quoted short and defused; codec and cryptosystem errors at
 * the mechanism's boundary.
 */
import { DerError } from '../../lib/emulated/asn1/der-error';
import { KerberosCryptoError } from '../../lib/emulated/mechanisms/kerberos/crypto/crypto-error';
import {
  ApFailure,
  asSspiError,
  sspiErrorOfKrbError,
  statusOfKrbError,
} from '../../lib/emulated/mechanisms/kerberos/errors';
import { KrbErrorCode } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  KerbErrorDataType,
  encodeKerbErrorData,
  encodeKerbExtError,
} from '../../lib/emulated/mechanisms/kerberos/messages/ms-kile';
import { SspiError, sspiError } from '../../lib/errors';

const C = KrbErrorCode;

describe('statusOfKrbError', () => {
  it.each([
    [C.KDC_ERR_PREAUTH_FAILED, 'SEC_E_LOGON_DENIED'],
    [C.KDC_ERR_C_PRINCIPAL_UNKNOWN, 'SEC_E_LOGON_DENIED'],
    [C.KDC_ERR_S_PRINCIPAL_UNKNOWN, 'SEC_E_TARGET_UNKNOWN'],
    [C.KDC_ERR_ETYPE_NOSUPP, 'SEC_E_KDC_UNKNOWN_ETYPE'],
    [C.KRB_AP_ERR_SKEW, 'SEC_E_TIME_SKEW'],
    [C.KRB_AP_ERR_TKT_EXPIRED, 'SEC_E_CONTEXT_EXPIRED'],
    [C.KRB_AP_ERR_REPEAT, 'SEC_E_INVALID_TOKEN'],
    [C.KRB_AP_ERR_BAD_INTEGRITY, 'SEC_E_MESSAGE_ALTERED'],
    // Windows: "the target principal name is incorrect" — the service could not decrypt the ticket.
    [C.KRB_AP_ERR_MODIFIED, 'SEC_E_WRONG_PRINCIPAL'],
    [C.KRB_AP_ERR_NOKEY, 'SEC_E_NO_KERB_KEY'],
    [C.KRB_ERR_GENERIC, 'SEC_E_INTERNAL_ERROR'],
    [12345, 'SEC_E_INTERNAL_ERROR'],
  ])('%i → %s', (code, status) => {
    expect(statusOfKrbError(code)).toBe(status);
  });
});

describe('sspiErrorOfKrbError', () => {
  const base = {
    stime: new Date(0),
    susec: 0,
    realm: 'R',
    sname: { nameType: 2, nameString: ['krbtgt', 'R'] },
  };

  it('names the code and quotes the e-text', () => {
    const err = sspiErrorOfKrbError(
      { ...base, errorCode: C.KRB_AP_ERR_SKEW, eText: 'Clock skew too great' },
      'The service',
    );
    expect(err.code).toBe('SEC_E_TIME_SKEW');
    expect(err.message).toBe('The service refused with KRB_AP_ERR_SKEW (37): “Clock skew too great”.');
  });

  it('names the NTSTATUS a Windows KDC put in the e-data (KERB-ERROR-DATA, EXTENDED)', () => {
    const eData = encodeKerbErrorData({
      dataType: KerbErrorDataType.EXTENDED,
      dataValue: encodeKerbExtError({ status: 0xc0000072, flags: 1 }),
    });
    const err = sspiErrorOfKrbError({ ...base, errorCode: C.KDC_ERR_CLIENT_REVOKED, eData }, 'The KDC');
    expect(err.code).toBe('SEC_E_LOGON_DENIED');
    expect(err.message).toBe('The KDC refused with KDC_ERR_CLIENT_REVOKED (18) (NTSTATUS 0xc0000072).');
  });

  it('cuts a long e-text and escapes control characters', () => {
    const err = sspiErrorOfKrbError(
      { ...base, errorCode: C.KDC_ERR_POLICY, eText: '\u001b[2J' + 'y'.repeat(500) },
      'The KDC',
    );
    expect(err.message).toContain('\\u001b[2J');
    expect(err.message).not.toContain('\u001b');
    expect(err.message.length).toBeLessThan(160);
  });
});

describe('asSspiError', () => {
  it('keeps an SspiError as it is', () => {
    const err = sspiError('SEC_E_TIME_SKEW', 'x');
    expect(asSspiError(err, 'The AP-REQ')).toBe(err);
  });

  it.each([
    [new DerError('bad length', 3), 'SEC_E_INVALID_TOKEN'],
    [new KerberosCryptoError('integrity', 'mac'), 'SEC_E_MESSAGE_ALTERED'],
    [new KerberosCryptoError('malformed', 'short'), 'SEC_E_INVALID_TOKEN'],
    [new KerberosCryptoError('unsupported', 'etype 1'), 'SEC_E_ALGORITHM_MISMATCH'],
    [new KerberosCryptoError('bad-key', 'length'), 'SEC_E_INTERNAL_ERROR'],
  ])('%s → %s', (err, status) => {
    const mapped = asSspiError(err, 'The AP-REP', 'SEC_E_MESSAGE_ALTERED');
    expect(mapped).toBeInstanceOf(SspiError);
    expect((mapped as SspiError).code).toBe(status);
    expect((mapped as SspiError).message).toMatch(/^The AP-REP /);
  });

  it('passes anything else through', () => {
    const bug = new TypeError('a bug');
    expect(asSspiError(bug, 'x')).toBe(bug);
  });
});

it('ApFailure carries the status and the KRB-ERROR code', () => {
  const err = new ApFailure('SEC_E_TIME_SKEW', C.KRB_AP_ERR_SKEW, 'skewed');
  expect(err).toBeInstanceOf(SspiError);
  expect(err.code).toBe('SEC_E_TIME_SKEW');
  expect(err.status).toBe(0x80090324);
  expect(err.krbErrorCode).toBe(37);
});
