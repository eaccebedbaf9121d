/**
 * Reaching a KDC (RFC 4120 7.2): UDP and TCP framing, what an answering party can make us hold,
 * and the fall-backs between transports and KDCs, against small servers on 127.0.0.1 that stand
 * in for a KDC's socket (the Kerberos messages themselves are tested elsewhere, against MIT's).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { sendToKdc } from '../../lib/emulated/kdc/client';
import { MAX_REPLY_BYTES, exchange } from '../../lib/emulated/kdc/transport';

const REQUEST = Buffer.from('6a0a3008a003020105a1010a', 'hex'); // starts like an AS-REQ
const REPLY = Buffer.concat([Buffer.from([0x6b, 0x05]), Buffer.from('reply')]);
const ERROR_REPLY = Buffer.from([0x7e, 0x00]);

const closers: Array<() => void> = [];
afterEach(() => {
  while (closers.length) closers.pop()!();
});

async function udpServer(
  onMessage: (msg: Buffer, reply: (b: Buffer) => void) => void,
  port = 0,
): Promise<number> {
  const socket: UdpSocket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => onMessage(msg, (b) => socket.send(b, rinfo.port, rinfo.address)));
  await new Promise<void>((r) => socket.bind(port, '127.0.0.1', r));
  closers.push(() => socket.close());
  return socket.address().port;
}

async function tcpServer(onConnection: (socket: Socket) => void): Promise<number> {
  const server: Server = createServer(onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => sockets.add(s));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as AddressInfo).port;
}

function framed(message: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(message.length);
  return Buffer.concat([length, message]);
}

/** A TCP KDC that reads one framed request and hands it to `answer`. */
function tcpKdc(answer: (request: Buffer, socket: Socket) => void): Promise<number> {
  return tcpServer((socket) => {
    let got = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 4 && got.length >= 4 + got.readUInt32BE(0)) answer(got.subarray(4), socket);
    });
  });
}

/** A port nothing listens on (UDP and TCP): bound, then closed. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('UDP', () => {
  it('sends the request as one datagram and takes the first datagram that is a KDC reply', async () => {
    const seen: Buffer[] = [];
    const port = await udpServer((msg, reply) => {
      seen.push(msg);
      reply(Buffer.from('not a KDC message'));
      reply(REPLY);
    });
    const reply = await exchange({ host: '127.0.0.1', port, protocol: 'udp', timeoutMs: 2000 }, REQUEST);
    expect(reply).toEqual(REPLY);
    expect(seen).toEqual([REQUEST]);
  });

  it('gives up at its deadline when nothing answers', async () => {
    const port = await udpServer(() => {});
    const started = Date.now();
    await expect(
      exchange({ host: '127.0.0.1', port, protocol: 'udp', timeoutMs: 200 }, REQUEST),
    ).rejects.toThrow(/no reply within 200 ms/);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('TCP', () => {
  it('frames the request with its 4-byte length and reads a reply that arrives a byte at a time', async () => {
    let seen: Buffer | undefined;
    const port = await tcpKdc((request, socket) => {
      seen = Buffer.from(request);
      const out = framed(REPLY);
      let i = 0;
      const drip = setInterval(() => {
        if (i >= out.length) return clearInterval(drip);
        socket.write(out.subarray(i, ++i));
      }, 2);
    });
    const reply = await exchange({ host: '127.0.0.1', port, protocol: 'tcp', timeoutMs: 3000 }, REQUEST);
    expect(reply).toEqual(REPLY);
    expect(seen).toEqual(REQUEST);
  });

  it.each([
    [
      'a length above the bound',
      (s: Socket) => s.write(Buffer.from([0x00, 0x10, 0x00, 0x00])),
      /claims 1048576 bytes/,
    ],
    [
      'the reserved high bit',
      (s: Socket) => s.write(Buffer.from([0x80, 0, 0, 2, 0x7e, 0])),
      /reserved high bit/,
    ],
    [
      'a reply that is no KDC message',
      (s: Socket) => s.write(framed(Buffer.from('HTTP/1.1'))),
      /not a KDC message/,
    ],
    [
      'more bytes than its length',
      (s: Socket) => s.write(Buffer.concat([framed(REPLY), Buffer.from('x')])),
      /more bytes/,
    ],
    ['a close before the reply ends', (s: Socket) => s.end(framed(REPLY).subarray(0, 6)), /closed before/],
  ])('refuses %s at once, holding nothing', async (_, answer, message) => {
    const port = await tcpKdc((_request, socket) => answer(socket));
    const started = Date.now();
    await expect(
      exchange({ host: '127.0.0.1', port, protocol: 'tcp', timeoutMs: 5000 }, REQUEST),
    ).rejects.toThrow(message);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('bounds replies at MAX_REPLY_BYTES and takes one of exactly that size', async () => {
    const big = Buffer.alloc(MAX_REPLY_BYTES, 0);
    big[0] = 0x6d;
    const port = await tcpKdc((_request, socket) => socket.write(framed(big)));
    const reply = await exchange({ host: '127.0.0.1', port, protocol: 'tcp', timeoutMs: 5000 }, REQUEST);
    expect(reply.length).toBe(MAX_REPLY_BYTES);
  });
});

describe('sendToKdc', () => {
  it('asks the same KDC over TCP when its UDP reply says so (KRB_ERR_RESPONSE_TOO_BIG)', async () => {
    const order: string[] = [];
    const port = await tcpKdc((_request, socket) => {
      order.push('tcp');
      socket.write(framed(REPLY));
    });
    // A KDC listens on one port number for both transports.
    await udpServer((_msg, reply) => {
      order.push('udp');
      reply(ERROR_REPLY);
    }, port);
    const reply = await sendToKdc('TEST.LOCAL', REQUEST, {
      configured: [`127.0.0.1:${port}`],
      wantsTcp: (r) => r.equals(ERROR_REPLY),
    });
    expect(reply).toEqual(REPLY);
    expect(order).toEqual(['udp', 'tcp']);
  });

  it('goes on to the next KDC when one refuses, and over TCP first for a request above udp_preference_limit', async () => {
    const dead = await deadPort();
    const order: string[] = [];
    const tcp = await tcpKdc((_request, socket) => {
      order.push('tcp');
      socket.write(framed(REPLY));
    });
    const config = {
      defaultRealm: undefined,
      udpPreferenceLimit: 4,
      dnsLookupKdc: false,
      kdcsOf: () => [`tcp/127.0.0.1:${dead}`, `127.0.0.1:${tcp}`],
      realmOfHost: () => undefined,
    };
    const reply = await sendToKdc('TEST.LOCAL', REQUEST, { config });
    expect(reply).toEqual(REPLY);
    expect(order).toEqual(['tcp']);
  });

  it('says which KDCs it tried and why each failed when none answers, within its deadline', async () => {
    const silent = await udpServer(() => {});
    const dead = await deadPort();
    const started = Date.now();
    const failure = sendToKdc('TEST.LOCAL', REQUEST, {
      configured: [`udp/127.0.0.1:${silent}`, `tcp/127.0.0.1:${dead}`],
      deadlineMs: 3000,
    });
    await expect(failure).rejects.toMatchObject({
      code: 'SEC_E_NO_AUTHENTICATING_AUTHORITY',
      message: expect.stringMatching(
        new RegExp(
          `127\\.0\\.0\\.1:${silent} udp: no reply within 1000 ms; 127\\.0\\.0\\.1:${dead} tcp: ECONNREFUSED`,
        ),
      ),
    });
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('stops at its deadline however many KDCs are left', async () => {
    const silent = await udpServer(() => {});
    const started = Date.now();
    await expect(
      sendToKdc('TEST.LOCAL', REQUEST, {
        configured: Array(10).fill(`udp/127.0.0.1:${silent}`),
        deadlineMs: 600,
      }),
    ).rejects.toMatchObject({
      code: 'SEC_E_NO_AUTHENTICATING_AUTHORITY',
      message: expect.stringMatching(/deadline/),
    });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('ends at once with the signal’s reason when aborted', async () => {
    const silent = await udpServer(() => {});
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    setTimeout(() => controller.abort(reason), 50);
    await expect(
      sendToKdc('TEST.LOCAL', REQUEST, {
        configured: [`udp/127.0.0.1:${silent}`],
        signal: controller.signal,
      }),
    ).rejects.toBe(reason);
  });
});
