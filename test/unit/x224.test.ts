import {
  NEG_FAILURE,
  PROTOCOL,
  encodeConnectionConfirm,
  encodeConnectionRequest,
  negFailureName,
  parseConnectionConfirm,
  parseConnectionRequest,
  tpktPacketLength,
} from '../../lib/cli/x224';
import { SspiError } from '../../lib/errors';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Expect a parser to refuse input with SEC_E_INVALID_TOKEN, never another error type. */
function expectInvalid(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(SspiError);
  expect((thrown as SspiError).code).toBe('SEC_E_INVALID_TOKEN');
}

describe('X.224 Connection Confirm (MS-RDPBCGR 2.2.1.2)', () => {
  it('encodes the confirm selecting HYBRID as the 19 bytes of the spec', () => {
    expect(encodeConnectionConfirm({ selectedProtocol: PROTOCOL.HYBRID })).toEqual(
      hex('03 00 00 13 0e d0 00 00 12 34 00 02 00 08 00 02 00 00 00'),
    );
  });

  it('parses RDP_NEG_RSP and RDP_NEG_FAILURE', () => {
    expect(parseConnectionConfirm(hex('03 00 00 13 0e d0 00 00 12 34 00 02 1f 08 00 02 00 00 00'))).toEqual({
      kind: 'response',
      flags: 0x1f,
      selectedProtocol: PROTOCOL.HYBRID,
    });
    const failure = encodeConnectionConfirm({ failureCode: NEG_FAILURE.HYBRID_REQUIRED_BY_SERVER });
    expect(failure).toEqual(hex('03 00 00 13 0e d0 00 00 12 34 00 03 00 08 00 05 00 00 00'));
    expect(parseConnectionConfirm(failure)).toEqual({ kind: 'failure', failureCode: 5 });
    expect(negFailureName(5)).toBe('HYBRID_REQUIRED_BY_SERVER');
    expect(negFailureName(0x77)).toBe('failure code 0x77');
  });

  it('parses the confirm freerdp-shadow-cli 2.11 sends', () => {
    // Captured from `freerdp-shadow-cli /sec:nla` answering encodeConnectionRequest({requestedProtocols: 3}).
    expect(parseConnectionConfirm(hex('030000130ed000000000000203080002000000'))).toEqual({
      kind: 'response',
      flags: 0x03,
      selectedProtocol: PROTOCOL.HYBRID,
    });
  });

  it('parses a confirm without negotiation data as Standard RDP Security only', () => {
    expect(parseConnectionConfirm(hex('03 00 00 0b 06 d0 00 00 12 34 00'))).toEqual({ kind: 'none' });
  });

  it.each([
    ['a TPKT length shorter than the packet', '03 00 00 12 0e d0 00 00 12 34 00 02 00 08 00 02 00 00 00'],
    ['a length indicator that disagrees', '03 00 00 13 0d d0 00 00 12 34 00 02 00 08 00 02 00 00 00'],
    ['a Connection Request code', '03 00 00 13 0e e0 00 00 12 34 00 02 00 08 00 02 00 00 00'],
    ['a non-zero class', '03 00 00 13 0e d0 00 00 12 34 20 02 00 08 00 02 00 00 00'],
    ['a negotiation length other than 8', '03 00 00 13 0e d0 00 00 12 34 00 02 00 09 00 02 00 00 00'],
    ['an unknown negotiation type', '03 00 00 13 0e d0 00 00 12 34 00 07 00 08 00 02 00 00 00'],
    ['negotiation data of 4 bytes', '03 00 00 0f 0a d0 00 00 12 34 00 02 00 08 00'],
    ['a TPKT version other than 3', '04 00 00 13 0e d0 00 00 12 34 00 02 00 08 00 02 00 00 00'],
    ['a packet shorter than its header', '03 00 00 13 0e d0'],
  ])('refuses a confirm with %s', (_name, bytes) => {
    expectInvalid(() => parseConnectionConfirm(hex(bytes)));
  });
});

describe('X.224 Connection Request (MS-RDPBCGR 2.2.1.1)', () => {
  it('encodes the cookie and RDP_NEG_REQ asking for HYBRID and SSL', () => {
    const request = encodeConnectionRequest({
      requestedProtocols: PROTOCOL.HYBRID | PROTOCOL.SSL,
      cookie: 'alice',
    });
    const cookie = Buffer.from('Cookie: mstshash=alice\r\n', 'latin1');
    expect(request.length).toBe(11 + cookie.length + 8);
    expect(request.subarray(0, 4)).toEqual(hex(`03 00 00 ${(11 + cookie.length + 8).toString(16)}`));
    expect(request[4]).toBe(request.length - 5);
    expect(request.subarray(5, 11)).toEqual(hex('e0 00 00 00 00 00'));
    expect(request.subarray(11, 11 + cookie.length)).toEqual(cookie);
    expect(request.subarray(11 + cookie.length)).toEqual(hex('01 00 08 00 03 00 00 00'));
  });

  it('parses what it encodes, with and without a cookie', () => {
    expect(parseConnectionRequest(encodeConnectionRequest({ requestedProtocols: 3, cookie: 'bob' }))).toEqual(
      {
        cookie: 'bob',
        negotiation: { flags: 0, requestedProtocols: 3 },
      },
    );
    expect(parseConnectionRequest(encodeConnectionRequest({ requestedProtocols: 0xb }))).toEqual({
      negotiation: { flags: 0, requestedProtocols: 0xb },
    });
  });

  it('refuses to put a user name that could break the cookie line into it', () => {
    expect(() => encodeConnectionRequest({ requestedProtocols: 3, cookie: 'a\r\nb' })).toThrow(RangeError);
    expect(() => encodeConnectionRequest({ requestedProtocols: 3, cookie: 'ålice' })).toThrow(RangeError);
  });

  it('parses a routing token, a request without negotiation data and correlation info', () => {
    const token = Buffer.from('Cookie: msts=3640205228.15629.0000\r\n', 'latin1');
    const withToken = frameRequest(Buffer.concat([token, hex('01 00 08 00 02 00 00 00')]));
    expect(parseConnectionRequest(withToken)).toEqual({
      routingToken: 'Cookie: msts=3640205228.15629.0000',
      negotiation: { flags: 0, requestedProtocols: 2 },
    });
    expect(parseConnectionRequest(frameRequest(Buffer.from('Cookie: mstshash=x\r\n')))).toEqual({
      cookie: 'x',
    });
    const correlation = Buffer.concat([hex('06 00 24 00'), Buffer.alloc(32, 0x11)]);
    const withCorrelation = frameRequest(Buffer.concat([hex('01 08 08 00 03 00 00 00'), correlation]));
    expect(parseConnectionRequest(withCorrelation).negotiation).toEqual({ flags: 8, requestedProtocols: 3 });
  });

  it('parses the request xfreerdp 2.11 sends', () => {
    // Captured from `xfreerdp /u:alice +auth-only` (FreeRDP 2.11) connecting to a TCP listener.
    const captured = hex(
      '0300002b26e00000000000436f6f6b69653a206d737473686173683d616c6963650d0a0100080003000000',
    );
    expect(parseConnectionRequest(captured)).toEqual({
      cookie: 'alice',
      negotiation: { flags: 0, requestedProtocols: PROTOCOL.HYBRID | PROTOCOL.SSL },
    });
  });

  it.each([
    ['a cookie without CR LF', frameRequest(Buffer.from('Cookie: mstshash=alice'))],
    ['a truncated RDP_NEG_REQ', frameRequest(hex('01 00 08 00 03 00'))],
    ['an RDP_NEG_RSP in place of RDP_NEG_REQ', frameRequest(hex('02 00 08 00 03 00 00 00'))],
    ['trailing bytes', frameRequest(hex('01 00 08 00 03 00 00 00 ff'))],
    ['a correlation flag without correlation info', frameRequest(hex('01 08 08 00 03 00 00 00'))],
    ['a Connection Confirm code', hex('03 00 00 13 0e d0 00 00 00 00 00 01 00 08 00 03 00 00 00')],
  ])('refuses a request with %s', (_name, packet) => {
    expectInvalid(() => parseConnectionRequest(packet));
  });

  it('refuses every truncation and every single-byte corruption without another error type', () => {
    const request = encodeConnectionRequest({ requestedProtocols: 3, cookie: 'alice' });
    for (let cut = 0; cut < request.length; cut++)
      expectInvalid(() => parseConnectionRequest(request.subarray(0, cut)));
    for (let i = 0; i < request.length; i++) {
      for (const value of [0x00, 0x0d, 0x7f, 0xff]) {
        const corrupted = Buffer.from(request);
        corrupted[i] = value;
        try {
          parseConnectionRequest(corrupted);
        } catch (err) {
          expect(err).toBeInstanceOf(SspiError);
        }
      }
    }
  });
});

describe('tpktPacketLength', () => {
  it('waits for a whole header, then reports the packet length', () => {
    expect(tpktPacketLength(hex(''))).toBeUndefined();
    expect(tpktPacketLength(hex('03 00 00'))).toBeUndefined();
    expect(tpktPacketLength(hex('03 00 01 00'))).toBe(256);
  });

  it('refuses at once what is not TPKT, such as a TLS ClientHello', () => {
    expectInvalid(() => tpktPacketLength(hex('16 03 01 00 c8')));
    expectInvalid(() => tpktPacketLength(hex('03 00 00 0a')));
  });

  it('refuses at once a length longer than the 259 bytes a one-byte X.224 length indicator allows', () => {
    expect(tpktPacketLength(hex('03 00 01 03'))).toBe(259);
    expectInvalid(() => tpktPacketLength(hex('03 00 01 04')));
    expectInvalid(() => tpktPacketLength(hex('03 00 ff ff')));
  });

  it('still takes the longest Connection Request the spec allows (length indicator 254)', () => {
    const token = Buffer.from(`Cookie: msts=${'x'.repeat(254 - 6 - 13 - 2 - 8)}\r\n`, 'latin1');
    const negReq = hex('01 00 08 00 02 00 00 00');
    const packet = frameRequest(Buffer.concat([token, negReq]));
    expect(packet.length).toBe(259);
    expect(tpktPacketLength(packet)).toBe(259);
    expect(parseConnectionRequest(packet).negotiation?.requestedProtocols).toBe(PROTOCOL.HYBRID);
  });
});

/** A Connection Request around the given variable part, with consistent lengths. */
function frameRequest(variable: Buffer): Buffer {
  const header = hex('03 00 00 00 00 e0 00 00 00 00 00');
  header.writeUInt16BE(header.length + variable.length, 2);
  header[4] = header.length + variable.length - 5;
  return Buffer.concat([header, variable]);
}
