/**
 * Our own RDP NLA client for the load test, built from the CLI's pieces: the X.224 preamble
 * asking for PROTOCOL_HYBRID, then CredSSP over the socket. Also the two hostile clients the
 * server must time out: one that sends a byte per 100 ms, one that stops mid-handshake.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  ISC_REQ,
  SspiError,
  acquireCredentialsHandle,
  deleteSecurityContext,
  freeCredentialsHandle,
  initializeSecurityContext,
} from '../../lib';
import { runSecurityExchange } from '../../lib/cli/security-exchange';
import { SocketReader, writeAll } from '../../lib/cli/socket-reader';
import { PROTOCOL, encodeConnectionRequest, parseConnectionConfirm } from '../../lib/cli/x224';

const FLAGS = ISC_REQ.DELEGATE | ISC_REQ.USE_SUPPLIED_CREDS;

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** How one client ended: 'success', a SEC_E_* code, or 'network: …'; and how long it took. */
export interface ClientResult {
  result: string;
  ms: number;
}

/** A well-behaved client: the preamble, then CredSSP to the end. */
export async function nlaClient(port: number, password: string): Promise<ClientResult> {
  const started = performance.now();
  const credential = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: '', password },
  });
  let socket: Socket | undefined;
  try {
    socket = await open(port);
    const s = socket;
    const reader = new SocketReader(s);
    await writeAll(
      s,
      encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID | PROTOCOL.SSL, cookie: 'alice' }),
    );
    const confirm = parseConnectionConfirm(await reader.readTpktPacket('the X.224 Connection Confirm'));
    if (confirm.kind !== 'response' || confirm.selectedProtocol !== PROTOCOL.HYBRID) {
      return { result: `network: confirm ${JSON.stringify(confirm)}`, ms: performance.now() - started };
    }
    const done = await runSecurityExchange({
      role: 'initiator',
      socket: s,
      reader,
      call: (context, input) =>
        initializeSecurityContext({
          credential,
          context,
          targetName: 'TERMSRV/127.0.0.1',
          flags: FLAGS,
          input,
        }),
    });
    await deleteSecurityContext(done.context);
    return { result: 'success', ms: performance.now() - started };
  } catch (err) {
    const result = err instanceof SspiError ? err.code : `network: ${(err as Error).message}`;
    return { result, ms: performance.now() - started };
  } finally {
    socket?.destroy();
    await freeCredentialsHandle(credential);
  }
}

/** Resolves with the ms from connect until the server closed the connection. */
function closedAfter(socket: Socket, started: number): Promise<number> {
  return new Promise((resolve) => {
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(performance.now() - started));
  });
}

/**
 * A valid but slow client: its Connection Request and then its TLS ClientHello, one byte per
 * 100 ms (the server's Connection Confirm in between is read and ignored). Resolves with the ms
 * from connect until the server closed the connection.
 */
export async function slowClient(port: number): Promise<number> {
  const credential = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: '', password: 'whatever' },
  });
  const first = await initializeSecurityContext({
    credential,
    targetName: 'TERMSRV/127.0.0.1',
    flags: FLAGS,
  });
  const bytes = Buffer.concat([
    encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID }),
    first.output,
  ]);
  await deleteSecurityContext(first.context);
  await freeCredentialsHandle(credential);
  const socket = await open(port);
  const started = performance.now();
  const closed = closedAfter(socket, started);
  socket.on('data', () => undefined);
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= bytes.length) return clearInterval(timer);
    socket.write(bytes.subarray(i, ++i));
  }, 100);
  const ms = await closed;
  clearInterval(timer);
  return ms;
}

/** Completes the preamble, sends the first CredSSP token (the TLS ClientHello), then goes silent. */
export async function stallingClient(port: number): Promise<number> {
  const credential = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: '', password: 'whatever' },
  });
  const socket = await open(port);
  const started = performance.now();
  const closed = closedAfter(socket, started);
  try {
    const reader = new SocketReader(socket);
    await writeAll(socket, encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID }));
    parseConnectionConfirm(await reader.readTpktPacket('the X.224 Connection Confirm'));
    const first = await initializeSecurityContext({
      credential,
      targetName: 'TERMSRV/127.0.0.1',
      flags: FLAGS,
    });
    await writeAll(socket, first.output);
    await deleteSecurityContext(first.context);
    return await closed;
  } finally {
    socket.destroy();
    await freeCredentialsHandle(credential);
  }
}
