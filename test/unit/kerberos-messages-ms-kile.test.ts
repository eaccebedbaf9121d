/**
 * Windows' extended errors in a KRB-ERROR's e-data (MS-KILE 2.2.1, 2.2.2): KERB-ERROR-DATA and
 * KERB-EXT-ERROR both ways, and the NTSTATUS found in either place Windows puts it.
 */
import { encodeMethodData, encodePaData } from '../../lib/emulated/mechanisms/kerberos/messages/common';
import { KrbErrorCode, PaType } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  KerbErrorDataType,
  encodeKerbErrorData,
  encodeKerbExtError,
  parseKerbErrorData,
  parseKerbExtError,
  windowsStatusOf,
} from '../../lib/emulated/mechanisms/kerberos/messages/ms-kile';
import type { KrbError } from '../../lib/emulated/mechanisms/kerberos/messages/types';
import { SspiError } from '../../lib/errors';

const STATUS_ACCOUNT_LOCKED_OUT = 0xc0000234;
const error = (eData?: Buffer): KrbError => ({
  stime: new Date(0),
  susec: 0,
  errorCode: KrbErrorCode.KDC_ERR_CLIENT_REVOKED,
  realm: 'CORP.EXAMPLE',
  sname: { nameType: 2, nameString: ['krbtgt', 'CORP.EXAMPLE'] },
  ...(eData ? { eData } : {}),
});

describe('MS-KILE extended errors', () => {
  it('writes and reads KERB-ERROR-DATA and KERB-EXT-ERROR', () => {
    const ext = encodeKerbExtError({ status: STATUS_ACCOUNT_LOCKED_OUT, flags: 1 });
    expect(ext.toString('hex')).toBe('340200c0' + '00000000' + '01000000');
    expect(parseKerbExtError(ext)).toEqual({ status: STATUS_ACCOUNT_LOCKED_OUT, flags: 1 });
    const data = { dataType: KerbErrorDataType.EXTENDED, dataValue: ext };
    expect(parseKerbErrorData(encodeKerbErrorData(data))).toEqual(data);
    const skew = { dataType: KerbErrorDataType.SKEW_RECOVERY };
    expect(parseKerbErrorData(encodeKerbErrorData(skew))).toEqual(skew);
    expect(() => parseKerbExtError(Buffer.alloc(11))).toThrow(SspiError);
    expect(() => parseKerbErrorData(Buffer.from('3000', 'hex'))).toThrow(/KERB-ERROR-DATA is malformed/);
  });

  it('finds the NTSTATUS in a KERB-ERROR-DATA or in a METHOD-DATA PA-PW-SALT', () => {
    const ext = encodeKerbExtError({ status: STATUS_ACCOUNT_LOCKED_OUT, flags: 1 });
    const asErrorData = encodeKerbErrorData({ dataType: KerbErrorDataType.EXTENDED, dataValue: ext });
    expect(windowsStatusOf(error(asErrorData))).toBe(STATUS_ACCOUNT_LOCKED_OUT);
    const asPwSalt = encodeMethodData([
      { padataType: PaType.ETYPE_INFO2, padataValue: Buffer.from('3000', 'hex') },
      { padataType: PaType.PW_SALT, padataValue: ext },
    ]);
    expect(windowsStatusOf(error(asPwSalt))).toBe(STATUS_ACCOUNT_LOCKED_OUT);
  });

  it('gives undefined for e-data of any other shape, and without e-data', () => {
    const others = [
      undefined,
      encodeMethodData([{ padataType: PaType.PW_SALT, padataValue: Buffer.from('CORP.EXAMPLEalice') }]),
      encodeKerbErrorData({ dataType: KerbErrorDataType.SKEW_RECOVERY }),
      encodeKerbErrorData({ dataType: KerbErrorDataType.EXTENDED, dataValue: Buffer.alloc(3) }),
      encodeKerbErrorData({
        dataType: KerbErrorDataType.EXTENDED,
        dataValue: encodeKerbExtError({ status: STATUS_ACCOUNT_LOCKED_OUT, flags: 0 }),
      }),
      encodePaData({ padataType: 3, padataValue: Buffer.alloc(12) }),
      Buffer.from('not DER at all'),
    ];
    for (const eData of others) expect(windowsStatusOf(error(eData))).toBeUndefined();
  });
});
