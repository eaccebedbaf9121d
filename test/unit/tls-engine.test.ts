import { createSecureContext } from 'node:tls';
import { generateSelfSignedCertificate, subjectPublicKeyOf } from '../../lib/emulated/tls/certificate';
import { TlsEngine } from '../../lib/emulated/tls/engine';
import { recordLengthAt, scanRecords } from '../../lib/emulated/tls/records';

let secureContext: ReturnType<typeof createSecureContext>;
let certDer: Buffer;

beforeAll(async () => {
  const made = await generateSelfSignedCertificate({ commonName: 'engine.example', keyType: 'ecdsa' });
  secureContext = createSecureContext({ cert: made.certPem, key: made.keyPem });
  certDer = made.der;
});

/** Ping-pong the two engines until both finish the handshake; returns the flights in order. */
async function handshake(client: TlsEngine, server: TlsEngine): Promise<Buffer[]> {
  const flights: Buffer[] = [];
  await client.start();
  let token = client.takeOutput();
  let toServer = true;
  while (token.length > 0) {
    flights.push(token);
    // Every flight is made of whole records.
    expect(scanRecords(token)).toEqual({ length: token.length, missing: 0 });
    const receiver = toServer ? server : client;
    await receiver.feed(token);
    token = receiver.takeOutput();
    toServer = !toServer;
  }
  return flights;
}

describe.each(['TLSv1.2', 'TLSv1.3'] as const)('TlsEngine over %s', (version) => {
  it('completes the handshake in the expected number of flights and carries data both ways', async () => {
    const client = TlsEngine.client({ maxVersion: version });
    const server = TlsEngine.server({ secureContext });
    const flights = await handshake(client, server);
    expect(client.handshakeComplete).toBe(true);
    expect(server.handshakeComplete).toBe(true);
    expect(client.protocol).toBe(version);
    // TLS 1.2: ClientHello, server flight, client Finished flight, server Finished.
    // TLS 1.3: ClientHello, server flight, client Finished; then session tickets from the server.
    expect(flights.length).toBe(4);
    expect(subjectPublicKeyOf(client.peerCertificate()!.raw)).toEqual(subjectPublicKeyOf(certDer));

    await client.write(Buffer.from('hello server'));
    const toServer = client.takeOutput();
    expect(toServer.includes(Buffer.from('hello server'))).toBe(false);
    await server.feed(toServer);
    expect(server.takePlaintext().toString()).toBe('hello server');

    await server.write(Buffer.from('hello client'));
    await client.feed(server.takeOutput());
    expect(client.takePlaintext().toString()).toBe('hello client');
    expect(client.session).toBeDefined();
    client.dispose();
    server.dispose();
  });

  it('takes a flight fed one record at a time', async () => {
    const client = TlsEngine.client({ maxVersion: version });
    const server = TlsEngine.server({ secureContext });
    await client.start();
    await server.feed(client.takeOutput());
    const serverFlight = server.takeOutput();
    for (let at = 0; at < serverFlight.length;) {
      const end = at + recordLengthAt(serverFlight, at);
      await client.feed(serverFlight.subarray(at, end));
      at = end;
    }
    await server.feed(client.takeOutput());
    await client.feed(server.takeOutput());
    expect(client.handshakeComplete).toBe(true);
    expect(server.handshakeComplete).toBe(true);
    client.dispose();
    server.dispose();
  });

  it('resumes a session it was given', async () => {
    const first = TlsEngine.client({ maxVersion: version });
    const server1 = TlsEngine.server({ secureContext });
    await handshake(first, server1);
    // TLS 1.3 tickets can come after the handshake; they are already in (flight 4).
    const session = first.session!;
    const second = TlsEngine.client({ maxVersion: version, session });
    const server2 = TlsEngine.server({ secureContext });
    await handshake(second, server2);
    expect(second.resumed).toBe(true);
    expect(subjectPublicKeyOf(second.peerCertificate()!.raw)).toEqual(subjectPublicKeyOf(certDer));
    for (const e of [first, server1, second, server2]) e.dispose();
  });
});

it('reports a peer that speaks something other than TLS', async () => {
  const server = TlsEngine.server({ secureContext });
  await server.feed(Buffer.from([22, 3, 1, 0, 4, 0xff, 0xff, 0xff, 0xff]));
  expect(server.error).toBeDefined();
  expect(server.handshakeComplete).toBe(false);
  server.dispose();
});
