import { scanRecords, TLS_RECORD_HEADER_LENGTH } from '../../lib/emulated/tls/records';
import { isSspiError } from '../../lib/errors';

function record(type: number, body: Buffer): Buffer {
  const header = Buffer.from([type, 3, 3, 0, 0]);
  header.writeUInt16BE(body.length, 3);
  return Buffer.concat([header, body]);
}

describe('scanRecords', () => {
  const a = record(22, Buffer.alloc(10, 1));
  const b = record(23, Buffer.alloc(300, 2));

  it('finds where whole records end', () => {
    expect(scanRecords(Buffer.concat([a, b]))).toEqual({ length: a.length + b.length, missing: 0 });
  });

  it('reports the bytes missing from a record cut in its body', () => {
    const input = Buffer.concat([a, b.subarray(0, 100)]);
    expect(scanRecords(input)).toEqual({ length: a.length, missing: b.length - 100 });
  });

  it('reports the header bytes missing from a record cut in its header', () => {
    expect(scanRecords(Buffer.concat([a, b.subarray(0, 2)])).missing).toBe(TLS_RECORD_HEADER_LENGTH - 2);
  });

  it.each([
    ['an unknown content type', Buffer.from([0x30, 3, 3, 0, 1, 0])],
    ['a record version that is not 3.x', Buffer.from([22, 2, 0, 0, 1, 0])],
    ['an oversized record', Buffer.from([23, 3, 3, 0xff, 0xff])],
  ])('refuses %s with SEC_E_INVALID_TOKEN', (_name, input) => {
    let caught: unknown;
    try {
      scanRecords(input);
    } catch (err) {
      caught = err;
    }
    expect(isSspiError(caught, 'SEC_E_INVALID_TOKEN')).toBe(true);
  });
});
