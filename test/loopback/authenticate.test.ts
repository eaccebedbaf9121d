import {
  ISC_REQ,
  SspiError,
  authenticate,
  deleteSecurityContext,
  freeCredentialsHandle,
  queryContextAttributes,
} from '../../lib';
import { credentialPair } from './helpers';

/** Two ends of an in-memory message pipe: each send resolves with the other side's next message. */
function pipe() {
  const queues: [Buffer[], Buffer[]] = [[], []];
  const waiting: [((b: Buffer | null) => void) | undefined, ((b: Buffer | null) => void) | undefined] = [
    undefined,
    undefined,
  ];
  const end = (me: 0 | 1) => {
    const peer = (1 - me) as 0 | 1;
    return async (token: Buffer, info: { final: boolean }): Promise<Buffer | null> => {
      if (token.length > 0) {
        const w = waiting[peer];
        if (w) {
          waiting[peer] = undefined;
          w(token);
        } else queues[peer].push(token);
      }
      if (info.final) return null;
      const queued = queues[me].shift();
      if (queued) return queued;
      return new Promise((resolve) => (waiting[me] = resolve));
    };
  };
  const close = () => {
    for (const w of waiting) w?.(null);
  };
  return { client: end(0), server: end(1), close };
}

describe.each(['CredSSP', 'Negotiate', 'NTLM'] as const)('authenticate() with %s', (pkg) => {
  it('runs both sides to SEC_E_OK over a transport', async () => {
    const { clientCred, serverCred } = await credentialPair(pkg);
    const { client, server } = pipe();
    const [c, s] = await Promise.all([
      authenticate(
        { credential: clientCred, targetName: 'TERMSRV/server.lab', flags: ISC_REQ.DELEGATE },
        client,
      ),
      authenticate({ credential: serverCred, role: 'acceptor' }, server),
    ]);
    expect(c.statusName).toBe('SEC_E_OK');
    expect(s.statusName).toBe('SEC_E_OK');
    expect((await queryContextAttributes(s.context, 'names')).user.toLowerCase()).toBe('lab\\alice');
    await deleteSecurityContext(c.context);
    await deleteSecurityContext(s.context);
    await freeCredentialsHandle(clientCred);
    await freeCredentialsHandle(serverCred);
  });

  it('deletes the context when the logon fails, and rejects with the SspiError', async () => {
    const { clientCred, serverCred } = await credentialPair(pkg, {
      identity: { user: 'alice', domain: 'LAB', password: 'wrong' },
    });
    const { Handle } = await import('../../lib/handles');
    const clientRaw = Handle.stateOf(clientCred, 'credential').raw as { identity: { ntHash: Buffer } };
    const serverRaw = Handle.stateOf(serverCred, 'credential').raw as {
      lookupNtHash(user: string, domain: string): Buffer;
    };
    const serverHash = serverRaw.lookupNtHash('alice', '');
    const { client, server, close } = pipe();
    const serverSide = authenticate({ credential: serverCred, role: 'acceptor' }, server).catch((e) => e);
    const clientSide = authenticate(
      { credential: clientCred, targetName: 'TERMSRV/server.lab', flags: ISC_REQ.DELEGATE },
      client,
    ).catch((e) => e);
    const serverErr = await serverSide;
    close();
    const clientOutcome = await clientSide;
    expect(serverErr).toBeInstanceOf(SspiError);
    expect(serverErr.code).toBe('SEC_E_LOGON_DENIED');
    if (pkg === 'NTLM') {
      // Raw NTLM has no last word from the server: the client's part ends with AUTHENTICATE.
      expect(clientOutcome.statusName).toBe('SEC_E_OK');
      await deleteSecurityContext(clientOutcome.context);
    } else {
      // The acceptor's failure token (SPNEGO reject, TSRequest errorCode) reached the client.
      expect(clientOutcome).toBeInstanceOf(SspiError);
      expect(clientOutcome.code).toBe('SEC_E_LOGON_DENIED');
    }
    // Secrets are zeroed on free only if no live context still holds the credential.
    await freeCredentialsHandle(clientCred);
    await freeCredentialsHandle(serverCred);
    expect(clientRaw.identity.ntHash.every((b) => b === 0)).toBe(true);
    expect(serverHash.every((b) => b === 0)).toBe(true);
  });

  it('stops on abort, deleting the context', async () => {
    const { clientCred } = await credentialPair(pkg);
    const controller = new AbortController();
    let seen = 0;
    const err = await authenticate(
      { credential: clientCred, targetName: 'TERMSRV/server.lab' },
      async () => {
        seen++;
        controller.abort();
        return Buffer.from('never read');
      },
      { signal: controller.signal },
    ).catch((e) => e);
    expect(seen).toBe(1);
    expect(err.name).toBe('AbortError');
    await freeCredentialsHandle(clientCred);
  });
});
