import {
  acceptSecurityContext,
  acquireCredentialsHandle,
  initializeSecurityContext,
  type AcquireCredentialsOptions,
  type ContextResult,
  type CredentialsHandle,
} from '../../lib';

/** Client and acceptor credentials for one package. */
export async function credentialPair(
  pkg: 'NTLM' | 'Negotiate' | 'CredSSP',
  client: Partial<AcquireCredentialsOptions> = {},
  server: Partial<AcquireCredentialsOptions> = {},
): Promise<{ clientCred: CredentialsHandle; serverCred: CredentialsHandle }> {
  const clientCred = await acquireCredentialsHandle({
    package: pkg,
    use: 'outbound',
    identity: { user: 'alice', domain: 'LAB', password: 'Passw0rd!' },
    ...client,
  });
  const serverCred = await acquireCredentialsHandle({
    package: pkg,
    use: 'inbound',
    emulated: { users: { alice: 'Passw0rd!' } },
    ...server,
  });
  return { clientCred, serverCred };
}

/**
 * Runs the ISC/ASC loop in one process. `tamper` may rewrite the token of leg n (0-based,
 * counting every token sent either way). Resolves the final results of both sides.
 */
export async function handshake(
  clientCred: CredentialsHandle,
  serverCred: CredentialsHandle,
  opts: {
    flags?: number;
    serverFlags?: number;
    targetName?: string;
    tamper?: (leg: number, token: Buffer) => Buffer;
  } = {},
): Promise<{ client: ContextResult; server: ContextResult }> {
  const targetName = opts.targetName ?? 'TERMSRV/server.lab';
  const tamper = opts.tamper ?? ((_: number, t: Buffer) => t);
  let leg = 0;
  let client = await initializeSecurityContext({
    credential: clientCred,
    targetName,
    flags: opts.flags ?? 0,
  });
  let server: ContextResult | undefined;
  for (;;) {
    server = await acceptSecurityContext({
      credential: serverCred,
      context: server?.context,
      flags: opts.serverFlags ?? 0,
      input: tamper(leg++, client.output),
    });
    if (client.status === 0 && server.status === 0) return { client, server };
    client = await initializeSecurityContext({
      credential: clientCred,
      context: client.context,
      targetName,
      flags: opts.flags ?? 0,
      input: tamper(leg++, server.output),
    });
    if (client.status === 0 && client.output.length === 0) return { client, server };
  }
}
