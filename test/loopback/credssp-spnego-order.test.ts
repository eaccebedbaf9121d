import { ISC_REQ, deleteSecurityContext, freeCredentialsHandle } from '../../lib';
import { credentialPair, handshake } from './helpers';

// Windows' CredSSP client seals pubKeyAuth into the TSRequest that carries AUTHENTICATE, also
// when the inner package is Negotiate (SPNEGO still waits for the server's mechListMIC then).
// So the SPNEGO exchange has exactly as many legs as the raw NTLM one.
describe('CredSSP with SPNEGO inside', () => {
  async function legs(inner: 'ntlm' | 'spnego'): Promise<number> {
    const { clientCred, serverCred } = await credentialPair('CredSSP', { emulated: { credssp: { inner } } });
    let count = 0;
    const { client, server } = await handshake(clientCred, serverCred, {
      flags: ISC_REQ.DELEGATE,
      tamper: (_leg, token) => {
        count++;
        return token;
      },
    });
    expect(server.statusName).toBe('SEC_E_OK');
    await deleteSecurityContext(client.context);
    await deleteSecurityContext(server.context);
    await freeCredentialsHandle(clientCred);
    await freeCredentialsHandle(serverCred);
    return count;
  }

  it('sends pubKeyAuth with the AUTHENTICATE, not one round later', async () => {
    expect(await legs('spnego')).toBe(await legs('ntlm'));
  });
});
