/**
 * Issue 13 item 11: over TLS 1.3 our client's handshake ends with its own Finished. An acceptor
 * that takes one TLS flight per token — it ends its handshake step at the client's Finished and
 * never reads application data that came in the same token — must still get our first TSRequest,
 * and acceptors that answer only after the first TSRequest (ours) must still work, on both
 * TLS versions and on a resumed session.
 */
import { createSecureContext } from 'node:tls';
import { SEC } from '../../lib/constants';
import { CredsspAcceptor } from '../../lib/emulated/packages/credssp/acceptor';
import { CredsspInitiator } from '../../lib/emulated/packages/credssp/initiator';
import { decodeTsRequest, type TsRequest } from '../../lib/emulated/packages/credssp/tsrequest';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
import { TlsEngine } from '../../lib/emulated/tls/engine';
import { authenticate, clientCredential, iscRequest, serverCredential } from './credssp-helpers';

/**
 * The acceptor's TLS layer as such a peer has it: each token is one flight. While the handshake
 * runs, the token goes to TLS and whatever it decrypted besides is dropped unread; after it, a
 * token is one TSRequest.
 */
class OneFlightAcceptor {
  readonly received: TsRequest[] = [];
  private constructor(private readonly tls: TlsEngine) {}

  static async create(): Promise<OneFlightAcceptor> {
    const made = await generateSelfSignedCertificate({ commonName: 'server.example', keyType: 'ecdsa' });
    return new OneFlightAcceptor(
      TlsEngine.server({ secureContext: createSecureContext({ cert: made.certPem, key: made.keyPem }) }),
    );
  }

  async step(token: Buffer): Promise<Buffer> {
    const handshaking = !this.tls.handshakeComplete;
    await this.tls.feed(token);
    const plaintext = this.tls.takePlaintext();
    if (handshaking) plaintext.fill(0);
    else if (plaintext.length > 0) this.received.push(decodeTsRequest(plaintext));
    return this.tls.takeOutput();
  }

  dispose(): void {
    this.tls.dispose();
  }
}

describe('the client’s first TSRequest and its TLS Finished', () => {
  it('reaches an acceptor that reads one TLS flight per token (TLS 1.3)', async () => {
    const server = await OneFlightAcceptor.create();
    const client = new CredsspInitiator(clientCredential({ credssp: { tlsMaxVersion: 'TLSv1.3' } }));
    let result = await client.step(iscRequest(undefined));
    for (let leg = 0; leg < 6 && server.received.length === 0; leg++) {
      expect(result.status).toBe(SEC.I_CONTINUE_NEEDED);
      // A client with nothing to send waits for the server, which waits for the client: the hang.
      if (result.output.length === 0) break;
      result = await client.step(iscRequest(await server.step(result.output)));
    }
    expect(server.received).toHaveLength(1);
    const negotiate = server.received[0].negoTokens?.[0];
    expect(negotiate?.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
    expect(negotiate?.readUInt32LE(8)).toBe(1);
    client.dispose();
    server.dispose();
  });

  it('sends the first TSRequest when called again with no input after its lone Finished (a server without tickets)', async () => {
    const server = await OneFlightAcceptor.create();
    const client = new CredsspInitiator(clientCredential({ credssp: { tlsMaxVersion: 'TLSv1.3' } }));
    const hello = await client.step(iscRequest(undefined));
    const finished = await client.step(iscRequest(await server.step(hello.output)));
    await server.step(finished.output); // its tickets are not passed on: as if it had sent none
    expect(server.received).toHaveLength(0);
    const negotiate = await client.step(iscRequest(undefined));
    expect(negotiate.status).toBe(SEC.I_CONTINUE_NEEDED);
    await server.step(negotiate.output);
    expect(server.received).toHaveLength(1);
    client.dispose();
    server.dispose();
  });

  it.each(['TLSv1.3', 'TLSv1.2'] as const)(
    'still authenticates against our acceptor over %s, and again on the resumed session',
    async (version) => {
      const clientCred = clientCredential({ credssp: { tlsMaxVersion: version } });
      const serverCred = serverCredential();
      for (const round of ['full', 'resumed']) {
        const client = new CredsspInitiator(clientCred);
        const server = new CredsspAcceptor(serverCred);
        const transcript = await authenticate(client, server);
        expect(transcript.client.at(-1)!.status).toBe(SEC.E_OK);
        expect(client.query('negotiationInfo')).toMatchObject({ state: 0 });
        if (round === 'resumed')
          expect((client as unknown as { tlsEngine: TlsEngine }).tlsEngine.resumed).toBe(true);
        client.dispose();
        server.dispose();
      }
    },
  );
});
