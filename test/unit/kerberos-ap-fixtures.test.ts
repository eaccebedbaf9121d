/**
 * Our acceptor on real initiators' AP-REQs (test/fixtures/kerberos): MIT 1.20's with channel
 * bindings and with a delegated TGT, and one made with a Samba AD DC's RC4 ticket carrying a PAC.
 * The service keys come from the fixtures' throwaway passwords; the clock is set to when each
 * authenticator was made, read by decrypting it here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KerberosAcceptor } from '../../lib/emulated/mechanisms/kerberos/acceptor';
import { enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import {
  parseApRep,
  parseApReq,
  parseAuthenticator,
} from '../../lib/emulated/mechanisms/kerberos/messages/ap';
import { GssFlag, GssTokenId } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { unwrapInitialContextToken } from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';
import { parseEncTicketPart } from '../../lib/emulated/mechanisms/kerberos/messages/ticket';
import type { EncryptionKey } from '../../lib/emulated/mechanisms/kerberos/messages/types';
import { ReplayCache } from '../../lib/emulated/mechanisms/kerberos/replay-cache';

const FIXTURES = join(__dirname, '../fixtures/kerberos');
const fixture = (name: string) => Buffer.from(readFileSync(join(FIXTURES, name), 'utf8').trim(), 'hex');

/** MIT's HTTP/fixture.test key (aes256, MIT's default salt) and Samba's websvc key (RC4: the NT hash). */
const MIT_HTTP: EncryptionKey = {
  keyType: 18,
  keyValue: enctypeProfile(18).stringToKey(
    Buffer.from('http-fixture-password'),
    Buffer.from('FIX.TESTHTTPfixture.test'),
  ),
};
const SAMBA_WEBSVC: EncryptionKey = {
  keyType: 23,
  keyValue: enctypeProfile(23).stringToKey(Buffer.from('Web-fixture-Pass1'), Buffer.alloc(0)),
};

/** When the AP-REQ's authenticator was made, and the ticket's session key enctype. */
function madeAt(token: Buffer, serviceKey: EncryptionKey): { when: Date; sessionEnctype: number } {
  const apReq = parseApReq(unwrapInitialContextToken(token).inner);
  const part = parseEncTicketPart(
    enctypeProfile(serviceKey.keyType).decrypt(
      serviceKey.keyValue,
      KeyUsage.KDC_REP_TICKET,
      apReq.ticket.encPart.cipher,
    ),
  );
  const auth = parseAuthenticator(
    enctypeProfile(part.key.keyType).decrypt(
      part.key.keyValue,
      KeyUsage.AP_REQ_AUTHENTICATOR,
      apReq.authenticator.cipher,
    ),
  );
  return {
    when: new Date(auth.ctime.getTime() + Math.floor(auth.cusec / 1000)),
    sessionEnctype: part.key.keyType,
  };
}

function acceptorFor(
  token: Buffer,
  serviceKey: EncryptionKey,
  opts: Partial<ConstructorParameters<typeof KerberosAcceptor>[0]> = {},
) {
  const { when } = madeAt(token, serviceKey);
  return new KerberosAcceptor({
    keys: (_sname, _realm, _kvno, etype) => (etype === serviceKey.keyType ? serviceKey : undefined),
    replayCache: new ReplayCache(),
    now: () => when,
    ...opts,
  });
}

describe('MIT 1.20’s AP-REQs', () => {
  const withBindings = fixture('ap-req-bindings.gss.hex');
  const bindings = { applicationData: Buffer.from('tls-server-end-point:fixture') };

  it('with channel bindings: accepted by an acceptor with the same bindings; alice@FIX.TEST', () => {
    const acceptor = acceptorFor(withBindings, MIT_HTTP, {
      channelBindings: bindings,
      channelBindingsRequired: true,
    });
    const reply = acceptor.step(withBindings);
    expect(reply.complete).toBe(true);
    expect(acceptor.identity).toEqual({ user: 'alice', domain: 'FIX.TEST' });
    expect(acceptor.gssFlags & GssFlag.MUTUAL).toBe(GssFlag.MUTUAL);
    const framed = unwrapInitialContextToken(reply.output);
    expect(framed.tokId).toBe(GssTokenId.AP_REP);
    expect(parseApRep(framed.inner).encPart.etype).toBe(18);
  });

  it('with channel bindings: refused by an acceptor with other bindings', () => {
    const acceptor = acceptorFor(withBindings, MIT_HTTP, {
      channelBindings: { applicationData: Buffer.from('tls-server-end-point:other') },
    });
    expect(() => acceptor.step(withBindings)).toThrow(
      expect.objectContaining({ code: 'SEC_E_BAD_BINDINGS' }),
    );
  });

  it('with a delegated TGT: MIT’s KRB-CRED decrypts, alice’s TGT surfaces', () => {
    const token = fixture('ap-req-deleg.gss.hex');
    const acceptor = acceptorFor(token, MIT_HTTP);
    acceptor.step(token);
    expect(acceptor.gssFlags & GssFlag.DELEG).toBe(GssFlag.DELEG);
    const [info] = acceptor.delegated!.ticketInfo;
    expect(info.pname?.nameString).toEqual(['alice']);
    expect(info.sname?.nameString).toEqual(['krbtgt', 'FIX.TEST']);
    expect(acceptor.delegated!.tickets[0].sname.nameString).toEqual(['krbtgt', 'FIX.TEST']);
  });

  it('a minute later than the authenticator is fine; six minutes is SEC_E_TIME_SKEW', () => {
    const { when } = madeAt(withBindings, MIT_HTTP);
    const later = (ms: number) =>
      acceptorFor(withBindings, MIT_HTTP, { now: () => new Date(when.getTime() + ms) });
    expect(later(60_000).step(withBindings).complete).toBe(true);
    expect(() => later(6 * 60_000).step(withBindings)).toThrow(
      expect.objectContaining({ code: 'SEC_E_TIME_SKEW' }),
    );
  });
});

describe('an AP-REQ with a Samba AD DC’s RC4 ticket (a PAC inside)', () => {
  const token = fixture('samba/ap-req.gss.hex');

  it('is accepted with the service’s NT-hash key; bob@SAMBA.TEST', () => {
    // The ticket is under RC4; the KDC chose an aes256 session key, as the client offered it.
    expect(parseApReq(unwrapInitialContextToken(token).inner).ticket.encPart.etype).toBe(23);
    expect(madeAt(token, SAMBA_WEBSVC).sessionEnctype).toBe(18);
    const acceptor = acceptorFor(token, SAMBA_WEBSVC);
    const reply = acceptor.step(token);
    expect(reply.complete).toBe(true);
    expect(acceptor.identity).toEqual({ user: 'bob', domain: 'SAMBA.TEST' });
    expect(unwrapInitialContextToken(reply.output).tokId).toBe(GssTokenId.AP_REP);
  });
});
