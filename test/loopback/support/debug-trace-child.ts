/**
 * Run by debug-trace.test.ts in a process of its own, so that NODE_DEBUG is read at start-up as
 * users set it: a CredSSP handshake with a delegated Buffer password (hex in PASSWORD_HEX), the
 * delegated credentials queried, one message sealed and opened, then everything deleted and freed.
 * Prints one JSON line on stdout: every token sent either way (hex), for the test to look for.
 */
import * as sspi from '../../../lib';
import { handshake } from '../helpers';

async function main(): Promise<void> {
  const password = Buffer.from(process.env.PASSWORD_HEX ?? '', 'hex');
  const serverCred = await sspi.acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'inbound',
    emulated: { users: { alice: { ntHash: Buffer.from(process.env.NT_HASH_HEX ?? '', 'hex') } } },
  });
  const clientCred = await sspi.acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: 'LAB', password },
  });
  const tokens: string[] = [];
  const { client, server } = await handshake(clientCred, serverCred, {
    flags: sspi.ISC_REQ.DELEGATE,
    tamper: (_leg, token) => {
      tokens.push(token.toString('hex'));
      return token;
    },
  });
  const delegated = await sspi.queryContextAttributes(server.context, 'delegatedCredentials');
  const sealed = await sspi.encryptMessage(client.context, Buffer.from('hello'));
  tokens.push(sealed.toString('hex'));
  const opened = await sspi.decryptMessage(server.context, sealed);
  await sspi.deleteSecurityContext(client.context);
  await sspi.deleteSecurityContext(server.context);
  await sspi.freeCredentialsHandle(clientCred);
  await sspi.freeCredentialsHandle(serverCred);
  process.stdout.write(
    `${JSON.stringify({ delegatedUser: delegated?.type === 'password' ? delegated.user : null, opened: opened.toString(), tokens })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: (err as { code?: string }).code ?? String(err) })}\n`);
  process.exitCode = 1;
});
