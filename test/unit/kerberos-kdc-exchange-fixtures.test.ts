/**
 * Our exchanges replayed against recorded KDC replies: MIT 1.20's (test/fixtures/kerberos) and a
 * Samba 4.17 AD DC's, whose Heimdal KDC answers as Windows does (test/fixtures/kerberos/samba).
 * The random source is made to give the recorded requests' nonces, so the recorded AS-REPs answer
 * our own requests, and they decrypt with the keys our string-to-key makes from the fixtures'
 * passwords and the salts the KDCs named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AsExchange, type KdcStep } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/as-exchange';
import type { KdcCredential } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/credential';
import { isResponseTooBig } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/kdc-reply';
import { TgsExchange } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/tgs-exchange';
import { NameType, TicketFlag } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { parseKdcRep } from '../../lib/emulated/mechanisms/kerberos/messages/kdc-rep';
import { parseKdcReq } from '../../lib/emulated/mechanisms/kerberos/messages/kdc-req';

const FIXTURES = join(__dirname, '../fixtures/kerberos');
const fixture = (name: string) =>
  Buffer.from(readFileSync(join(FIXTURES, `${name}.hex`), 'utf8').trim(), 'hex');

/** A random source whose 4-byte draws are the nonces of the recorded requests, in order. */
function nonces(...requests: string[]): (length: number) => Buffer {
  const queue = requests.map((name) => {
    const nonce = Buffer.alloc(4);
    nonce.writeUInt32BE(parseKdcReq(fixture(name)).reqBody.nonce);
    return nonce;
  });
  return (length) => {
    if (length !== 4 || queue.length === 0) throw new Error(`an unexpected draw of ${length} bytes`);
    return queue.shift()!;
  };
}

const KDCS = [
  {
    kdc: 'MIT 1.20',
    dir: '',
    user: 'alice',
    realm: 'FIX.TEST',
    password: 'alice-fixture-password',
  },
  {
    kdc: 'Samba 4.17 AD DC',
    dir: 'samba/',
    user: 'bob',
    realm: 'SAMBA.TEST',
    password: 'Bob-fixture-Pass1',
  },
];

function replayAs(k: (typeof KDCS)[number], password = k.password): KdcCredential {
  const exchange = new AsExchange({
    client: { name: { nameType: NameType.PRINCIPAL, nameString: [k.user] }, realm: k.realm },
    secret: { password: Buffer.from(password) },
    randomBytes: nonces(`${k.dir}as-req-1`, `${k.dir}as-req-2`),
  });
  exchange.start();
  const second: KdcStep = exchange.receive(fixture(`${k.dir}krb-error-preauth-required`));
  expect(second.request).toBeDefined();
  const done = exchange.receive(fixture(`${k.dir}as-rep`));
  return done.credential!;
}

describe.each(KDCS)('$kdc', (k) => {
  test('PREAUTH_REQUIRED, then the AS-REP: a TGT, the KDC’s own ticket bytes', () => {
    const tgt = replayAs(k);
    expect(tgt.client.name.nameString).toEqual([k.user]);
    expect(tgt.server.name.nameString).toEqual(['krbtgt', k.realm]);
    expect(tgt.flags & TicketFlag.PRE_AUTHENT).toBeTruthy();
    expect(tgt.endtime.getTime()).toBeGreaterThan(tgt.authtime.getTime());
    expect(tgt.ticket.encoded).toEqual(parseKdcRep(fixture(`${k.dir}as-rep`), 11).ticket.encoded);
  });

  test('the same AS-REP under a wrong password does not decrypt: SEC_E_INVALID_TOKEN after preauth', () => {
    // The KDC accepted a timestamp made with the right key; a reply that then fails is altered.
    expect(() => replayAs(k, 'not-the-password')).toThrow(
      expect.objectContaining({ code: 'SEC_E_INVALID_TOKEN' }),
    );
  });
});

test('MIT: KDC_ERR_S_PRINCIPAL_UNKNOWN to a TGS-REQ is SEC_E_TARGET_UNKNOWN', () => {
  const tgt = replayAs(KDCS[0]);
  const server = {
    name: { nameType: NameType.SRV_INST, nameString: ['nosuch', 'fixture.test'] },
    realm: 'FIX.TEST',
  };
  const exchange = new TgsExchange({ tgt, server });
  exchange.start();
  expect(() => exchange.receive(fixture('krb-error-s-principal-unknown'))).toThrow(
    expect.objectContaining({ code: 'SEC_E_TARGET_UNKNOWN' }),
  );
});

describe('Samba AD DC refusals', () => {
  const asFor = (user: string, password: string) =>
    new AsExchange({
      client: { name: { nameType: NameType.PRINCIPAL, nameString: [user] }, realm: 'SAMBA.TEST' },
      secret: { password: Buffer.from(password) },
    });

  test('a wrong password (KDC_ERR_PREAUTH_FAILED) is SEC_E_LOGON_DENIED', () => {
    const exchange = asFor('bob', 'wrong');
    exchange.start();
    exchange.receive(fixture('samba/krb-error-preauth-required'));
    expect(() => exchange.receive(fixture('samba/krb-error-preauth-failed'))).toThrow(
      expect.objectContaining({ code: 'SEC_E_LOGON_DENIED' }),
    );
  });

  test('a disabled account (CLIENT_REVOKED, STATUS_ACCOUNT_DISABLED) is SEC_E_LOGON_DENIED naming the status', () => {
    const exchange = asFor('carol', 'Carol-fixture-Pass1');
    exchange.start();
    expect(() => exchange.receive(fixture('samba/krb-error-client-revoked'))).toThrow(
      /disabled or locked out \(KDC_ERR_CLIENT_REVOKED \(18\).*Windows status 0xc0000072\)/,
    );
  });

  test('the KDC’s NTSTATUS is the error’s peerStatus, for a caller to tell disabled from locked out', () => {
    const exchange = asFor('carol', 'Carol-fixture-Pass1');
    exchange.start();
    expect(() => exchange.receive(fixture('samba/krb-error-client-revoked'))).toThrow(
      expect.objectContaining({ code: 'SEC_E_LOGON_DENIED', peerStatus: 0xc0000072 }),
    );
  });

  test('KRB_ERR_RESPONSE_TOO_BIG is what sends the request again over TCP', () => {
    expect(isResponseTooBig(fixture('samba/krb-error-response-too-big'))).toBe(true);
    expect(isResponseTooBig(fixture('samba/krb-error-preauth-failed'))).toBe(false);
  });
});
