/**
 * Our Kerberos initiator against our acceptor (RFC 4121 4.1) over a ticket we issue ourselves:
 * every enctype, with and without mutual authentication, the keys and sequence numbers both sides
 * settle on (wrap/unwrap/sign/verify both ways), channel bindings and a forwarded TGT.
 */
import { randomBytes } from 'node:crypto';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import {
  GssFlag,
  GssTokenId,
  KRB5_OID,
  TicketFlag,
} from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { encodeDelegation } from '../../lib/emulated/mechanisms/kerberos/delegation';
import {
  encodeEncKrbCredPart,
  encodeKrbCred,
} from '../../lib/emulated/mechanisms/kerberos/messages/krb-cred';
import {
  channelBindingsHash,
  parseGssChecksum,
  unwrapInitialContextToken,
} from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import { parseApReq, parseAuthenticator } from '../../lib/emulated/mechanisms/kerberos/messages/ap';
import { CNAME, NOW, REALM, issueTicket, makePair, makeService, thrown } from './support/kerberos-ap';

const ALL = [
  Enctype.AES128_CTS_HMAC_SHA1_96,
  Enctype.AES256_CTS_HMAC_SHA1_96,
  Enctype.AES128_CTS_HMAC_SHA256_128,
  Enctype.AES256_CTS_HMAC_SHA384_192,
  Enctype.RC4_HMAC,
];
const MUTUAL = GssFlag.MUTUAL | GssFlag.REPLAY | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG;
const ONE_LEG = GssFlag.REPLAY | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG;

function handshake(enctype: number, flags: number) {
  const pair = makePair(makeService(enctype), flags);
  const first = pair.initiator.step(null);
  const reply = pair.acceptor.step(first.output);
  return { ...pair, first, reply };
}

/** Messages both ways, sealed and signed, several of each so sequence numbers advance. */
function exchangeMessages(
  a: ReturnType<typeof handshake>['initiator'],
  b: ReturnType<typeof handshake>['acceptor'],
) {
  for (let i = 0; i < 3; i++) {
    const m1 = randomBytes(17 + i);
    expect(b.unwrap(a.wrap(m1))).toEqual(m1);
    const m2 = randomBytes(40 + i);
    expect(a.unwrap(b.wrap(m2))).toEqual(m2);
    b.verify(m1, a.sign(m1));
    a.verify(m2, b.sign(m2));
  }
}

describe.each(ALL.map((e) => [enctypeProfile(e).name, e]))('%s', (_, enctype) => {
  it('mutual: AP-REQ, then AP-REP with an acceptor subkey; both sides complete on the same key', () => {
    const { initiator, acceptor, first, reply, sessionKey } = handshake(enctype, MUTUAL);
    expect(first.complete).toBe(false);
    const framed = unwrapInitialContextToken(first.output);
    expect(framed.oid).toBe(KRB5_OID);
    expect(framed.tokId).toBe(GssTokenId.AP_REQ);
    expect(reply.complete).toBe(true);
    expect(unwrapInitialContextToken(reply.output).tokId).toBe(GssTokenId.AP_REP);
    expect(acceptor.complete).toBe(true);
    expect(initiator.step(reply.output)).toEqual({ output: Buffer.alloc(0), complete: true });
    expect(initiator.complete).toBe(true);
    expect(acceptor.identity).toEqual({ user: 'alice', domain: REALM });
    expect(initiator.identity).toEqual({ user: 'alice', domain: REALM });
    expect(initiator.mechanism).toBe('Kerberos');
    expect(initiator.sessionKey).toEqual(acceptor.sessionKey);
    // The key in force is a subkey, never the ticket's session key.
    expect(acceptor.sessionKey).not.toEqual(sessionKey.keyValue);
    expect(acceptor.gssFlags).toBe(MUTUAL);
    expect(initiator.gssFlags).toBe(MUTUAL);
  });

  it('disposes the ticket’s session key on each side once its AP exchange is done', () => {
    const profile = enctypeProfile(enctype);
    const bind = profile.bind;
    const bound: Array<{ key: Buffer; dispose: jest.SpyInstance }> = [];
    const spy = jest.spyOn(profile, 'bind').mockImplementation((key) => {
      const made = bind.call(profile, key);
      bound.push({ key: Buffer.from(key), dispose: jest.spyOn(made, 'dispose') });
      return made;
    });
    try {
      const { initiator, reply, sessionKey } = handshake(enctype, MUTUAL);
      // The initiator binds it when made, the acceptor when it reads the authenticator.
      const [ofInitiator, ofAcceptor] = bound.filter((b) => b.key.equals(sessionKey.keyValue));
      expect(ofAcceptor.dispose).toHaveBeenCalled();
      expect(ofInitiator.dispose).not.toHaveBeenCalled(); // the AP-REP is still to be read
      initiator.step(reply.output);
      expect(ofInitiator.dispose).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('without mutual: one leg, no AP-REP, the initiator’s subkey in force', () => {
    const { initiator, acceptor, first, reply, sessionKey } = handshake(enctype, ONE_LEG);
    expect(first.complete).toBe(true);
    expect(initiator.complete).toBe(true);
    expect(reply).toEqual({ output: Buffer.alloc(0), complete: true });
    expect(acceptor.sessionKey).toEqual(initiator.sessionKey);
    expect(acceptor.sessionKey).not.toEqual(sessionKey.keyValue);
    expect(acceptor.gssFlags & GssFlag.MUTUAL).toBe(0);
    expect(parseApReq(unwrapInitialContextToken(first.output).inner).apOptions).toBe(0);
  });

  it.each([
    ['mutual', MUTUAL],
    ['one leg', ONE_LEG],
  ])('%s: wrap/unwrap and sign/verify both ways, in sequence', (_name, flags) => {
    const { initiator, acceptor, reply } = handshake(enctype, flags);
    if (!initiator.complete) initiator.step(reply.output);
    exchangeMessages(initiator, acceptor);
  });
});

describe('per-message tokens', () => {
  it('a token replayed or reflected is refused', () => {
    const { initiator, acceptor, reply } = handshake(Enctype.AES256_CTS_HMAC_SHA1_96, MUTUAL);
    initiator.step(reply.output);
    const token = initiator.wrap(Buffer.from('once'));
    acceptor.unwrap(token);
    expect(thrown(() => acceptor.unwrap(token)).code).toBe('SEC_E_OUT_OF_SEQUENCE');
    expect(thrown(() => initiator.unwrap(initiator.wrap(Buffer.from('me')))).code).toBe(
      'SEC_E_MESSAGE_ALTERED',
    );
  });

  it('before completion wrap is refused; after dispose the key is zeroed and calls fail', () => {
    const { initiator, acceptor, reply } = handshake(Enctype.AES128_CTS_HMAC_SHA1_96, MUTUAL);
    expect(thrown(() => initiator.wrap(Buffer.from('early'))).code).toBe('SEC_E_INVALID_HANDLE');
    initiator.step(reply.output);
    const key = acceptor.sessionKey!;
    acceptor.dispose();
    expect(key.equals(Buffer.alloc(key.length))).toBe(true);
    expect(thrown(() => acceptor.wrap(Buffer.from('late'))).code).toBe('SEC_E_INVALID_HANDLE');
    acceptor.dispose();
  });

  it('a finished context takes no more tokens', () => {
    const { initiator, reply } = handshake(Enctype.AES128_CTS_HMAC_SHA1_96, MUTUAL);
    initiator.step(reply.output);
    expect(thrown(() => initiator.step(reply.output)).code).toBe('SEC_E_INVALID_TOKEN');
  });
});

describe('channel bindings (RFC 4121 4.1.1.2)', () => {
  // What a TLS-bound protocol binds to (RFC 5929): the server certificate's hash.
  const bindings = { applicationData: Buffer.from('tls-server-end-point:' + 'ab'.repeat(32)) };
  const service = makeService(Enctype.AES256_CTS_HMAC_SHA1_96);

  it('matching bindings are accepted; the checksum carries their RFC 4121 hash', () => {
    const { initiator, acceptor, sessionKey } = makePair(service, MUTUAL, {
      initiator: { channelBindings: bindings },
      acceptor: { channelBindings: bindings },
    });
    const first = initiator.step(null);
    const apReq = parseApReq(unwrapInitialContextToken(first.output).inner);
    const authenticator = parseAuthenticator(
      enctypeProfile(sessionKey.keyType).decrypt(
        sessionKey.keyValue,
        KeyUsage.AP_REQ_AUTHENTICATOR,
        apReq.authenticator.cipher,
      ),
    );
    expect(parseGssChecksum(authenticator.cksum!.checksum).bindingsHash).toEqual(
      channelBindingsHash(bindings),
    );
    initiator.step(acceptor.step(first.output).output);
    expect(initiator.complete).toBe(true);
  });

  it('other bindings are SEC_E_BAD_BINDINGS, with a KRB-ERROR for the initiator', () => {
    const { initiator, acceptor } = makePair(service, MUTUAL, {
      initiator: { channelBindings: { applicationData: Buffer.from('tls-server-end-point:other') } },
      acceptor: { channelBindings: bindings },
    });
    const err = thrown(() => acceptor.step(initiator.step(null).output));
    expect(err.code).toBe('SEC_E_BAD_BINDINGS');
    expect(unwrapInitialContextToken(err.output!).tokId).toBe(GssTokenId.KRB_ERROR);
  });

  it('no bindings from the initiator pass unless the acceptor requires them', () => {
    const loose = makePair(service, MUTUAL, { acceptor: { channelBindings: bindings } });
    expect(loose.acceptor.step(loose.initiator.step(null).output).complete).toBe(true);
    const strict = makePair(service, MUTUAL, {
      acceptor: { channelBindings: bindings, channelBindingsRequired: true },
    });
    expect(thrown(() => strict.acceptor.step(strict.initiator.step(null).output)).code).toBe(
      'SEC_E_BAD_BINDINGS',
    );
  });

  it('bindings the acceptor has none of are ignored', () => {
    const { initiator, acceptor } = makePair(service, MUTUAL, { initiator: { channelBindings: bindings } });
    expect(acceptor.step(initiator.step(null).output).complete).toBe(true);
  });
});

describe('delegation (RFC 4121 4.1.1.1)', () => {
  const service = makeService(Enctype.AES256_CTS_HMAC_SHA1_96);

  /** A TGT for alice, forwarded under `sessionKey` as encodeDelegation makes it. */
  function krbCred(sessionKey: { keyType: number; keyValue: Buffer }) {
    const tgtService = makeService(Enctype.AES256_CTS_HMAC_SHA1_96, {
      nameType: 2,
      nameString: ['krbtgt', REALM],
    });
    const tgt = issueTicket(tgtService);
    const bytes = encodeDelegation(
      {
        ticket: tgt.ticket,
        key: tgt.sessionKey,
        client: { realm: REALM, name: CNAME },
        server: { realm: REALM, name: tgtService.sname },
        flags: TicketFlag.FORWARDED | TicketFlag.FORWARDABLE,
        authtime: NOW,
        endtime: new Date(NOW.getTime() + 3600_000),
      },
      sessionKey,
      NOW,
    );
    return { bytes, tgt };
  }

  it('a forwarded TGT is decrypted and surfaced as `delegated`, with DELEG granted', () => {
    const { ticket, sessionKey } = issueTicket(service);
    const { bytes, tgt } = krbCred(sessionKey);
    const { initiator, acceptor } = makePair(service, MUTUAL | GssFlag.DELEG, {
      initiator: { ticket, sessionKey, delegation: bytes },
    });
    initiator.step(acceptor.step(initiator.step(null).output).output);
    expect(acceptor.gssFlags & GssFlag.DELEG).toBe(GssFlag.DELEG);
    expect(acceptor.delegated!.tickets[0].encoded).toEqual(tgt.ticket.encoded);
    const [info] = acceptor.delegated!.ticketInfo;
    expect(info).toMatchObject({
      prealm: REALM,
      pname: CNAME,
      srealm: REALM,
      flags: TicketFlag.FORWARDED | TicketFlag.FORWARDABLE,
      endtime: new Date(NOW.getTime() + 3600_000),
    });
    const key = info.key.keyValue;
    expect(key).toEqual(tgt.sessionKey.keyValue);
    acceptor.dispose();
    expect(key.equals(Buffer.alloc(key.length))).toBe(true);
  });

  it('DELEG without credentials to forward is dropped; nothing is delegated', () => {
    const { initiator, acceptor } = makePair(service, MUTUAL | GssFlag.DELEG);
    acceptor.step(initiator.step(null).output);
    expect(initiator.gssFlags & GssFlag.DELEG).toBe(0);
    expect(acceptor.delegated).toBeUndefined();
  });

  it('a KRB-CRED sent in clear (etype 0, as Heimdal may) is taken too', () => {
    const tgt = issueTicket(
      makeService(Enctype.AES256_CTS_HMAC_SHA1_96, { nameType: 2, nameString: ['krbtgt', REALM] }),
    );
    const clear = encodeKrbCred({
      tickets: [tgt.ticket],
      encPart: {
        etype: 0,
        cipher: encodeEncKrbCredPart({ ticketInfo: [{ key: tgt.sessionKey, pname: CNAME }] }),
      },
    });
    const { initiator, acceptor } = makePair(service, MUTUAL | GssFlag.DELEG, {
      initiator: { delegation: clear },
    });
    acceptor.step(initiator.step(null).output);
    expect(acceptor.delegated!.ticketInfo[0].key.keyValue).toEqual(tgt.sessionKey.keyValue);
  });

  it('a KRB-CRED under another key is refused', () => {
    const { bytes } = krbCred({ keyType: Enctype.AES256_CTS_HMAC_SHA1_96, keyValue: randomBytes(32) });
    const { initiator, acceptor } = makePair(service, MUTUAL | GssFlag.DELEG, {
      initiator: { delegation: bytes },
    });
    expect(thrown(() => acceptor.step(initiator.step(null).output)).code).toBe('SEC_E_INVALID_TOKEN');
  });
});
