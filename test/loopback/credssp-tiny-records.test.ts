/**
 * What a peer can make either side of CredSSP spend by cutting its records small or many
 * (issue 13 items 1 and 2): a TSRequest sent one byte per TLS record, a DER header announcing
 * more than a TSRequest may hold, and a token of 150,000 records. Each is refused with
 * SEC_E_INVALID_TOKEN, promptly, on the acceptor and on the initiator alike.
 */
import { performance } from 'node:perf_hooks';
import type { SecureVersion } from 'node:tls';
import { SEC } from '../../lib/constants';
import { MAX_RECORDS_PER_READ } from '../../lib/emulated/packages/credssp/channel';
import { CredsspAcceptor } from '../../lib/emulated/packages/credssp/acceptor';
import { CredsspInitiator } from '../../lib/emulated/packages/credssp/initiator';
import { MAX_TSREQUEST_LENGTH } from '../../lib/emulated/packages/credssp/tsrequest-assembly';
import { TlsEngine } from '../../lib/emulated/tls/engine';
import { ascRequest, clientCredential, codeOf, iscRequest, serverCredential } from './credssp-helpers';

/** A bound for work that takes milliseconds once bounded, and seconds when it is not. */
const PROMPT_MS = 1500;

/** A record with `body` (a handshake fragment in the clear, as before any key is agreed). */
function plainRecord(type: number, body: Buffer): Buffer {
  const header = Buffer.from([type, 3, 3, 0, 0]);
  header.writeUInt16BE(body.length, 3);
  return Buffer.concat([header, body]);
}

/** `count` one-byte handshake records: a handshake message that never ends, no key needed. */
function handshakeSlivers(count: number, first: Buffer): Buffer {
  const slivers = [plainRecord(22, first)];
  for (let i = 1; i < count; i++) slivers.push(plainRecord(22, Buffer.from([0])));
  return Buffer.concat(slivers);
}

/** An acceptor that has finished TLS with `tls`, our hand-driven client, and waits for a TSRequest. */
async function acceptorAfterHandshake(
  version: SecureVersion,
): Promise<{ server: CredsspAcceptor; tls: TlsEngine }> {
  const server = new CredsspAcceptor(serverCredential());
  const tls = TlsEngine.client({ maxVersion: version });
  await tls.start();
  while (!tls.handshakeComplete) {
    const answer = await server.step(ascRequest(tls.takeOutput()));
    await tls.feed(answer.output);
  }
  // TLS 1.3: the client's Finished still has to reach the acceptor.
  const rest = tls.takeOutput();
  if (rest.length > 0) await tls.feed((await server.step(ascRequest(rest))).output);
  return { server, tls };
}

/** `bytes` encrypted one byte per TLS record. */
async function oneBytePerRecord(tls: TlsEngine, bytes: Buffer): Promise<Buffer> {
  for (const byte of bytes) await tls.writeNow(Buffer.from([byte]));
  return tls.takeOutput();
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe.each<SecureVersion>(['TLSv1.3', 'TLSv1.2'])('CredSSP over %s', (version) => {
  it('refuses a TSRequest cut into 50,000 one-byte records, promptly', async () => {
    const { server, tls } = await acceptorAfterHandshake(version);
    // A DER header announcing 60,000 bytes (within the limit), then the bytes one per record.
    const header = Buffer.from([0x30, 0x82, 0xea, 0x5c]);
    const token = await oneBytePerRecord(
      tls,
      Buffer.concat([header, Buffer.alloc(50_000 - header.length, 1)]),
    );
    const { value: code, ms } = await timed(() => codeOf(server.step(ascRequest(token))));
    expect(code).toBe('SEC_E_INVALID_TOKEN');
    expect(ms).toBeLessThan(PROMPT_MS);
    server.dispose();
    tls.dispose();
  }, 60_000);

  it('refuses a TSRequest whose DER header announces more than the limit, before its bytes arrive', async () => {
    const { server, tls } = await acceptorAfterHandshake(version);
    const header = Buffer.from([0x30, 0x83, 0, 0, 0]);
    header.writeUIntBE(MAX_TSREQUEST_LENGTH - header.length + 1, 2, 3); // one byte too many
    await tls.writeNow(header);
    expect(await codeOf(server.step(ascRequest(tls.takeOutput())))).toBe('SEC_E_INVALID_TOKEN');
    server.dispose();
    tls.dispose();
  });
});

describe('a token of 150,000 records', () => {
  // A ClientHello (for the acceptor) or ServerHello (for the initiator) header announcing 16,383
  // bytes, which then come one per record: no crypto at all.
  const clientHello = Buffer.from([1, 0, 0x3f, 0xff]);
  const serverHello = Buffer.from([2, 0, 0x3f, 0xff]);

  it('is SEC_E_INVALID_TOKEN for the acceptor, not a stack overflow', async () => {
    const server = new CredsspAcceptor(serverCredential());
    const token = handshakeSlivers(150_000, clientHello);
    const { value: code, ms } = await timed(() => codeOf(server.step(ascRequest(token))));
    expect(code).toBe('SEC_E_INVALID_TOKEN');
    expect(ms).toBeLessThan(PROMPT_MS);
    server.dispose();
  });

  it('is SEC_E_INVALID_TOKEN for the initiator, not a stack overflow', async () => {
    const client = new CredsspInitiator(clientCredential());
    expect((await client.step(iscRequest(undefined))).status).toBe(SEC.I_CONTINUE_NEEDED);
    const token = handshakeSlivers(150_000, serverHello);
    const { value: code, ms } = await timed(() => codeOf(client.step(iscRequest(token))));
    expect(code).toBe('SEC_E_INVALID_TOKEN');
    expect(ms).toBeLessThan(PROMPT_MS);
    client.dispose();
  });

  it(`still lets ${MAX_RECORDS_PER_READ} records through (the bound is on count, not on tiny records as such)`, async () => {
    // The same ClientHello header in one-byte records, as many as a read may take: TLS waits for more.
    const server = new CredsspAcceptor(serverCredential());
    const result = await server.step(ascRequest(handshakeSlivers(MAX_RECORDS_PER_READ, clientHello)));
    expect(result.status).toBe(SEC.I_CONTINUE_NEEDED);
    server.dispose();
  });
});
