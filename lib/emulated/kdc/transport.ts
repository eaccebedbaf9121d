/**
 * One request to one KDC and its reply (RFC 4120 7.2): over UDP a datagram each way, over TCP
 * each message after its 4-byte big-endian length. What a KDC — or whoever answers in its place
 * before anything is authenticated — can make us hold is bounded: a reply is at most
 * MAX_REPLY_BYTES, a TCP length with its reserved high bit set is refused (RFC 4120 7.2.2), and
 * every attempt has a deadline. Replies are not trusted here: the Kerberos layer checks them.
 */
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';

/** AD tickets carry a PAC and grow with group membership; Windows' MaxTokenSize tops at 64 KiB. */
export const MAX_REPLY_BYTES = 256 * 1024;

/** What a reply may start with: [APPLICATION 11] AS-REP, [APPLICATION 13] TGS-REP, [APPLICATION 30] KRB-ERROR. */
const REPLY_TAGS = new Set([0x6b, 0x6d, 0x7e]);

export interface Attempt {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  timeoutMs: number;
  signal?: AbortSignal;
}

/** Why an attempt failed, for the message that lists every KDC tried. */
export class KdcUnreachable extends Error {}

/** Send `request` and wait for the reply; KdcUnreachable on timeout, refusal or a malformed reply. */
export function exchange(attempt: Attempt, request: Buffer): Promise<Buffer> {
  return attempt.protocol === 'udp' ? overUdp(attempt, request) : overTcp(attempt, request);
}

async function overUdp(attempt: Attempt, request: Buffer): Promise<Buffer> {
  const { address, family } = await resolve(attempt.host);
  return new Promise<Buffer>((resolvePromise, reject) => {
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    const finish = settle(attempt, () => socket.close(), resolvePromise, reject);
    socket.on('error', (err) => finish.fail(describe(err)));
    // A connected socket takes datagrams from the KDC's address and port only.
    socket.on('message', (message) => {
      if (message.length > 0 && REPLY_TAGS.has(message[0])) finish.done(message);
      // Anything else is not a KDC reply: keep waiting for one until the deadline.
    });
    socket.connect(attempt.port, address, () => {
      socket.send(request, (err) => {
        if (err) finish.fail(describe(err));
      });
    });
  });
}

async function overTcp(attempt: Attempt, request: Buffer): Promise<Buffer> {
  const { address } = await resolve(attempt.host);
  return new Promise<Buffer>((resolvePromise, reject) => {
    const socket = connect({ host: address, port: attempt.port });
    const finish = settle(attempt, () => socket.destroy(), resolvePromise, reject);
    const chunks: Buffer[] = [];
    let received = 0;
    let expected: number | undefined;
    socket.on('error', (err) => finish.fail(describe(err)));
    socket.on('close', () => finish.fail('the connection closed before the whole reply arrived'));
    socket.on('connect', () => {
      const length = Buffer.alloc(4);
      length.writeUInt32BE(request.length);
      socket.write(Buffer.concat([length, request]));
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (expected === undefined && received >= 4) {
        const head = Buffer.concat(chunks);
        const length = head.readUInt32BE(0);
        if (length & 0x80000000) return finish.fail('the reply uses the reserved high bit of its length');
        if (length > MAX_REPLY_BYTES)
          return finish.fail(`the reply claims ${length} bytes (at most ${MAX_REPLY_BYTES})`);
        expected = length;
        chunks.length = 0;
        chunks.push(head.subarray(4));
        received -= 4;
      }
      if (expected !== undefined && received > expected)
        return finish.fail('more bytes than the reply’s length');
      if (expected !== undefined && received === expected) {
        const reply = Buffer.concat(chunks);
        if (reply.length === 0 || !REPLY_TAGS.has(reply[0]))
          return finish.fail('the reply is not a KDC message');
        finish.done(reply);
      }
    });
  });
}

async function resolve(host: string): Promise<{ address: string; family: number }> {
  try {
    return await lookup(host);
  } catch (err) {
    throw new KdcUnreachable(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** One outcome per attempt: the first of reply, failure, deadline or abort; the socket goes with it. */
function settle(
  attempt: Attempt,
  close: () => void,
  resolvePromise: (reply: Buffer) => void,
  reject: (err: Error) => void,
): { done(reply: Buffer): void; fail(reason: string): void } {
  let settled = false;
  const end = (outcome: () => void) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    attempt.signal?.removeEventListener('abort', onAbort);
    close();
    outcome();
  };
  const fail = (reason: string) => end(() => reject(new KdcUnreachable(reason)));
  const timer = setTimeout(() => fail(`no reply within ${attempt.timeoutMs} ms`), attempt.timeoutMs);
  const onAbort = () => end(() => reject(attempt.signal!.reason as Error));
  if (attempt.signal?.aborted) queueMicrotask(onAbort);
  else attempt.signal?.addEventListener('abort', onAbort, { once: true });
  return { done: (reply) => end(() => resolvePromise(reply)), fail };
}

function describe(err: Error): string {
  return (err as NodeJS.ErrnoException).code ?? err.message;
}
