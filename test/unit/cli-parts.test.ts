import { createServer, connect, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { EXIT, UsageError } from '../../lib/cli/exit-codes';
import { readPasswordFromStdin } from '../../lib/cli/password';
import { HandshakeSlots } from '../../lib/cli/handshake-slots';
import {
  ConnectionGoneError,
  IdleTimeoutError,
  PeerClosedError,
  SocketReader,
  writeAll,
} from '../../lib/cli/socket-reader';
import { parseHostPort, parsePort, parseSeconds } from '../../lib/cli/tcp';
import { describeTlsRecords } from '../../lib/cli/tls-records';
import { describeErrorCode, secStatusOfErrorCode } from '../../lib/emulated/packages/credssp/ntstatus';
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

  async function pair(
    idleTimeoutMs?: number,
  ): Promise<{ client: Socket; reader: SocketReader; peer: Socket }> {
    const client = connect(port, '127.0.0.1');
    const reader = new SocketReader(client, { idleTimeoutMs });
    return { client, reader, peer: await serverSide };
  }

  it('with an idle timeout, fails a read after that long without a byte, and not while bytes trickle in', async () => {
    const { client, reader, peer } = await pair(150);
    const packet = Buffer.from('030000130ed00000123400020008000200000000', 'hex').subarray(0, 19);
    // 19 bytes at one per 50 ms take ~950 ms in all, far above the idle timeout: still read whole.
    const pending = reader.readTpktPacket('the confirm');
    for (const byte of packet) {
      peer.write(Buffer.from([byte]));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await pending).toEqual(packet);
    // Time spent not reading is not idleness: a read started after a pause gets its full timeout.
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const err = await reader.readAvailable('the next token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdleTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    client.destroy();
    peer.destroy();
  });

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

describe('writeAll', () => {
  it('refuses to write to a destroyed socket with its own error, not Node\'s "write after destroyed"', async () => {
    const socket = connect(1, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.destroy();
    await expect(writeAll(socket, Buffer.from([1]))).rejects.toBeInstanceOf(ConnectionGoneError);
  });
});

describe('HandshakeSlots', () => {
  it('grants up to the limit, then first in first out as slots are released', async () => {
    const slots = new HandshakeSlots(2);
    const never = new AbortController().signal;
    const first = await slots.acquire(never);
    await slots.acquire(never);
    const granted: number[] = [];
    const waiters = [3, 4, 5].map((n) => slots.acquire(never).then((release) => (granted.push(n), release)));
    expect(slots.queued).toBe(3);
    first();
    first(); // a second release of the same slot frees nothing more
    const third = await waiters[0];
    await new Promise((r) => setImmediate(r));
    expect(granted).toEqual([3]);
    expect(slots.active).toBe(2);
    third();
    await waiters[1];
    expect(granted).toEqual([3, 4]);
  });

  it('an abandoned wait leaves the queue and rejects with the reason', async () => {
    const slots = new HandshakeSlots(1);
    const release = await slots.acquire(new AbortController().signal);
    const leaving = new AbortController();
    const abandoned = slots.acquire(leaving.signal);
    const next = slots.acquire(new AbortController().signal);
    leaving.abort(new Error('client left'));
    await expect(abandoned).rejects.toThrow('client left');
    expect(slots.queued).toBe(1);
    release();
    await expect(next).resolves.toEqual(expect.any(Function));
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

describe('a CredSSP server errorCode, as the package names it', () => {
  it('names the raw code and the Win32 error inside it', () => {
    expect(describeErrorCode(0xc00700ea)).toBe('0xc00700ea (Win32 error 234 carried as an NTSTATUS)');
    expect(describeErrorCode(0x800700ea)).toBe('0x800700ea (Win32 error 234 carried as an HRESULT)');
    expect(describeErrorCode(0xc00000bb)).toBe('STATUS_NOT_SUPPORTED (0xc00000bb)');
  });

  it.each([0xc000006d, 0x8007052e])('reads a refused logon (%i) as SEC_E_LOGON_DENIED', (code) => {
    expect(secStatusOfErrorCode(code)).toBe('SEC_E_LOGON_DENIED');
  });

  it('does not read a code that names no logon problem as a refused logon', () => {
    expect(secStatusOfErrorCode(0xc00700ea)).not.toBe('SEC_E_LOGON_DENIED');
  });
});
