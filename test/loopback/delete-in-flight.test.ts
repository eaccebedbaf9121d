import {
  acceptSecurityContext,
  deleteSecurityContext,
  freeCredentialsHandle,
  initializeSecurityContext,
} from '../../lib';
import { credentialPair } from './helpers';

/** Settles within `ms` or says 'hang'. */
function settled<T>(p: Promise<T>, ms = 5000): Promise<string> {
  return Promise.race([
    p.then(
      () => 'resolved',
      (e: { code?: string }) => `rejected ${e.code}`,
    ),
    new Promise<string>((r) => setTimeout(() => r('hang'), ms).unref()),
  ]);
}

describe.each(['CredSSP', 'Negotiate', 'NTLM'] as const)(
  '%s: a context deleted while a call is in flight',
  (pkg) => {
    it('settles the call with SEC_E_INVALID_HANDLE on both sides, and frees cleanly', async () => {
      const { clientCred, serverCred } = await credentialPair(pkg);
      const c1 = await initializeSecurityContext({
        credential: clientCred,
        flags: 0,
        targetName: 'TERMSRV/x',
      });
      const a1 = await acceptSecurityContext({ credential: serverCred, flags: 0, input: c1.output });
      const clientLeg = initializeSecurityContext({
        credential: clientCred,
        context: c1.context,
        flags: 0,
        targetName: 'TERMSRV/x',
        input: a1.output,
      });
      await deleteSecurityContext(c1.context);
      const serverLeg = acceptSecurityContext({
        credential: serverCred,
        context: a1.context,
        flags: 0,
        input: Buffer.alloc(8),
      });
      await deleteSecurityContext(a1.context);
      expect(await settled(clientLeg)).toBe('rejected SEC_E_INVALID_HANDLE');
      expect(await settled(serverLeg)).toBe('rejected SEC_E_INVALID_HANDLE');
      expect(c1.context.isValid).toBe(false);
      await freeCredentialsHandle(clientCred);
      await freeCredentialsHandle(serverCred);
    });
  },
);
