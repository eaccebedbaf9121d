/**
 * Run by the workflow after it removed the delegation policy it set (CREDSSP_TEST_POLICY_UNDONE=1):
 * Secur32's CredSSP client then refuses to delegate to a server authenticated by NTLM only,
 * which proves the registry step before it is what made delegation work.
 */
import * as api from '../../lib/index';
import { CREDSSP_ASC_FLAGS, account, credsspIscFlags, handshake, onWindows } from './helpers';

const describePolicy = onWindows && process.env.CREDSSP_TEST_POLICY_UNDONE === '1' ? describe : describe.skip;

describePolicy('native CredSSP without the delegation policy', () => {
  test('delegating to an NTLM-only server is refused by policy', async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'outbound',
      identity: account,
    });
    const server = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'inbound',
      backend: 'emulated',
      emulated: { users: { [account.user]: account.password } },
    });
    const outcome = await handshake(
      client,
      server,
      'TERMSRV/localhost',
      credsspIscFlags(false),
      CREDSSP_ASC_FLAGS,
    ).catch((err: { code?: string }) => err.code);
    expect(['SEC_E_POLICY_NLTM_ONLY', 'SEC_E_DELEGATION_POLICY']).toContain(outcome);
  });
});
