/**
 * Every way the AP exchange refuses (RFC 4120 3.2.3, 3.2.5): the status each side reports, the
 * KRB-ERROR the acceptor sends back and what our initiator makes of it, and hostile bytes that
 * must give SEC_E_INVALID_TOKEN and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { SspiError } from '../../lib/errors';
import { KerberosInitiator } from '../../lib/emulated/mechanisms/kerberos/initiator';
import { KerberosAcceptor } from '../../lib/emulated/mechanisms/kerberos/acceptor';
import { ReplayCache } from '../../lib/emulated/mechanisms/kerberos/replay-cache';
import { MAX_CONTEXT_TOKEN_LENGTH } from '../../lib/emulated/mechanisms/kerberos/token-framing';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import {
  ApOption,
  GSS_CHECKSUM_TYPE,
  GssFlag,
  GssTokenId,
  KRB5_OID,
  KrbErrorCode,
} from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  encodeGssChecksum,
  unwrapInitialContextToken,
  wrapInitialContextToken,
} from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';
import { encodeKrbError, parseKrbError } from '../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import {
  encodeApRep,
  encodeApReq,
  encodeAuthenticator,
  encodeEncApRepPart,
  parseApRep,
  parseApReq,
  parseAuthenticator,
} from '../../lib/emulated/mechanisms/kerberos/messages/ap';
import type { Authenticator } from '../../lib/emulated/mechanisms/kerberos/messages/types';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import {
  CNAME,
  NOW,
  SNAME,
  REALM,
  flipped,
  issueTicket,
  makePair,
  makeService,
  thrown,
} from './support/kerberos-ap';

const MUTUAL = GssFlag.MUTUAL | GssFlag.INTEG | GssFlag.CONF;
const AES = Enctype.AES256_CTS_HMAC_SHA1_96;

/** The error-code of the KRB-ERROR an acceptor's failure carries. */
function krbErrorCodeOf(err: { output?: Buffer }): number {
  const framed = unwrapInitialContextToken(err.output!);
  expect(framed.tokId).toBe(GssTokenId.KRB_ERROR);
  return parseKrbError(framed.inner).errorCode;
}

/** The acceptor's refusal of `token`, checked for its status and KRB-ERROR; and what the initiator reports of it. */
function refusal(acceptor: KerberosAcceptor, token: Buffer, status: string, krbCode: number) {
  const err = thrown(() => acceptor.step(token));
  expect(err).toBeInstanceOf(SspiError);
  expect(err.code).toBe(status);
  expect(krbErrorCodeOf(err)).toBe(krbCode);
  return err;
}

/** A framed token under Microsoft's Kerberos OID: 2a 86 48 86 f7 12 … becomes 2a 86 48 82 f7 12 …. */
function withMicrosoftOid(token: Buffer): Buffer {
  const copy = Buffer.from(token);
  const at = copy.indexOf(Buffer.from('2a864886f712', 'hex'));
  copy[at + 3] = 0x82;
  expect(unwrapInitialContextToken(copy).oid).toBe('1.2.840.48018.1.2.2');
  return copy;
}

/** Where `needle` sits in `haystack` (for flipping a byte of one part of a token). */
function offsetOf(haystack: Buffer, needle: Buffer): number {
  const at = haystack.indexOf(needle);
  expect(at).toBeGreaterThan(0);
  return at;
}

describe('the acceptor refuses', () => {
  const service = makeService(AES);

  it('a tampered ticket: SEC_E_INVALID_TOKEN, KRB_AP_ERR_MODIFIED; the initiator then reports SEC_E_WRONG_PRINCIPAL', () => {
    const { initiator, acceptor, ticket } = makePair(service, MUTUAL);
    const token = initiator.step(null).output;
    const at = offsetOf(token, ticket.encPart.cipher) + 20;
    const err = refusal(
      acceptor,
      flipped(token, at),
      'SEC_E_INVALID_TOKEN',
      KrbErrorCode.KRB_AP_ERR_MODIFIED,
    );
    expect(thrown(() => initiator.step(err.output!)).code).toBe('SEC_E_WRONG_PRINCIPAL');
  });

  it('a ticket under another key of the same kvno (wrong key): KRB_AP_ERR_MODIFIED', () => {
    const impostor = makeService(AES);
    const { initiator, acceptor } = makePair(impostor, MUTUAL, { acceptor: { keys: service.keys } });
    refusal(acceptor, initiator.step(null).output, 'SEC_E_INVALID_TOKEN', KrbErrorCode.KRB_AP_ERR_MODIFIED);
  });

  it('a ticket for a service it has no key for: SEC_E_NO_KERB_KEY, KRB_AP_ERR_NOKEY', () => {
    const other = makeService(AES, { nameType: 2, nameString: ['HTTP', 'other.example.test'] });
    const { initiator, acceptor } = makePair(other, MUTUAL, { acceptor: { keys: service.keys } });
    const err = refusal(
      acceptor,
      initiator.step(null).output,
      'SEC_E_NO_KERB_KEY',
      KrbErrorCode.KRB_AP_ERR_NOKEY,
    );
    expect(err.message).toContain('HTTP/other.example.test');
  });

  it('a ticket naming a service at length: the message quotes its name short', () => {
    const long = makeService(AES, { nameType: 2, nameString: ['HTTP', 'h'.repeat(1000)] });
    const { initiator, acceptor } = makePair(long, MUTUAL, { acceptor: { keys: service.keys } });
    const err = refusal(
      acceptor,
      initiator.step(null).output,
      'SEC_E_NO_KERB_KEY',
      KrbErrorCode.KRB_AP_ERR_NOKEY,
    );
    expect(err.message.length).toBeLessThan(250);
  });

  it('a ticket of a kvno it does not hold: KRB_AP_ERR_BADKEYVER', () => {
    const rotated = { ...service, kvno: 4 };
    const { initiator, acceptor } = makePair(rotated, MUTUAL);
    refusal(acceptor, initiator.step(null).output, 'SEC_E_NO_KERB_KEY', KrbErrorCode.KRB_AP_ERR_BADKEYVER);
  });

  it('a tampered authenticator: SEC_E_MESSAGE_ALTERED, KRB_AP_ERR_BAD_INTEGRITY', () => {
    const { initiator, acceptor } = makePair(service, MUTUAL);
    const token = initiator.step(null).output;
    const apReq = parseApReq(unwrapInitialContextToken(token).inner);
    const at = offsetOf(token, apReq.authenticator.cipher) + 5;
    refusal(acceptor, flipped(token, at), 'SEC_E_MESSAGE_ALTERED', KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY);
  });

  it('a replayed AP-REQ, also at another acceptor sharing the cache: KRB_AP_ERR_REPEAT', () => {
    const replayCache = new ReplayCache();
    const { initiator, acceptor } = makePair(service, MUTUAL, { acceptor: { replayCache } });
    const token = initiator.step(null).output;
    acceptor.step(token);
    const again = new KerberosAcceptor({ keys: service.keys, replayCache, now: () => NOW });
    const err = refusal(again, token, 'SEC_E_INVALID_TOKEN', KrbErrorCode.KRB_AP_ERR_REPEAT);
    expect(err.message).toMatch(/replay/);
  });

  it.each([
    ['ahead', 6 * 60_000],
    ['behind', -6 * 60_000],
  ])('a client clock 6 minutes %s: SEC_E_TIME_SKEW on both sides', (_name, offset) => {
    const { initiator, acceptor } = makePair(service, MUTUAL, {
      initiator: { now: () => new Date(NOW.getTime() + offset) },
    });
    const err = refusal(
      acceptor,
      initiator.step(null).output,
      'SEC_E_TIME_SKEW',
      KrbErrorCode.KRB_AP_ERR_SKEW,
    );
    expect(thrown(() => initiator.step(err.output!)).code).toBe('SEC_E_TIME_SKEW');
  });

  it('a client clock 4 minutes off is within the default skew', () => {
    const { initiator, acceptor } = makePair(service, MUTUAL, {
      initiator: { now: () => new Date(NOW.getTime() - 4 * 60_000) },
    });
    initiator.step(acceptor.step(initiator.step(null).output).output);
    expect(initiator.complete).toBe(true);
  });

  it('an expired ticket: SEC_E_CONTEXT_EXPIRED on both sides', () => {
    const { initiator, acceptor } = makePair(service, MUTUAL, {
      ticket: {
        authtime: new Date(NOW.getTime() - 11 * 3600_000),
        endtime: new Date(NOW.getTime() - 3600_000),
      },
    });
    const err = refusal(
      acceptor,
      initiator.step(null).output,
      'SEC_E_CONTEXT_EXPIRED',
      KrbErrorCode.KRB_AP_ERR_TKT_EXPIRED,
    );
    expect(thrown(() => initiator.step(err.output!)).code).toBe('SEC_E_CONTEXT_EXPIRED');
  });

  it('a ticket not yet valid: KRB_AP_ERR_TKT_NYV', () => {
    const { initiator, acceptor } = makePair(service, MUTUAL, {
      ticket: { starttime: new Date(NOW.getTime() + 3600_000) },
    });
    refusal(acceptor, initiator.step(null).output, 'SEC_E_TIME_SKEW', KrbErrorCode.KRB_AP_ERR_TKT_NYV);
  });

  it('an authenticator naming another client than the ticket: KRB_AP_ERR_BADMATCH', () => {
    const { ticket, sessionKey } = issueTicket(service);
    const initiator = new KerberosInitiator({
      ticket,
      sessionKey,
      cname: { nameType: 1, nameString: ['mallory'] },
      crealm: REALM,
      flags: MUTUAL,
      now: () => NOW,
    });
    const acceptor = new KerberosAcceptor({
      keys: service.keys,
      replayCache: new ReplayCache(),
      now: () => NOW,
    });
    refusal(acceptor, initiator.step(null).output, 'SEC_E_INVALID_TOKEN', KrbErrorCode.KRB_AP_ERR_BADMATCH);
  });

  it('takes the Microsoft Kerberos OID and a bare AP-REQ as well, and answers under the same OID', () => {
    for (const reframe of [
      // 1.2.840.48018.1.2.2 differs from 1.2.840.113554.1.2.2 in one octet of the same length.
      (inner: Buffer) => withMicrosoftOid(wrapInitialContextToken(GssTokenId.AP_REQ, inner)),
      (inner: Buffer) => inner,
    ]) {
      const { initiator, acceptor } = makePair(service, MUTUAL);
      const inner = unwrapInitialContextToken(initiator.step(null).output).inner;
      const request = reframe(inner);
      const reply = acceptor.step(request).output;
      // The reply goes under the OID the request came under (a bare request: the standard one).
      const requestOid = request[0] === 0x60 ? unwrapInitialContextToken(request).oid : KRB5_OID;
      expect(unwrapInitialContextToken(reply).oid).toBe(requestOid);
      initiator.step(reply);
      expect(initiator.complete).toBe(true);
    }
  });
});

describe('hostile tokens give SEC_E_INVALID_TOKEN and nothing else', () => {
  const service = makeService(AES);

  it.each([
    ['empty', Buffer.alloc(0)],
    ['random', randomBytes(200)],
    ['a bare SEQUENCE', Buffer.from('3000', 'hex')],
    ['framed under another OID', Buffer.from('600b06092a864886f71201020201', 'hex')],
    ['over 64 KiB', Buffer.alloc(MAX_CONTEXT_TOKEN_LENGTH + 1, 0x6e)],
  ])('%s', (_name, token) => {
    const acceptor = new KerberosAcceptor({
      keys: service.keys,
      replayCache: new ReplayCache(),
      now: () => NOW,
    });
    const err = thrown(() => acceptor.step(token));
    expect(err).toBeInstanceOf(SspiError);
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
  });

  it('every truncation of a valid AP-REQ', () => {
    const { initiator } = makePair(service, MUTUAL);
    const token = initiator.step(null).output;
    for (let n = 0; n < token.length; n += 7) {
      const acceptor = new KerberosAcceptor({
        keys: service.keys,
        replayCache: new ReplayCache(),
        now: () => NOW,
      });
      const err = thrown(() => acceptor.step(token.subarray(0, n)));
      expect(err).toBeInstanceOf(SspiError);
      expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    }
  });

  it('a failed acceptor takes no more tokens', () => {
    const acceptor = new KerberosAcceptor({
      keys: service.keys,
      replayCache: new ReplayCache(),
      now: () => NOW,
    });
    thrown(() => acceptor.step(randomBytes(50)));
    const { initiator } = makePair(service, MUTUAL);
    expect(thrown(() => acceptor.step(initiator.step(null).output)).code).toBe('SEC_E_INVALID_TOKEN');
  });
});

describe('the initiator refuses', () => {
  const service = makeService(AES);

  it('a tampered AP-REP: SEC_E_MUTUAL_AUTH_FAILED', () => {
    const { initiator, acceptor } = makePair(service, MUTUAL);
    const reply = acceptor.step(initiator.step(null).output).output;
    const cipher = parseApRep(unwrapInitialContextToken(reply).inner).encPart.cipher;
    const err = thrown(() => initiator.step(flipped(reply, offsetOf(reply, cipher) + 3)));
    expect(err.code).toBe('SEC_E_MUTUAL_AUTH_FAILED');
  });

  it('an AP-REP answering another authenticator: SEC_E_MUTUAL_AUTH_FAILED', () => {
    const { ticket, sessionKey } = issueTicket(service);
    const opts = {
      ticket,
      sessionKey,
      cname: { nameType: 1, nameString: ['alice'] },
      crealm: REALM,
      flags: MUTUAL,
      now: () => NOW,
    };
    const first = new KerberosInitiator(opts);
    const second = new KerberosInitiator(opts);
    const acceptor = new KerberosAcceptor({
      keys: service.keys,
      replayCache: new ReplayCache(),
      now: () => NOW,
    });
    const reply = acceptor.step(first.step(null).output).output;
    second.step(null);
    expect(thrown(() => second.step(reply)).code).toBe('SEC_E_MUTUAL_AUTH_FAILED');
  });

  it('a KRB-ERROR quotes the service’s e-text short and maps its code', () => {
    const { initiator } = makePair(service, MUTUAL);
    initiator.step(null);
    const error = wrapInitialContextToken(
      GssTokenId.KRB_ERROR,
      encodeKrbError({
        stime: NOW,
        susec: 0,
        errorCode: KrbErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN,
        realm: REALM,
        sname: SNAME,
        eText: 'x'.repeat(4000) + '\u001b[31m',
      }),
    );
    const err = thrown(() => initiator.step(error));
    expect(err.code).toBe('SEC_E_TARGET_UNKNOWN');
    expect(err.message.length).toBeLessThan(300);
  });

  it.each([
    ['random', randomBytes(80)],
    ['an AP-REQ', null],
    ['empty', Buffer.alloc(0)],
  ])('%s in place of the AP-REP: SEC_E_INVALID_TOKEN', (_name, token) => {
    const { initiator } = makePair(service, MUTUAL);
    const own = initiator.step(null).output;
    expect(thrown(() => initiator.step(token ?? own)).code).toBe('SEC_E_INVALID_TOKEN');
  });
});

describe('AP-REQs and AP-REPs our own side would not make', () => {
  const service = makeService(AES);

  /** An AP-REQ with an authenticator `edit` shaped, for a fresh ticket of `service`. */
  function craftedApReq(
    edit: (a: Authenticator) => Authenticator,
    apOptions: number = ApOption.MUTUAL_REQUIRED,
  ) {
    const { ticket, sessionKey } = issueTicket(service);
    const authenticator: Authenticator = {
      crealm: REALM,
      cname: CNAME,
      cksum: {
        cksumType: GSS_CHECKSUM_TYPE,
        checksum: encodeGssChecksum({ bindingsHash: Buffer.alloc(16), flags: GssFlag.MUTUAL }),
      },
      cusec: 0,
      ctime: NOW,
    };
    const cipher = enctypeProfile(AES).encrypt(
      sessionKey.keyValue,
      KeyUsage.AP_REQ_AUTHENTICATOR,
      encodeAuthenticator(edit(authenticator)),
    );
    const apReq = encodeApReq({ apOptions, ticket, authenticator: { etype: AES, cipher } });
    return { token: wrapInitialContextToken(GssTokenId.AP_REQ, apReq), sessionKey };
  }

  const acceptor = () =>
    new KerberosAcceptor({ keys: service.keys, replayCache: new ReplayCache(), now: () => NOW });

  it('no subkey, no sequence number, no mutual: the ticket’s session key is in force, sequence 0', () => {
    const { token, sessionKey } = craftedApReq((a) => a, 0);
    const ours = acceptor();
    expect(ours.step(token)).toEqual({ output: Buffer.alloc(0), complete: true });
    expect(ours.sessionKey).toEqual(sessionKey.keyValue);
  });

  it('an authenticator without the 0x8003 checksum: KRB_AP_ERR_INAPP_CKSUM', () => {
    const { token } = craftedApReq(({ cksum: _dropped, ...a }) => a);
    refusal(acceptor(), token, 'SEC_E_INVALID_TOKEN', KrbErrorCode.KRB_AP_ERR_INAPP_CKSUM);
  });

  it('a subkey of the wrong length: KRB_AP_ERR_BAD_INTEGRITY', () => {
    const { token } = craftedApReq((a) => ({ ...a, subkey: { keyType: AES, keyValue: Buffer.alloc(5) } }));
    refusal(acceptor(), token, 'SEC_E_INVALID_TOKEN', KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY);
  });

  it('user-to-user (USE-SESSION-KEY): SEC_E_UNSUPPORTED_FUNCTION', () => {
    const { token } = craftedApReq((a) => a, ApOption.USE_SESSION_KEY | ApOption.MUTUAL_REQUIRED);
    refusal(acceptor(), token, 'SEC_E_UNSUPPORTED_FUNCTION', KrbErrorCode.KRB_AP_ERR_NOKEY);
  });

  it('an AP-REP without a subkey: the initiator keeps its own subkey in force', () => {
    const { initiator, sessionKey } = makePair(service, MUTUAL);
    const apReq = parseApReq(unwrapInitialContextToken(initiator.step(null).output).inner);
    const sent = parseAuthenticator(
      enctypeProfile(AES).decrypt(
        sessionKey.keyValue,
        KeyUsage.AP_REQ_AUTHENTICATOR,
        apReq.authenticator.cipher,
      ),
    );
    const part = encodeEncApRepPart({ ctime: sent.ctime, cusec: sent.cusec, seqNumber: 5 });
    const cipher = enctypeProfile(AES).encrypt(sessionKey.keyValue, KeyUsage.AP_REP_ENC_PART, part);
    initiator.step(
      wrapInitialContextToken(GssTokenId.AP_REP, encodeApRep({ encPart: { etype: AES, cipher } })),
    );
    expect(initiator.complete).toBe(true);
    expect(initiator.sessionKey).toEqual(sent.subkey!.keyValue);
  });
});

it.each([
  ['an rc4-hmac subkey is ignored: the initiator keeps its own', Enctype.RC4_HMAC, false],
  ['a subkey of another enctype is taken', Enctype.AES256_CTS_HMAC_SHA1_96, true],
])('over an rc4-hmac session, an AP-REP with %s (as MIT’s initiator does)', (_, subkeyType, taken) => {
  const RC4 = Enctype.RC4_HMAC;
  const { initiator, sessionKey } = makePair(makeService(RC4), MUTUAL);
  const apReq = parseApReq(unwrapInitialContextToken(initiator.step(null).output).inner);
  const sent = parseAuthenticator(
    enctypeProfile(RC4).decrypt(
      sessionKey.keyValue,
      KeyUsage.AP_REQ_AUTHENTICATOR,
      apReq.authenticator.cipher,
    ),
  );
  const subkey = { keyType: subkeyType, keyValue: randomBytes(enctypeProfile(subkeyType).keyLength) };
  const part = encodeEncApRepPart({ ctime: sent.ctime, cusec: sent.cusec, seqNumber: 5, subkey });
  const cipher = enctypeProfile(RC4).encrypt(sessionKey.keyValue, KeyUsage.AP_REP_ENC_PART, part);
  initiator.step(
    wrapInitialContextToken(GssTokenId.AP_REP, encodeApRep({ encPart: { etype: RC4, cipher } })),
  );
  expect(initiator.complete).toBe(true);
  expect(initiator.sessionKey).toEqual(taken ? subkey.keyValue : sent.subkey!.keyValue);
});

it('a refusal of a token under the Microsoft OID is framed under it too', () => {
  const service = makeService(AES);
  const { initiator, acceptor } = makePair(service, MUTUAL, {
    acceptor: { now: () => new Date(NOW.getTime() + 3600_000) },
  });
  const token = Buffer.from(initiator.step(null).output);
  token[token.indexOf(Buffer.from('2a864886f712', 'hex')) + 3] = 0x82;
  const err = thrown(() => acceptor.step(token));
  expect(err.code).toBe('SEC_E_TIME_SKEW');
  expect(unwrapInitialContextToken(err.output!).oid).toBe('1.2.840.48018.1.2.2');
});

it('an acceptor refuses a replay cache made for a smaller skew than its own', () => {
  const service = makeService(AES);
  const replayCache = new ReplayCache({ clockSkewMs: 60_000 });
  expect(() => new KerberosAcceptor({ keys: service.keys, replayCache })).toThrow(
    expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
  );
  expect(() => new KerberosAcceptor({ keys: service.keys, replayCache, clockSkewMs: 60_000 })).not.toThrow();
});
