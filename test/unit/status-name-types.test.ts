/**
 * `SspiError.code`, `statusName()` and `ContextResult.statusName` are typed as the names of the
 * SEC table (or a status's hex spelling), so a misspelt name is a compile error. The
 * `@ts-expect-error` lines are checked by `tsc -p tsconfig.json` (npm run lint): were the types
 * plain strings, those lines would compile and tsc would report the unused directives.
 */
import {
  SEC,
  SspiError,
  statusName,
  type ContextResult,
  type StatusName,
  type UnknownStatusName,
} from '../../lib';

describe('status name types', () => {
  it('an SspiError code is a name of the SEC table, or hex for a status outside it', () => {
    const known = new SspiError(SEC.E_LOGON_DENIED, 'denied');
    const code: StatusName | UnknownStatusName = known.code;
    expect(code).toBe('SEC_E_LOGON_DENIED');
    expect(new SspiError(0x80091234, 'new in some SDK').code).toBe('0x80091234');

    // @ts-expect-error a misspelt status name is not an SspiError code
    const misspelt: SspiError['code'] = 'SEC_E_LOGON_DENID';
    // @ts-expect-error nor is a bare name without its SEC_ prefix
    const unprefixed: SspiError['code'] = 'E_LOGON_DENIED';
    expect([misspelt, unprefixed]).toHaveLength(2);
  });

  it('statusName() and ContextResult.statusName have the same type', () => {
    const name: StatusName | UnknownStatusName = statusName(SEC.I_CONTINUE_NEEDED);
    expect(name).toBe('SEC_I_CONTINUE_NEEDED');
    const fromResult: ContextResult['statusName'] = name;
    // @ts-expect-error a result's statusName is not any string
    const other: ContextResult['statusName'] = 'CONTINUE';
    expect([fromResult, other]).toHaveLength(2);
  });
});
