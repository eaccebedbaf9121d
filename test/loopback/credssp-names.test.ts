/**
 * Who logged on and whose credentials arrived are two answers (issue 13, "Also"): `names` is the
 * account the inner NTLM authenticated, with the domain the client claimed; delegatedCredentials
 * is whatever the client put in TSCredentials. CredSSP does not tie them (nor does Windows), so
 * an acceptor authorizes on `names`; these tests pin that both are reported as they are.
 */
import * as tscredentials from '../../lib/emulated/packages/credssp/tscredentials';
import {
  CredsspAcceptor,
  CredsspInitiator,
  authenticate,
  emulatedCredential,
  serverCredential,
} from './credssp-helpers';

const server = serverCredential();

/** alice, claiming the domain ADMINS; the acceptor's `users: { alice }` matches any domain. */
const adminsAlice = (inner: 'ntlm' | 'spnego') =>
  emulatedCredential({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: 'ADMINS', password: 'Secret1!' },
    emulated: { credssp: { inner } },
  });

afterEach(() => jest.restoreAllMocks());

describe.each(['ntlm', 'spnego'] as const)('%s inside', (inner) => {
  it('names reports the domain the client claimed when the users entry matches any domain', async () => {
    const acceptor = new CredsspAcceptor(server);
    const initiator = new CredsspInitiator(adminsAlice(inner));
    await authenticate(initiator, acceptor);
    expect(acceptor.query('names')).toEqual({ user: 'ADMINS\\alice' });
  });

  it('reports a delegated account that differs from the authenticated one, each where it belongs', async () => {
    // A client that authenticates as ADMINS\alice and delegates CORP\Administrator's password.
    const real = tscredentials.encodeTsCredentials;
    jest.spyOn(tscredentials, 'encodeTsCredentials').mockImplementation(() =>
      real({
        credType: tscredentials.CRED_TYPE_PASSWORD,
        password: {
          domainName: Buffer.from('CORP', 'utf16le'),
          userName: Buffer.from('Administrator', 'utf16le'),
          password: Buffer.from('Other-Secret', 'utf16le'),
        },
      }),
    );
    const initiator = new CredsspInitiator(adminsAlice(inner));
    const acceptor = new CredsspAcceptor(server);
    await authenticate(initiator, acceptor);
    expect(acceptor.query('names')).toEqual({ user: 'ADMINS\\alice' });
    expect(acceptor.query('delegatedCredentials')).toMatchObject({
      type: 'password',
      domain: 'CORP',
      user: 'Administrator',
    });
  });
});
