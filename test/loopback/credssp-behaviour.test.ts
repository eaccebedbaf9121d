import { ISC_REQ, ISC_RET, SEC } from '../../lib/constants';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
import { isSspiError, type SspiError } from '../../lib/errors';
import {
  CredsspAcceptor,
  CredsspInitiator,
  DELEGATE_FLAGS,
  TARGET,
  ascRequest,
  authenticate,
  clientCredential,
  codeOf,
  iscRequest,
  serverCredential,
} from './credssp-helpers';

const server = serverCredential();

describe('refusals before anything is sent', () => {
  it('refuses a request flag CredSSP does not take', async () => {
    const client = new CredsspInitiator(clientCredential());
    expect(await codeOf(client.step(iscRequest(undefined, DELEGATE_FLAGS | ISC_REQ.CONFIDENTIALITY)))).toBe(
      'SEC_E_UNSUPPORTED_FUNCTION',
    );
  });

  it('refuses a target the delegation policy does not allow, on the first call', async () => {
    const client = new CredsspInitiator(clientCredential());
    const error = await client
      .step(iscRequest(undefined, DELEGATE_FLAGS, 'HTTP/web.example'))
      .catch((e: SspiError) => e);
    expect(isSspiError(error, 'SEC_E_DELEGATION_POLICY')).toBe(true);
    expect((error as SspiError).output).toBeUndefined();
  });

  it('says NTLM-only when the target is allowed only with server authentication', async () => {
    const client = new CredsspInitiator(
      clientCredential({
        policy: { allowFreshCredentials: ['WSMAN/*'], allowFreshCredentialsWhenNTLMOnly: [] },
      }),
    );
    expect(await codeOf(client.step(iscRequest(undefined, DELEGATE_FLAGS, 'WSMAN/host.example')))).toBe(
      'SEC_E_POLICY_NLTM_ONLY',
    );
  });

  it('delegates an empty set of credentials without ISC_REQ_DELEGATE, whatever the policy', async () => {
    const client = new CredsspInitiator(
      clientCredential({ policy: { allowFreshCredentialsWhenNTLMOnly: [] } }),
    );
    const acceptor = new CredsspAcceptor(server);
    const transcript = await authenticate(client, acceptor, ISC_REQ.CONNECTION);
    expect(transcript.client.at(-1)!.attributes & ISC_RET.MANUAL_CRED_VALIDATION).toBeTruthy();
    const delegated = acceptor.query('delegatedCredentials') as {
      user: string;
      domain: string;
      password: Buffer;
    };
    expect(delegated).toMatchObject({ type: 'password', user: '', domain: '' });
    expect(delegated.password.length).toBe(0);
  });
});

describe('logon failures', () => {
  it('denies a wrong password on both sides and tells the client through errorCode', async () => {
    const client = new CredsspInitiator(clientCredential({}, 'wrong password'));
    const acceptor = new CredsspAcceptor(server);
    const error = await authenticate(client, acceptor).catch((e: SspiError) => e);
    expect(isSspiError(error, 'SEC_E_LOGON_DENIED')).toBe(true);
    const serverOutput = (error as SspiError).output!;
    expect(serverOutput.length).toBeGreaterThan(0);
    // The acceptor's output is the encrypted TSRequest with STATUS_LOGON_FAILURE; the client maps it.
    const clientError = await client.step(iscRequest(serverOutput)).catch((e: SspiError) => e);
    expect(isSspiError(clientError, 'SEC_E_LOGON_DENIED')).toBe(true);
    expect((clientError as Error).message).toContain('STATUS_LOGON_FAILURE');
  });

  it('sends no errorCode to a version-5 client, which has no such field', async () => {
    const client = new CredsspInitiator(clientCredential({ credssp: { version: 5 } }, 'wrong password'));
    const error = await authenticate(client, new CredsspAcceptor(server)).catch((e: SspiError) => e);
    expect(isSspiError(error, 'SEC_E_LOGON_DENIED')).toBe(true);
    expect((error as SspiError).output).toBeUndefined();
  });
});

describe('CVE-2018-0886 (encryptionOracle)', () => {
  it('refuses a version-2 server by default, before sending NTLM AUTHENTICATE', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(serverCredential({ credssp: { version: 2 } }));
    expect(await codeOf(authenticate(client, acceptor))).toBe('SEC_E_UNSUPPORTED_FUNCTION');
  });

  it("talks to a version-2 server when the policy is 'vulnerable'", async () => {
    const client = new CredsspInitiator(clientCredential({ policy: { encryptionOracle: 'vulnerable' } }));
    const acceptor = new CredsspAcceptor(serverCredential({ credssp: { version: 2 } }));
    await authenticate(client, acceptor);
    expect((acceptor.query('delegatedCredentials') as { user: string }).user).toBe('alice');
  });

  it('serves a version-3 client unless the acceptor forces updated clients', async () => {
    const old = () => new CredsspInitiator(clientCredential({ credssp: { version: 3 } }));
    await authenticate(old(), new CredsspAcceptor(server));
    const strict = new CredsspAcceptor(
      serverCredential({ policy: { encryptionOracle: 'force-updated-clients' } }),
    );
    const client = old();
    const error = await authenticate(client, strict).catch((e: SspiError) => e);
    expect(isSspiError(error, 'SEC_E_UNSUPPORTED_FUNCTION')).toBe(true);
    // Version 3 has errorCode, so the client learns why.
    expect(await codeOf(client.step(iscRequest((error as SspiError).output)))).toBe(
      'SEC_E_UNSUPPORTED_FUNCTION',
    );
  });
});

describe('token framing', () => {
  it('returns SEC_E_INCOMPLETE_MESSAGE with the missing count for a token cut in two, then goes on', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(server);
    const hello = await client.step(iscRequest(undefined));
    const serverFlight = (await acceptor.step(ascRequest(hello.output))).output;
    const half = serverFlight.subarray(0, Math.floor(serverFlight.length / 2));
    const partial = await client.step(iscRequest(half));
    expect(partial.status).toBe(SEC.E_INCOMPLETE_MESSAGE);
    expect(partial.missing).toBeGreaterThan(0);
    expect(partial.missing).toBeLessThanOrEqual(serverFlight.length - half.length);
    const whole = await client.step(iscRequest(serverFlight));
    expect(whole.status).toBe(SEC.I_CONTINUE_NEEDED);
    // And the acceptor too: half a record in, INCOMPLETE, no state consumed.
    const cut = whole.output.subarray(0, 3);
    expect((await acceptor.step(ascRequest(cut))).status).toBe(SEC.E_INCOMPLETE_MESSAGE);
  });

  it('hands back bytes after the last message as SECBUFFER_EXTRA', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(server);
    let c = await client.step(iscRequest(undefined));
    let s = await acceptor.step(ascRequest(c.output));
    while (c.status !== SEC.E_OK) {
      c = await client.step(iscRequest(s.output));
      if (c.status !== SEC.E_OK) s = await acceptor.step(ascRequest(c.output));
    }
    const appData = await client.encrypt(Buffer.from('first RDP PDU'));
    const last = await acceptor.step(ascRequest(Buffer.concat([c.output, appData])));
    expect(last.status).toBe(SEC.E_OK);
    expect(last.extra).toEqual(appData);
    expect((await acceptor.decrypt(last.extra!)).toString()).toBe('first RDP PDU');
  });
});

describe('mutual authentication', () => {
  let pinned: { certPem: string; keyPem: string };
  beforeAll(async () => {
    pinned = await generateSelfSignedCertificate({ commonName: 'server.example', keyType: 'ecdsa' });
  });
  const pinnedServer = () => serverCredential({ tls: { cert: pinned.certPem, key: pinned.keyPem } });
  const flags = DELEGATE_FLAGS | ISC_REQ.MUTUAL_AUTH;

  it('accepts a certificate that chains to the given root and names the target host', async () => {
    const client = new CredsspInitiator(clientCredential({ credssp: { ca: pinned.certPem } }));
    const transcript = await authenticate(client, new CredsspAcceptor(pinnedServer()), flags);
    expect(transcript.client.at(-1)!.attributes & ISC_RET.MUTUAL_AUTH).toBeTruthy();
  });

  it('lets a target allowed only with server authentication through once the server is authenticated', async () => {
    const policy = {
      allowFreshCredentials: ['TERMSRV/server.example'],
      allowFreshCredentialsWhenNTLMOnly: [],
    };
    const client = new CredsspInitiator(clientCredential({ credssp: { ca: pinned.certPem }, policy }));
    await authenticate(client, new CredsspAcceptor(pinnedServer()), flags);
  });

  it('refuses a valid certificate of another host with SEC_E_WRONG_PRINCIPAL', async () => {
    const client = new CredsspInitiator(clientCredential({ credssp: { ca: pinned.certPem } }));
    expect(
      await codeOf(authenticate(client, new CredsspAcceptor(pinnedServer()), flags, 'TERMSRV/other.example')),
    ).toBe('SEC_E_WRONG_PRINCIPAL');
  });

  it('refuses an untrusted certificate with SEC_E_MUTUAL_AUTH_FAILED', async () => {
    const client = new CredsspInitiator(clientCredential());
    expect(await codeOf(authenticate(client, new CredsspAcceptor(pinnedServer()), flags))).toBe(
      'SEC_E_MUTUAL_AUTH_FAILED',
    );
  });

  it('does not validate the certificate without ISC_REQ_MUTUAL_AUTH and shows it to the caller', async () => {
    const client = new CredsspInitiator(clientCredential());
    await authenticate(client, new CredsspAcceptor(pinnedServer()));
    const certificate = client.query('remoteCertificate') as { subject: string };
    expect(certificate.subject).toBe('CN=server.example');
  });
});

describe('sessions and re-authentication', () => {
  it('reuses the TLS session only for the same target and credential handle', async () => {
    const credential = clientCredential({ credssp: { tlsMaxVersion: 'TLSv1.2' } });
    const legs = async (target: string, cred = credential) =>
      (await authenticate(new CredsspInitiator(cred), new CredsspAcceptor(server), DELEGATE_FLAGS, target))
        .client.length;
    const full = await legs(TARGET);
    expect(await legs(TARGET)).toBe(full - 1); // abbreviated TLS 1.2 handshake
    expect(await legs('TERMSRV/other.example')).toBe(full);
    expect(await legs(TARGET, clientCredential({ credssp: { tlsMaxVersion: 'TLSv1.2' } }))).toBe(full);
  });

  it('starts a new exchange when called again after SEC_E_OK', async () => {
    const client = new CredsspInitiator(clientCredential());
    await authenticate(client, new CredsspAcceptor(server));
    await authenticate(client, new CredsspAcceptor(server));
    const back = await client.encrypt(Buffer.from('x'));
    expect(back.length).toBeGreaterThan(1);
  });

  it('presents the same generated certificate from every context of one credential handle', async () => {
    const fingerprints: string[] = [];
    for (let i = 0; i < 2; i++) {
      const client = new CredsspInitiator(clientCredential());
      await authenticate(client, new CredsspAcceptor(server));
      fingerprints.push((client.query('remoteCertificate') as { fingerprint256: string }).fingerprint256);
    }
    expect(fingerprints[0]).toBe(fingerprints[1]);
  });
});

describe('queries', () => {
  it('answers sizes, names, packageInfo, lifespan and negotiationInfo once established', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(server);
    expect(await codeOf(client.encrypt(Buffer.from('too early')))).toBe('SEC_E_INVALID_HANDLE');
    await authenticate(client, acceptor);
    expect(client.query('names')).toEqual({ user: 'CORP\\alice' });
    expect(client.query('packageInfo')).toMatchObject({ name: 'CredSSP' });
    expect(client.query('negotiationInfo')).toMatchObject({ state: 0 });
    expect(client.query('sizes')).toMatchObject({ securityTrailer: 17 });
    const lifespan = client.query('lifespan') as { start: Date; expiry: Date };
    expect(lifespan.expiry.getTime()).toBeGreaterThan(lifespan.start.getTime());
    expect(await codeOf(Promise.resolve().then(() => client.query('delegatedCredentials')))).toBe(
      'SEC_E_UNSUPPORTED_FUNCTION',
    );
    client.dispose();
    expect(await codeOf(client.encrypt(Buffer.from('x')))).toBe('SEC_E_INVALID_HANDLE');
  });
});

describe('sealed messages that were tampered with', () => {
  it.each(['client', 'server'] as const)(
    'the %s refuses an altered record and the context stays refused',
    async (receiverSide) => {
      const client = new CredsspInitiator(clientCredential());
      const acceptor = new CredsspAcceptor(server);
      await authenticate(client, acceptor);
      const [sender, receiver] = receiverSide === 'server' ? [client, acceptor] : [acceptor, client];
      const sealed = await sender.encrypt(Buffer.from('payload'));
      sealed[sealed.length - 1] ^= 0x01;
      expect(await codeOf(receiver.decrypt(sealed))).toBe('SEC_E_DECRYPT_FAILURE');
      expect(await codeOf(receiver.encrypt(Buffer.from('more')))).toBe('SEC_E_CONTEXT_EXPIRED');
    },
  );

  it('refuses a good record followed by one from another connection', async () => {
    const pair = async () => {
      const c = new CredsspInitiator(clientCredential());
      const a = new CredsspAcceptor(server);
      await authenticate(c, a);
      return { c, a };
    };
    const first = await pair();
    const second = await pair();
    const mixed = Buffer.concat([
      await first.c.encrypt(Buffer.from('ok')),
      await second.c.encrypt(Buffer.from('foreign')),
    ]);
    expect(await codeOf(first.a.decrypt(mixed))).toBe('SEC_E_DECRYPT_FAILURE');
  });

  it('answers an empty message with SEC_E_INCOMPLETE_MESSAGE, not an empty plaintext', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(server);
    await authenticate(client, acceptor);
    expect(await codeOf(acceptor.decrypt(Buffer.alloc(0)))).toBe('SEC_E_INCOMPLETE_MESSAGE');
  });

  it('refuses a handshake record delivered again', async () => {
    const client = new CredsspInitiator(clientCredential());
    const acceptor = new CredsspAcceptor(server);
    const transcript = await authenticate(client, acceptor);
    expect(await codeOf(acceptor.decrypt(transcript.client.at(-1)!.output))).toBe('SEC_E_DECRYPT_FAILURE');
  });
});
