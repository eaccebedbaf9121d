/**
 * The TLS engine knows a step is done from three facts about Node's TLS over a JS stream (see the
 * head of lib/emulated/tls/engine.ts). These tests fail if a Node release changes one of them:
 * late output shows up after a step said it was done, or a step needs more turns than it should.
 * They run twice: with TLS's writes completed at once (write-completion.ts, the normal case), and
 * with that unavailable, where a step waits one check phase for a write still in flight.
 */
import { createSecureContext } from 'node:tls';
import { generateSelfSignedCertificate } from '../../../lib/emulated/tls/certificate';
import { TlsEngine } from '../../../lib/emulated/tls/engine';

/** `phasesWhileWriting`: check phases a step waits when TLS's previous write was not yet reported done. */
export function engineTimingSuite(phasesWhileWriting: 0 | 1): void {
  let secureContext: ReturnType<typeof createSecureContext>;

  beforeAll(async () => {
    const made = await generateSelfSignedCertificate({ commonName: 'timing.example', keyType: 'ecdsa' });
    secureContext = createSecureContext({ cert: made.certPem, key: made.keyPem });
  });

  /** Several check phases and a timer: anything Node still had queued has run by then. */
  async function quietPeriod(): Promise<void> {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  /** How many check phases pass while `step` runs. */
  async function checkPhasesDuring(step: () => Promise<void>): Promise<number> {
    let phases = 0;
    let running = true;
    const count = () => {
      if (!running) return;
      phases++;
      setImmediate(count);
    };
    setImmediate(count);
    await step();
    running = false;
    return phases;
  }

  /** A client and a server engine that have finished their handshake. */
  async function establishedPair(): Promise<{ client: TlsEngine; server: TlsEngine }> {
    const client = TlsEngine.client();
    const server = TlsEngine.server({ secureContext });
    await client.start();
    let token = client.takeOutput();
    for (let receiver = server; token.length > 0; receiver = receiver === server ? client : server) {
      await receiver.feed(token);
      token = receiver.takeOutput();
    }
    return { client, server };
  }

  describe.each(['TLSv1.2', 'TLSv1.3'] as const)('over %s', (version) => {
    it('has all of a step’s output when the step resolves: nothing comes later', async () => {
      const client = TlsEngine.client({ maxVersion: version });
      const server = TlsEngine.server({ secureContext });
      await client.start();
      let token = client.takeOutput();
      expect(token.length).toBeGreaterThan(0);
      let receiver = server;
      let flights = 0;
      while (token.length > 0) {
        await receiver.feed(token);
        token = receiver.takeOutput();
        // If Node deferred part of an answer, it would turn up here.
        await quietPeriod();
        expect(receiver.takeOutput().length).toBe(0);
        receiver = receiver === server ? client : server;
        flights++;
      }
      expect(flights).toBe(4);
      expect(client.handshakeComplete && server.handshakeComplete).toBe(true);

      for (let i = 0; i < 3; i++) {
        await client.write(Buffer.alloc(20000, i));
        const records = client.takeOutput();
        await quietPeriod();
        expect(client.takeOutput().length).toBe(0);
        await server.feed(records);
        expect(server.takePlaintext()).toEqual(Buffer.alloc(20000, i));
      }
      client.dispose();
      server.dispose();
    });

    it('answers within the turn, and waits for a write in flight only when it cannot complete it', async () => {
      const client = TlsEngine.client({ maxVersion: version });
      const server = TlsEngine.server({ secureContext });
      await client.start();
      const hello = client.takeOutput();
      await quietPeriod();
      // Fact 1: the server's whole flight comes out in the same turn as the ClientHello goes in.
      expect(await checkPhasesDuring(() => server.feed(hello))).toBe(0);
      expect(server.takeOutput().length).toBeGreaterThan(0);
      // Fact 2: the server's flight is written; its next step waits for the write to be reported
      // done — no turn when the engine completes writes itself, one check phase when it cannot.
      expect(await checkPhasesDuring(() => server.feed(Buffer.alloc(0)))).toBe(phasesWhileWriting);
      client.dispose();
      server.dispose();
    });
  });

  it('encrypts message after message, waiting for the previous write only when it cannot complete it', async () => {
    const { client, server } = await establishedPair();
    await client.write(Buffer.alloc(16000, 1));
    const first = client.takeOutput();
    // EncryptMessage after EncryptMessage, as a WinRM client sends a body: the second waits for
    // the first's write only when the engine cannot report it done itself.
    expect(await checkPhasesDuring(() => client.write(Buffer.alloc(16000, 2)))).toBe(phasesWhileWriting);
    const records = client.takeOutput();
    await quietPeriod();
    expect(client.takeOutput().length).toBe(0);
    await server.feed(Buffer.concat([first, records]));
    expect(server.takePlaintext()).toEqual(Buffer.concat([Buffer.alloc(16000, 1), Buffer.alloc(16000, 2)]));
    client.dispose();
    server.dispose();
  });

  it('reports a TLS failure by the time the step resolves (fact 3)', async () => {
    const server = TlsEngine.server({ secureContext });
    await server.start();
    await quietPeriod();
    // A record header that promises a handshake message, then garbage: OpenSSL refuses it.
    const phases = await checkPhasesDuring(() =>
      server.feed(Buffer.from([22, 3, 1, 0, 4, 0xff, 0xff, 0xff, 0xff])),
    );
    expect(server.error).toBeDefined();
    expect(phases).toBe(0);
    server.dispose();
  });

  it('reports a tampered record after the handshake by the time the step resolves, without a turn', async () => {
    const { client, server } = await establishedPair();
    await client.write(Buffer.from('payload'));
    const record = client.takeOutput();
    record[record.length - 1] ^= 1;
    // Let the server see its session tickets written, so what is measured is the failure alone.
    await server.feed(Buffer.alloc(0));
    expect(await checkPhasesDuring(() => server.feed(record))).toBe(0);
    expect(server.error).toBeDefined();
    expect(server.takePlaintext().length).toBe(0);
    client.dispose();
    server.dispose();
  });
}
