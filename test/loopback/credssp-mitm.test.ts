/**
 * Peers that are not who they claim: a relay that terminates TLS with its own key and forwards
 * the inner NTLM to the real acceptor, and scripted servers that answer pubKeyAuth wrongly or
 * change their version. The client must stop before any authInfo leaves.
 */
import { createSecureContext } from 'node:tls';
import { SEC } from '../../lib/constants';
import { createAcceptorMechanism } from '../../lib/emulated/packages/inner-mechanism';
import type { MechanismContext } from '../../lib/emulated/mechanisms/mechanism-context';
import { clientPubKeyAuth, serverPubKeyAuth } from '../../lib/emulated/packages/credssp/pubkeyauth';
import {
  decodeTsRequest,
  encodeTsRequest,
  type TsRequest,
} from '../../lib/emulated/packages/credssp/tsrequest';
import { generateSelfSignedCertificate, subjectPublicKeyOf } from '../../lib/emulated/tls/certificate';
import { TlsEngine } from '../../lib/emulated/tls/engine';
import { isSspiError, type SspiError } from '../../lib/errors';
import {
  CredsspAcceptor,
  CredsspInitiator,
  ascRequest,
  clientCredential,
  codeOf,
  iscRequest,
  serverCredential,
} from './credssp-helpers';

let relayContext: ReturnType<typeof createSecureContext>;
let relayKey: Buffer;
beforeAll(async () => {
  const made = await generateSelfSignedCertificate({ commonName: 'relay.example', keyType: 'ecdsa' });
  relayContext = createSecureContext({ cert: made.certPem, key: made.keyPem });
  relayKey = subjectPublicKeyOf(made.der);
});

/** The TLS server end a fake peer shows the client, reading and writing whole TSRequests. */
class FakeServerTls {
  readonly tls = TlsEngine.server({ secureContext: relayContext });
  private plaintext = Buffer.alloc(0);

  /** Run the client's handshake until its first TSRequest arrives; returns it. */
  async handshake(client: CredsspInitiator): Promise<TsRequest> {
    let c = await client.step(iscRequest(undefined));
    for (;;) {
      const request = await this.read(c.output);
      if (request) return request;
      c = await client.step(iscRequest(this.tls.takeOutput()));
    }
  }

  /** Feed the client's token; the TSRequest in it, if one is complete. */
  async read(token: Buffer): Promise<TsRequest | undefined> {
    await this.tls.feed(token);
    this.plaintext = Buffer.concat([this.plaintext, this.tls.takePlaintext()]);
    if (this.plaintext.length === 0) return undefined;
    const request = decodeTsRequest(this.plaintext);
    this.plaintext = Buffer.alloc(0);
    return request;
  }

  /** Encrypt a TSRequest (after any pending handshake output). */
  async write(request: TsRequest): Promise<Buffer> {
    await this.tls.write(encodeTsRequest(request));
    return this.tls.takeOutput();
  }
}

describe('a relay with its own TLS key forwarding NTLM to the real acceptor', () => {
  it('is refused, and the acceptor receives no credentials', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(serverCredential());
    const down = new FakeServerTls();
    const up = TlsEngine.client();
    const fromClient: TsRequest[] = [];

    // The relay's own TLS session with the real acceptor.
    await up.start();
    let upToken = up.takeOutput();
    while (!up.handshakeComplete) {
      const s = await acceptor.step(ascRequest(upToken));
      await up.feed(s.output);
      upToken = up.takeOutput();
    }
    const forward = async (request: TsRequest): Promise<Buffer> => {
      await up.write(encodeTsRequest(request));
      const token = Buffer.concat([upToken, up.takeOutput()]);
      upToken = Buffer.alloc(0);
      let answer: Buffer;
      try {
        answer = (await acceptor.step(ascRequest(token))).output;
      } catch (err) {
        answer = (err as SspiError).output ?? Buffer.alloc(0);
        acceptorError = err as SspiError;
      }
      await up.feed(answer);
      return down.write(decodeTsRequest(up.takePlaintext()));
    };
    let acceptorError: SspiError | undefined;

    let request = await down.handshake(client);
    let clientError: unknown;
    for (let leg = 0; leg < 6 && !clientError; leg++) {
      fromClient.push(request);
      const toClient = await forward(request);
      try {
        const c = await client.step(iscRequest(toClient));
        if (c.status === SEC.E_OK) break;
        request = (await down.read(c.output))!;
      } catch (err) {
        clientError = err;
      }
    }
    // The acceptor saw a pubKeyAuth bound to the relay's key, not its own.
    expect(isSspiError(acceptorError, 'SEC_E_MESSAGE_ALTERED')).toBe(true);
    // The client stopped too (it learns why through errorCode) and never sent authInfo.
    expect(isSspiError(clientError)).toBe(true);
    expect(fromClient.some((r) => r.pubKeyAuth)).toBe(true);
    expect(fromClient.some((r) => r.authInfo)).toBe(false);
    expect(await codeOf(Promise.resolve().then(() => acceptor.query('delegatedCredentials')))).not.toBe(
      'resolved',
    );
  });
});

/**
 * A server that runs NTLM properly but answers pubKeyAuth with `answer(...)`, and advertises
 * `versions[i]` in its i-th TSRequest.
 */
async function scriptedServer(
  client: CredsspInitiator,
  answer: (subjectPublicKey: Buffer, nonce: Buffer | undefined) => Buffer,
  versions = [6, 6],
): Promise<{ clientError: unknown; fromClient: TsRequest[] }> {
  const down = new FakeServerTls();
  const mech: MechanismContext = createAcceptorMechanism(serverCredential());
  const fromClient: TsRequest[] = [];
  let request = await down.handshake(client);
  try {
    fromClient.push(request);
    const challenge = mech.step(request.negoTokens![0]).output;
    let c = await client.step(
      iscRequest(await down.write({ version: versions[0], negoTokens: [challenge] })),
    );
    request = (await down.read(c.output))!;
    fromClient.push(request);
    mech.step(request.negoTokens![0]);
    mech.unwrap(request.pubKeyAuth!);
    const pubKeyAuth = mech.wrap(answer(relayKey, request.clientNonce));
    c = await client.step(iscRequest(await down.write({ version: versions[1], pubKeyAuth })));
    fromClient.push((await down.read(c.output))!);
    return { clientError: undefined, fromClient };
  } catch (err) {
    return { clientError: err, fromClient };
  }
}

describe('a server whose pubKeyAuth answer is wrong', () => {
  it('is accepted when the answer is right (the script itself works)', async () => {
    const { clientError, fromClient } = await scriptedServer(
      new CredsspInitiator(clientCredential()),
      (key, nonce) => serverPubKeyAuth(6, key, nonce),
    );
    expect(clientError).toBeUndefined();
    expect(fromClient.at(-1)!.authInfo).toBeDefined();
  });

  it.each([
    [
      'echoes the client’s own hash',
      (key: Buffer, nonce: Buffer | undefined) => clientPubKeyAuth(6, key, nonce),
    ],
    [
      'hashes another key',
      (key: Buffer, nonce: Buffer | undefined) =>
        serverPubKeyAuth(6, Buffer.concat([key, Buffer.from([0])]), nonce),
    ],
    ['answers with the version-2 echo', (key: Buffer) => serverPubKeyAuth(2, key, undefined)],
  ])('is refused when it %s, before authInfo', async (_name, answer) => {
    const { clientError, fromClient } = await scriptedServer(
      new CredsspInitiator(clientCredential()),
      answer,
    );
    expect(isSspiError(clientError, 'SEC_E_MESSAGE_ALTERED')).toBe(true);
    expect(fromClient.some((r) => r.authInfo)).toBe(false);
  });

  it('is refused when it changes its version mid-exchange', async () => {
    const { clientError, fromClient } = await scriptedServer(
      new CredsspInitiator(clientCredential()),
      (key, nonce) => serverPubKeyAuth(6, key, nonce),
      [6, 5],
    );
    expect(isSspiError(clientError, 'SEC_E_INVALID_TOKEN')).toBe(true);
    expect((clientError as Error).message).toContain('changed its protocol version');
    expect(fromClient.some((r) => r.authInfo)).toBe(false);
  });

  it('treats a version above 6 as 6', async () => {
    const { clientError } = await scriptedServer(
      new CredsspInitiator(clientCredential()),
      (key, nonce) => serverPubKeyAuth(6, key, nonce),
      [9, 9],
    );
    expect(clientError).toBeUndefined();
  });

  it('refuses a version-2 server before NTLM AUTHENTICATE when mitigated', async () => {
    const { clientError, fromClient } = await scriptedServer(
      new CredsspInitiator(clientCredential()),
      (key) => serverPubKeyAuth(2, key, undefined),
      [2, 2],
    );
    expect(isSspiError(clientError, 'SEC_E_UNSUPPORTED_FUNCTION')).toBe(true);
    expect(fromClient.length).toBe(1); // only NEGOTIATE ever left
  });
});
