import { createSecureContext } from 'node:tls';
import {
  CredsspChannel,
  MAX_RECORDS_PER_READ,
  cutToken,
  type ChannelStep,
} from '../../lib/emulated/packages/credssp/channel';
import { decodeTsRequest, encodeTsRequest } from '../../lib/emulated/packages/credssp/tsrequest';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
import { TlsEngine } from '../../lib/emulated/tls/engine';
import { recordLengthAt } from '../../lib/emulated/tls/records';
import { isSspiError } from '../../lib/errors';

/** Run a channel step to its end, waiting for TLS whenever it asks, as CredsspContext.step() does. */
async function drive<T>(step: ChannelStep<T>): Promise<T> {
  for (let next = step.next(); ; next = step.next()) {
    if (next.done) return next.value;
    await next.value;
  }
}

/** A token cut into its records. */
function recordsOf(token: Buffer): Buffer[] {
  const records: Buffer[] = [];
  for (let at = 0; at < token.length; at += records[records.length - 1].length) {
    records.push(token.subarray(at, at + recordLengthAt(token, at)));
  }
  return records;
}

async function connectedPair(): Promise<{ client: CredsspChannel; server: CredsspChannel }> {
  const made = await generateSelfSignedCertificate({ commonName: 'c.example', keyType: 'ecdsa' });
  const client = new CredsspChannel(TlsEngine.client());
  const server = new CredsspChannel(
    TlsEngine.server({ secureContext: createSecureContext({ cert: made.certPem, key: made.keyPem }) }),
  );
  await client.tls.start();
  let token = client.takeOutput();
  let receiver = server;
  let sender = client;
  while (!(client.tls.handshakeComplete && server.tls.handshakeComplete)) {
    receiver.receive(token);
    await drive(receiver.handshake());
    token = receiver.takeOutput();
    [receiver, sender] = [sender, receiver];
  }
  if (token.length > 0) {
    receiver.receive(token);
    await drive(receiver.readMessage());
  }
  return { client, server };
}

describe('CredsspChannel', () => {
  it('reassembles a TSRequest spread over several records and several input tokens', async () => {
    const { client, server } = await connectedPair();
    const big = { version: 6, negoTokens: [Buffer.alloc(40000, 7)] };
    await drive(client.send(encodeTsRequest(big)));
    const records = recordsOf(client.takeOutput());
    expect(records.length).toBeGreaterThan(2);
    server.receive(records[0]);
    expect(await drive(server.readMessage())).toBeUndefined();
    server.receive(Buffer.concat(records.slice(1)));
    const message = await drive(server.readMessage());
    expect(decodeTsRequest(message!)).toEqual(big);
    expect(server.takeExtra()).toBeUndefined();
  });

  it('leaves the records after one TSRequest queued as extra', async () => {
    const { client, server } = await connectedPair();
    await drive(client.send(encodeTsRequest({ version: 6 })));
    await drive(client.send(encodeTsRequest({ version: 5 })));
    const records = recordsOf(client.takeOutput());
    server.receive(Buffer.concat(records));
    expect(decodeTsRequest((await drive(server.readMessage()))!).version).toBe(6);
    expect(server.takeExtra()).toEqual(records[1]);
  });

  it('refuses plaintext that is not a TSRequest', async () => {
    const { client, server } = await connectedPair();
    await drive(client.send(Buffer.from('GET / HTTP/1.1\r\n')));
    server.receive(client.takeOutput());
    let caught: unknown;
    await drive(server.readMessage()).catch((err) => (caught = err));
    expect(isSspiError(caught, 'SEC_E_INVALID_TOKEN')).toBe(true);
  });

  /** A TSRequest of exactly `length` bytes, sent one byte per TLS record. */
  async function inOneByteRecords(sender: CredsspChannel, length: number): Promise<Buffer> {
    const message = encodeTsRequest({ version: 6, negoTokens: [Buffer.alloc(length - 23, 3)] });
    expect(message.length).toBe(length);
    for (const byte of message) await drive(sender.send(Buffer.from([byte])));
    return sender.takeOutput();
  }

  it(`reads a TSRequest of ${MAX_RECORDS_PER_READ} records, and the next one of as many`, async () => {
    const { client, server } = await connectedPair();
    const first = await inOneByteRecords(client, MAX_RECORDS_PER_READ);
    const second = await inOneByteRecords(client, MAX_RECORDS_PER_READ);
    server.receive(Buffer.concat([first, second]));
    expect((await drive(server.readMessage()))!.length).toBe(MAX_RECORDS_PER_READ);
    expect((await drive(server.readMessage()))!.length).toBe(MAX_RECORDS_PER_READ);
  });

  it(`refuses a TSRequest of ${MAX_RECORDS_PER_READ + 1} records, also across input tokens`, async () => {
    const { client, server } = await connectedPair();
    const records = recordsOf(await inOneByteRecords(client, MAX_RECORDS_PER_READ + 1));
    server.receive(Buffer.concat(records.slice(0, 100)));
    expect(await drive(server.readMessage())).toBeUndefined();
    server.receive(Buffer.concat(records.slice(100)));
    let caught: unknown;
    await drive(server.readMessage()).catch((err) => (caught = err));
    expect(isSspiError(caught, 'SEC_E_INVALID_TOKEN')).toBe(true);
  });

  it('reports how many bytes a cut token is missing', () => {
    expect(cutToken(Buffer.from([23, 3, 3, 0, 10, 1, 2]))).toEqual({ missing: 8 });
  });
});
