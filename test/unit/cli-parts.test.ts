import { createServer, connect, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { EXIT, UsageError } from '../../lib/cli/exit-codes';
import { readPasswordFromStdin } from '../../lib/cli/password';
import { PeerClosedError, SocketReader } from '../../lib/cli/socket-reader';
import { parseHostPort, parsePort, parseSeconds } from '../../lib/cli/tcp';
import { describeTlsRecords } from '../../lib/cli/tls-records';
import { SspiError } from '../../lib/errors';

describe('HOST[:PORT] arguments', () => {
  it.each([
    ['rdp.example', { host: 'rdp.example', port: 3389 }],
    ['rdp.example:3390', { host: 'rdp.example', port: 3390 }],
    ['10.0.0.5:1', { host: '10.0.0.5', port: 1 }],
    ['[::1]:3390', { host: '::1', port: 3390 }],
    ['[fe80::1]', { host: 'fe80::1', port: 3389 }],
    ['::1', { host: '::1', port: 3389 }],
  ])('reads %s', (text, expected) => {
    expect(parseHostPort(text, 3389)).toEqual(expected);
  });

  it.each(['', ':3389', 'host:', 'host:0', 'host:65536', 'host:12ab', 'a b:1', 'host/x'])(
    'refuses %j as usage',
    (text) => {
      expect(() => parseHostPort(text, 3389)).toThrow(UsageError);
    },
  );

  it('reads ports and seconds strictly', () => {
    expect(parsePort('65535')).toBe(65535);
    expect(() => parsePort('-1')).toThrow(UsageError);
    expect(parseSeconds('1.5', '--timeout')).toBe(1500);
    expect(() => parseSeconds('0', '--timeout')).toThrow(UsageError);
    expect(() => parseSeconds('1e3', '--timeout')).toThrow(UsageError);
  });
});

describe('--password-stdin', () => {
  it.each([
    ['pa:ss word\n', 'pa:ss word'],
    ['crlf\r\n', 'crlf'],
    ['no newline', 'no newline'],
    ['two lines\n\n', 'two lines\n'],
    ['ünïcødé\n', 'ünïcødé'],
  ])('reads %j as the password', async (input, expected) => {
    const password = await readPasswordFromStdin(Readable.from([Buffer.from(input, 'utf8')]));
    expect(password.toString('utf8')).toBe(expected);
  });

  it('reads a password split over chunks', async () => {
    const password = await readPasswordFromStdin(Readable.from([Buffer.from('sec'), Buffer.from('ret\n')]));
    expect(password.toString()).toBe('secret');
  });

  it('refuses an endless stdin instead of reading it all', async () => {
    const huge = Readable.from(
      (function* () {
        for (let i = 0; i < 1000; i++) yield Buffer.alloc(1024, 0x61);
      })(),
    );
    await expect(readPasswordFromStdin(huge)).rejects.toThrow(UsageError);
  });
});

describe('SocketReader', () => {
  let server: Server;
  let port: number;
  let serverSide: Promise<Socket>;
  beforeEach(async () => {
    let accept!: (s: Socket) => void;
    serverSide = new Promise((resolve) => (accept = resolve));
    server = createServer(accept);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  async function pair(): Promise<{ client: Socket; reader: SocketReader; peer: Socket }> {
    const client = connect(port, '127.0.0.1');
    const reader = new SocketReader(client);
    return { client, reader, peer: await serverSide };
  }

  it('assembles a TPKT packet that arrives a few bytes at a time, and keeps what follows', async () => {
    const { client, reader, peer } = await pair();
    const packet = Buffer.from('030000130ed00000123400020008000200000000', 'hex').subarray(0, 19);
    const after = Buffer.from('16030300', 'hex');
    const all = Buffer.concat([packet, after]);
    for (let i = 0; i < all.length; i += 3) {
      peer.write(all.subarray(i, i + 3));
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(await reader.readTpktPacket('the confirm')).toEqual(packet);
    await new Promise((r) => setTimeout(r, 20));
    expect(await reader.readAvailable('the rest')).toEqual(after);
    client.destroy();
    peer.destroy();
  });

  it('refuses a peer that answers TLS where TPKT belongs without waiting for more', async () => {
    const { client, reader, peer } = await pair();
    peer.write(Buffer.from('160301', 'hex'));
    await expect(reader.readTpktPacket('the confirm')).rejects.toBeInstanceOf(SspiError);
    client.destroy();
    peer.destroy();
  });

  it('rejects a pending read when the peer closes, with the network exit code', async () => {
    const { client, reader, peer } = await pair();
    const pending = reader.readAvailable('the token');
    peer.end();
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerClosedError);
    expect((err as PeerClosedError).exitCode).toBe(EXIT.NETWORK);
    client.destroy();
  });
});

describe('describeTlsRecords (demo output)', () => {
  const record = (type: number, body: Buffer) => {
    const header = Buffer.from([type, 3, 3, 0, 0]);
    header.writeUInt16BE(body.length, 3);
    return Buffer.concat([header, body]);
  };
  const handshake = (type: number, length: number) => {
    const msg = Buffer.alloc(4 + length);
    msg[0] = type;
    msg.writeUIntBE(length, 1, 3);
    return msg;
  };

  it('names clear handshake messages, then counts records after ChangeCipherSpec as encrypted', () => {
    const direction = { encrypted: false };
    const flight = Buffer.concat([
      record(22, Buffer.concat([handshake(2, 40), handshake(11, 300), handshake(14, 0)])),
    ]);
    expect(describeTlsRecords(flight, direction)).toBe('ServerHello, Certificate, ServerHelloDone');
    const finished = Buffer.concat([record(20, Buffer.from([1])), record(22, Buffer.alloc(40, 0x99))]);
    expect(describeTlsRecords(finished, direction)).toBe('ChangeCipherSpec, 1 encrypted record');
    expect(describeTlsRecords(record(23, Buffer.alloc(10)), direction)).toBe('1 encrypted record');
  });

  it('says "unreadable" rather than throwing on garbage', () => {
    const direction = { encrypted: false };
    expect(describeTlsRecords(Buffer.from('300102', 'hex'), direction)).toBe('unreadable bytes');
    expect(describeTlsRecords(Buffer.from('1603030010aa', 'hex'), direction)).toBe('unreadable bytes');
  });
});
