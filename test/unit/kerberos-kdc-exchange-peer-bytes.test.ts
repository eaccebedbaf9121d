/**
 * What a KDC (or whoever answers in its place) sends is peer input: every truncation and many
 * altered bytes of real replies, and bytes that are no reply at all, end in an SspiError or, where
 * the altered byte is one the client does not read (inside the ticket), a usable reply. Never a
 * RangeError, a crash or a hang. And KRB_ERR_RESPONSE_TOO_BIG over UDP sends the request again
 * over TCP through sendToKdc.
 */
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { SspiError } from '../../lib/errors';
import { AsExchange, type KdcStep } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/as-exchange';
import { TgsExchange } from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/tgs-exchange';
import { KrbErrorCode, NameType } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { encodeKrbError } from '../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import { acquireTgt } from '../../lib/emulated/tickets/kdc-calls';
import { FakeKdc } from './support/fake-kdc';

const CLIENT = { name: { nameType: NameType.PRINCIPAL, nameString: ['alice'] }, realm: 'FAKE.TEST' };
const WEB = { name: { nameType: NameType.SRV_INST, nameString: ['HTTP', 'web'] }, realm: 'FAKE.TEST' };

function kdc(): FakeKdc {
  const k = new FakeKdc();
  k.users.set('alice', { password: 'pw', etypes: [18] });
  k.services.set('HTTP/web', Buffer.alloc(32, 1));
  return k;
}

/** Feed `reply` to a fresh exchange in the state where it is expected; an SspiError or a step, nothing else. */
function outcome(start: () => { receive(r: Buffer): KdcStep }, reply: Buffer): 'ok' | 'sspi' {
  try {
    start().receive(reply);
    return 'ok';
  } catch (err) {
    if (err instanceof SspiError) return 'sspi';
    throw err;
  }
}

test('every truncation and altered byte of an AS-REP, a PREAUTH_REQUIRED and a TGS-REP', () => {
  const k = kdc();
  const fixedRandom = (n: number) => Buffer.alloc(n, 0x11); // same nonce every time: replies stay valid
  // The user's key as a keytab would hold it: no string-to-key for each of the many replies.
  const secret = { keys: [{ keyType: 18, keyValue: k.userKey('alice', 18) }] };
  const asStart = () => {
    const exchange = new AsExchange({ client: CLIENT, secret, randomBytes: fixedRandom });
    exchange.start();
    return exchange;
  };
  const firstRequest = () => new AsExchange({ client: CLIENT, secret, randomBytes: fixedRandom }).start();
  const preauthRequired = k.handle(firstRequest());
  k.requirePreauth = false;
  const asRep = k.handle(firstRequest());
  const tgt = asStart().receive(asRep).credential!;
  const tgsStart = () => {
    const exchange = new TgsExchange({ tgt, server: WEB, randomBytes: fixedRandom });
    exchange.start();
    return exchange;
  };
  const tgsRep = k.handle(new TgsExchange({ tgt, server: WEB, randomBytes: fixedRandom }).start());
  expect(outcome(tgsStart, tgsRep)).toBe('ok');

  for (const [start, reply] of [
    [asStart, preauthRequired],
    [asStart, asRep],
    [tgsStart, tgsRep],
  ] as const) {
    for (let length = 0; length < reply.length; length++)
      expect(outcome(start, reply.subarray(0, length))).toBe('sspi');
    const step = Math.max(1, Math.floor(reply.length / 150));
    for (let i = 0; i < reply.length; i += step) {
      const bent = Buffer.from(reply);
      bent[i] ^= 0x41;
      outcome(start, bent); // either is fine; anything else throws out of outcome()
    }
  }
});

test('bytes that are no KDC reply are SEC_E_INVALID_TOKEN', () => {
  for (const reply of [
    Buffer.alloc(0),
    Buffer.from([0x30, 0x00]),
    Buffer.from('not a reply'),
    Buffer.alloc(70_000, 0x7e),
  ]) {
    const exchange = new AsExchange({ client: CLIENT, secret: { password: Buffer.from('pw') } });
    exchange.start();
    expect(() => exchange.receive(reply)).toThrow(expect.objectContaining({ code: 'SEC_E_INVALID_TOKEN' }));
  }
});

test('KRB_ERR_RESPONSE_TOO_BIG over UDP: the request goes again over TCP', async () => {
  const k = kdc();
  const tooBig = encodeKrbError({
    stime: new Date(0),
    susec: 0,
    errorCode: KrbErrorCode.KRB_ERR_RESPONSE_TOO_BIG,
    realm: 'FAKE.TEST',
    sname: { nameType: NameType.SRV_INST, nameString: ['krbtgt', 'FAKE.TEST'] },
  });
  const sockets = new Set<Socket>();
  const tcp = createServer((socket) => {
    sockets.add(socket);
    let got = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 4 || got.length < 4 + got.readUInt32BE(0)) return;
      const reply = k.handle(got.subarray(4, 4 + got.readUInt32BE(0)));
      got = Buffer.alloc(0);
      const length = Buffer.alloc(4);
      length.writeUInt32BE(reply.length);
      socket.write(Buffer.concat([length, reply]));
    });
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = (tcp.address() as AddressInfo).port;
  const udp = createSocket('udp4');
  let udpRequests = 0;
  udp.on('message', (_, rinfo) => {
    udpRequests++;
    udp.send(tooBig, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
  try {
    const tgt = await acquireTgt(
      { user: 'alice', realm: 'FAKE.TEST', password: Buffer.from('pw') },
      { kdc: [`127.0.0.1:${port}`] },
    );
    expect(tgt.client.name.nameString).toEqual(['alice']);
    expect(udpRequests).toBe(2); // each AS-REQ tried UDP first
    expect(k.requests).toHaveLength(2); // and was answered over TCP
  } finally {
    udp.close();
    for (const s of sockets) s.destroy();
    tcp.close();
  }
});
