/**
 * Shared by the Windows-runner tests: the environment the workflow sets up
 * (.github/workflows/windows.yml) and an ISC/ASC loop. Skipped off Windows.
 */
import * as api from '../../lib/index';
import type { CredentialsHandle, SecurityContext } from '../../lib/index';

export const onWindows = process.platform === 'win32' && process.env.CREDSSP_TEST_USER !== undefined;
export const describeWindows = onWindows ? describe : describe.skip;

export const account = {
  user: process.env.CREDSSP_TEST_USER ?? '',
  password: process.env.CREDSSP_TEST_PASSWORD ?? '',
  domain: process.env.CREDSSP_TEST_DOMAIN ?? '',
};
/** The acceptor certificate the workflow made (CN=localhost): thumbprint, PFX, PEM. */
export const certificate = {
  thumbprint: process.env.CREDSSP_TEST_CERT_THUMBPRINT ?? '',
  pfxPath: process.env.CREDSSP_TEST_CERT_PFX ?? '',
  pfxPassword: process.env.CREDSSP_TEST_CERT_PFX_PASSWORD ?? '',
  pemPath: process.env.CREDSSP_TEST_CERT_PEM ?? '',
  keyPath: process.env.CREDSSP_TEST_CERT_KEY ?? '',
};

/** The InitializeSecurityContext (CredSSP) flag table's bits, MUTUAL_AUTH on request. */
export function credsspIscFlags(mutualAuth: boolean): number {
  return (
    api.ISC_REQ.DELEGATE |
    api.ISC_REQ.SEQUENCE_DETECT |
    api.ISC_REQ.CONNECTION |
    api.ISC_REQ.EXTENDED_ERROR |
    (mutualAuth ? api.ISC_REQ.MUTUAL_AUTH : 0)
  );
}
export const CREDSSP_ASC_FLAGS =
  api.ASC_REQ.SEQUENCE_DETECT | api.ASC_REQ.CONNECTION | api.ASC_REQ.EXTENDED_ERROR;
export const MESSAGE_ISC_FLAGS =
  api.ISC_REQ.CONFIDENTIALITY | api.ISC_REQ.INTEGRITY | api.ISC_REQ.SEQUENCE_DETECT | api.ISC_REQ.CONNECTION;
export const MESSAGE_ASC_FLAGS =
  api.ASC_REQ.CONFIDENTIALITY | api.ASC_REQ.INTEGRITY | api.ASC_REQ.SEQUENCE_DETECT | api.ASC_REQ.CONNECTION;

/** ISC and ASC in turn until both sides are done; returns both contexts and the last ASC result. */
export async function handshake(
  client: CredentialsHandle,
  server: CredentialsHandle,
  targetName: string,
  iscFlags: number,
  ascFlags: number,
): Promise<{ clientContext: SecurityContext; serverContext: SecurityContext; accepted: api.ContextResult }> {
  let clientContext: SecurityContext | null = null;
  let serverContext: SecurityContext | null = null;
  let accepted: api.ContextResult | undefined;
  let token: Buffer | undefined;
  for (let leg = 0; leg < 12; leg++) {
    const isc = await api.initializeSecurityContext({
      credential: client,
      context: clientContext,
      targetName,
      flags: iscFlags,
      input: token,
    });
    clientContext = isc.context;
    if (isc.output.length === 0 && isc.status === api.SEC.E_OK) break;
    accepted = await api.acceptSecurityContext({
      credential: server,
      context: serverContext,
      flags: ascFlags,
      input: isc.output,
    });
    serverContext = accepted.context;
    if (accepted.status === api.SEC.E_OK && (isc.status === api.SEC.E_OK || accepted.output.length === 0))
      break;
    token = accepted.output;
  }
  if (!clientContext || !serverContext || !accepted) throw new Error('the handshake did not start');
  return { clientContext, serverContext, accepted };
}

export async function roundTrip(
  from: SecurityContext,
  to: SecurityContext,
  message: Buffer,
): Promise<Buffer> {
  return api.decryptMessage(to, await api.encryptMessage(from, message));
}
