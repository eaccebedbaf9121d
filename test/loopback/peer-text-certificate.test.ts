/**
 * The server certificate is the peer's: its subject is quoted only in part (peerText) when the
 * client refuses it, however long the server made it and whatever characters it holds.
 */
import { ISC_REQ } from '../../lib/constants';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
import {
  CredsspAcceptor,
  CredsspInitiator,
  DELEGATE_FLAGS,
  authenticate,
  clientCredential,
  serverCredential,
} from './credssp-helpers';

it('a WRONG_PRINCIPAL error quotes a bounded piece of a 4,000-character subject', async () => {
  const commonName = `evil.example\n${'x'.repeat(4000)}`;
  const { certPem, keyPem } = await generateSelfSignedCertificate({ commonName, keyType: 'ecdsa' });
  const client = new CredsspInitiator(clientCredential({ credssp: { ca: certPem } }));
  const server = new CredsspAcceptor(serverCredential({ tls: { cert: certPem, key: keyPem } }));
  const err = await authenticate(client, server, DELEGATE_FLAGS | ISC_REQ.MUTUAL_AUTH).catch(
    (e: Error & { code?: string }) => e,
  );
  expect((err as { code?: string }).code).toBe('SEC_E_WRONG_PRINCIPAL');
  const { message } = err as Error;
  expect(message).toMatch(/CN=evil\.example.*x… \(\d+ more\)/);
  expect(message).not.toContain('\n');
  expect(message.length).toBeLessThan(250);
});
