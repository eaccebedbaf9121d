/**
 * The Kerberos mechanism's GSS-API framing (RFC 2743 3.1, RFC 4121 4.1) under both OIDs, and the
 * 0x8003 authenticator checksum (RFC 4121 4.1.1) with and without a delegated credential.
 */
import { application, oid } from '../../lib/emulated/asn1/der';
import { SspiError } from '../../lib/errors';
import {
  GssFlag,
  GssTokenId,
  KRB5_OID,
  MS_KRB5_OID,
} from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { createHash } from 'node:crypto';
import {
  channelBindingsHash,
  encodeGssChecksum,
  parseGssChecksum,
  unwrapInitialContextToken,
  wrapInitialContextToken,
} from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';

function expectInvalid(parse: () => unknown, why: RegExp): void {
  expect(parse).toThrow(SspiError);
  try {
    parse();
  } catch (err) {
    expect((err as SspiError).code).toBe('SEC_E_INVALID_TOKEN');
    expect((err as SspiError).message).toMatch(why);
  }
}

describe('InitialContextToken framing', () => {
  it('frames a token with the krb5 OID and TOK_ID, and takes it apart again', () => {
    const inner = Buffer.from('6e0100', 'hex');
    const token = wrapInitialContextToken(GssTokenId.AP_REQ, inner);
    expect(token.toString('hex')).toBe('601006092a864886f712010202' + '0100' + '6e0100');
    expect(unwrapInitialContextToken(token)).toEqual({ oid: KRB5_OID, tokId: 0x0100, inner });
  });

  it('writes long-form lengths for large tokens', () => {
    const inner = Buffer.alloc(300, 1);
    const token = wrapInitialContextToken(GssTokenId.KRB_ERROR, inner);
    expect(token.subarray(0, 4).toString('hex')).toBe('60820139');
    expect(unwrapInitialContextToken(token)).toEqual({ oid: KRB5_OID, tokId: 0x0300, inner });
  });

  it('accepts the Microsoft krb5 OID Windows answers with, and answers under it', () => {
    const token = application(0, oid(MS_KRB5_OID), Buffer.from('0200', 'hex'), Buffer.from('6f00', 'hex'));
    expect(wrapInitialContextToken(GssTokenId.AP_REP, Buffer.from('6f00', 'hex'), MS_KRB5_OID)).toEqual(
      token,
    );
    expect(() => wrapInitialContextToken(GssTokenId.AP_REP, Buffer.alloc(1), '1.3.6.1.5.5.2')).toThrow(
      TypeError,
    );
    expect(unwrapInitialContextToken(token)).toEqual({
      oid: MS_KRB5_OID,
      tokId: GssTokenId.AP_REP,
      inner: Buffer.from('6f00', 'hex'),
    });
  });

  it('refuses other mechanisms, a missing TOK_ID, another tag, trailing bytes', () => {
    const what = /The Kerberos GSS-API context token \(RFC 2743 3.1\) is malformed/;
    expectInvalid(
      () => unwrapInitialContextToken(application(0, oid('1.3.6.1.5.5.2'), Buffer.from('0100', 'hex'))),
      /1\.3\.6\.1\.5\.5\.2 is not Kerberos/,
    );
    expectInvalid(
      () => unwrapInitialContextToken(application(0, oid(KRB5_OID), Buffer.from('01', 'hex'))),
      /TOK_ID is missing/,
    );
    expectInvalid(
      () => unwrapInitialContextToken(application(1, oid(KRB5_OID), Buffer.from('0100', 'hex'))),
      what,
    );
    expectInvalid(
      () =>
        unwrapInitialContextToken(
          Buffer.concat([wrapInitialContextToken(0x100, Buffer.alloc(1)), Buffer.alloc(1)]),
        ),
      what,
    );
    expectInvalid(() => unwrapInitialContextToken(Buffer.alloc(0)), what);
    expectInvalid(() => unwrapInitialContextToken(Buffer.from('6000', 'hex')), what);
  });
});

describe('the 0x8003 authenticator checksum', () => {
  const bindingsHash = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

  it('is 24 bytes without delegation: Lgth 16, the bindings hash, little-endian flags', () => {
    const flags = GssFlag.MUTUAL | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG;
    const bytes = encodeGssChecksum({ bindingsHash, flags });
    expect(bytes.toString('hex')).toBe('10000000' + bindingsHash.toString('hex') + '3a000000');
    expect(parseGssChecksum(bytes)).toEqual({ bindingsHash, flags });
  });

  it('carries a KRB-CRED after DlgOpt 1 and Dlgth when DELEG is set, then the extensions', () => {
    const delegation = Buffer.alloc(300, 0x76);
    const extensions = Buffer.from('0000000200000000', 'hex');
    const flags = GssFlag.DELEG | GssFlag.MUTUAL | GssFlag.DCE_STYLE;
    const bytes = encodeGssChecksum({ bindingsHash, flags, delegation, extensions });
    expect(bytes.subarray(20, 28).toString('hex')).toBe('03100000' + '0100' + '2c01');
    expect(bytes).toHaveLength(28 + 300 + 8);
    expect(parseGssChecksum(bytes)).toEqual({ bindingsHash, flags, delegation, extensions });
  });

  it('reads DELEG with nothing after the flags as a flag without a credential, as MIT does', () => {
    const bytes = encodeGssChecksum({ bindingsHash, flags: GssFlag.DELEG });
    expect(parseGssChecksum(bytes)).toEqual({ bindingsHash, flags: GssFlag.DELEG });
  });

  it('keeps bytes after the flags as extensions when DELEG is not set', () => {
    const bytes = Buffer.concat([encodeGssChecksum({ bindingsHash, flags: 2 }), Buffer.from('0100')]);
    expect(parseGssChecksum(bytes).extensions).toEqual(Buffer.from('0100'));
  });

  it('refuses a short checksum, another Lgth, another DlgOpt, and a Dlgth past the end', () => {
    const what = /authenticator checksum \(RFC 4121 4.1.1\) is malformed/;
    expectInvalid(() => parseGssChecksum(Buffer.alloc(23)), what);
    const lgth = encodeGssChecksum({ bindingsHash, flags: 0 });
    lgth[0] = 17;
    expectInvalid(() => parseGssChecksum(lgth), /bindings length is 17/);
    const deleg = encodeGssChecksum({ bindingsHash, flags: 1, delegation: Buffer.alloc(4) });
    expectInvalid(() => parseGssChecksum(deleg.subarray(0, 26)), /cut short/);
    const option = Buffer.from(deleg);
    option[24] = 2;
    expectInvalid(() => parseGssChecksum(option), /option is 2/);
    expectInvalid(() => parseGssChecksum(deleg.subarray(0, 31)), /claims 4 bytes, 3 remain/);
  });

  it('refuses to write a hash of another length, or a delegation without DELEG', () => {
    expect(() => encodeGssChecksum({ bindingsHash: Buffer.alloc(15), flags: 0 })).toThrow(TypeError);
    expect(() => encodeGssChecksum({ bindingsHash, flags: 2, delegation: Buffer.alloc(1) })).toThrow(
      TypeError,
    );
  });
});

describe('channelBindingsHash', () => {
  it('is MD5 over the addresses and application data with 32-bit little-endian types and lengths', () => {
    const bindings = {
      initiatorAddrType: 2,
      initiatorAddress: Buffer.from([10, 0, 0, 1]),
      applicationData: Buffer.from('tls-server-end-point:ab'),
    };
    const layout = Buffer.concat([
      Buffer.from('02000000' + '04000000' + '0a000001', 'hex'),
      Buffer.from('00000000' + '00000000', 'hex'),
      Buffer.from('17000000', 'hex'),
      bindings.applicationData,
    ]);
    expect(channelBindingsHash(bindings)).toEqual(createHash('md5').update(layout).digest());
    expect(channelBindingsHash(undefined)).toEqual(Buffer.alloc(16));
  });
});
