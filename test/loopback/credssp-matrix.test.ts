import { SEC } from '../../lib/constants';
import { isSspiError, type SspiError } from '../../lib/errors';
import {
  CredsspAcceptor,
  CredsspInitiator,
  authenticate,
  clientCredential,
  iscRequest,
  serverCredential,
} from './credssp-helpers';

const servers = {
  rsa: serverCredential(),
  ecdsa: serverCredential({ credssp: { keyType: 'ecdsa' } }),
};

const cases: Array<[2 | 3 | 4 | 5 | 6, 'ntlm' | 'spnego', 'rsa' | 'ecdsa', 'TLSv1.2' | 'TLSv1.3']> = [];
for (const version of [2, 3, 4, 5, 6] as const)
  for (const inner of ['ntlm', 'spnego'] as const)
    for (const key of ['rsa', 'ecdsa'] as const)
      for (const tls of ['TLSv1.2', 'TLSv1.3'] as const) cases.push([version, inner, key, tls]);

describe.each(cases)('client version %i, %s, %s key, %s', (version, inner, key, tls) => {
  it('authenticates, delegates the password and carries data both ways', async () => {
    const client = new CredsspInitiator(
      clientCredential({ credssp: { version, inner, tlsMaxVersion: tls } }),
    );
    const server = new CredsspAcceptor(servers[key]);
    const transcript = await authenticate(client, server);
    expect(transcript.client.at(-1)!.status).toBe(SEC.E_OK);
    expect(client.query('remoteCertificate')).toBeDefined();
    expect(
      (client.query('remoteCertificate') as { publicKey: { asymmetricKeyType: string } }).publicKey
        .asymmetricKeyType,
    ).toBe(key === 'rsa' ? 'rsa' : 'ec');
    const delegated = server.query('delegatedCredentials') as {
      type: string;
      domain: string;
      user: string;
      password: Buffer;
    };
    expect(delegated.type).toBe('password');
    expect(delegated.user).toBe('alice');
    expect(delegated.domain).toBe('CORP');
    expect(delegated.password.toString('utf8')).toBe('Secret1!');
    expect(server.query('names')).toEqual({ user: 'CORP\\alice' });
    expect(server.query('negotiationInfo')).toMatchObject({
      credsspVersion: version,
      innerPackage: 'NTLM',
      state: 0,
    });
    expect(client.query('negotiationInfo')).toMatchObject({ credsspVersion: version });

    const sealed = await client.encrypt(Buffer.from('from client'));
    expect((await server.decrypt(sealed)).toString()).toBe('from client');
    const back = await server.encrypt(Buffer.from('from server'));
    expect((await client.decrypt(back)).toString()).toBe('from server');
    const sizes = client.query('streamSizes') as { header: number; trailer: number };
    // TLS 1.3 records have a bare 5-byte header; TLS 1.2 AES-GCM adds an 8-byte explicit nonce.
    expect(sizes.header).toBe(tls === 'TLSv1.3' ? 5 : 13);
    expect(sealed.length).toBe(sizes.header + 'from client'.length + sizes.trailer);

    client.dispose();
    server.dispose();
    expect(delegated.password.every((b) => b === 0)).toBe(true);
  });
});

const wrongPasswordCases: Array<[2 | 3 | 4 | 5 | 6, 'ntlm' | 'spnego']> = [];
for (const version of [2, 3, 4, 5, 6] as const)
  for (const inner of ['ntlm', 'spnego'] as const) wrongPasswordCases.push([version, inner]);

describe.each(wrongPasswordCases)('a wrong password, client version %i, %s inside', (version, inner) => {
  // After the TLS handshake everything travels inside TLS (MS-CSSP 3.1.5 step 1); the failure
  // is a TSRequest with errorCode where the version has the field (2.2.1: 3, 4 and 6).
  const carriesErrorCode = version === 3 || version === 4 || version === 6;

  it(`is SEC_E_LOGON_DENIED on the acceptor${carriesErrorCode ? ' and, through errorCode, on the client' : ', with nothing sent'}`, async () => {
    const client = new CredsspInitiator(clientCredential({ credssp: { version, inner } }, 'wrong password'));
    const server = new CredsspAcceptor(servers.rsa);
    const error = await authenticate(client, server).catch((e: SspiError) => e);
    expect(isSspiError(error, 'SEC_E_LOGON_DENIED')).toBe(true);
    const output = (error as SspiError).output;
    if (!carriesErrorCode) {
      expect(output).toBeUndefined();
      return;
    }
    expect(output![0]).toBe(0x17); // a TLS application_data record
    const clientError = await client.step(iscRequest(output)).catch((e: SspiError) => e);
    expect(isSspiError(clientError, 'SEC_E_LOGON_DENIED')).toBe(true);
    expect((clientError as SspiError).peerStatus).toBe(0xc000006d); // STATUS_LOGON_FAILURE
  });
});
