/**
 * `credssp demo`: a CredSSP client and acceptor in one process, with a built-in user, each leg
 * printed: who sends it, the status of the call that made it, its size and what it carries.
 * It ends with the user whose credentials were delegated. Nothing to configure, no secret shown.
 */
import { randomBytes } from 'node:crypto';
import {
  acceptSecurityContext,
  acquireCredentialsHandle,
  deleteSecurityContext,
  freeCredentialsHandle,
  initializeSecurityContext,
  ISC_REQ,
  queryContextAttributes,
  SEC,
  type ContextResult,
  type SecurityContext,
} from '../index';
import { describeAcceptedContext } from './accepted-context';
import { EXIT, UsageError, type ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { printLegs, type Leg } from './legs';

const DEMO_USER = 'demo';
const DEMO_DOMAIN = 'DEMO';
const DEMO_TARGET = 'TERMSRV/localhost';

export async function demo(argv: string[], io: CliIo): Promise<ExitCode> {
  if (argv.length > 0) throw new UsageError('demo takes no arguments.');
  // A fresh password per run: nothing to configure and nothing worth remembering.
  const password = randomBytes(12).toString('base64url');
  const client = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: DEMO_USER, domain: DEMO_DOMAIN, password },
    // Both ends in this process, the acceptor with its own user list: the emulated backend, on
    // Windows too (Windows' acceptor would check the password against real accounts).
    backend: 'emulated',
  });
  const acceptor = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'inbound',
    backend: 'emulated',
    emulated: { users: { [`${DEMO_DOMAIN}\\${DEMO_USER}`]: password } },
  });
  io.out('credssp demo: a CredSSP client and acceptor in one process');
  io.out(
    `client ${DEMO_DOMAIN}\\${DEMO_USER} -> ${DEMO_TARGET}, delegating its credentials (ISC_REQ_DELEGATE)`,
  );
  const legs: Leg[] = [];
  let clientContext: SecurityContext | null = null;
  let acceptorContext: SecurityContext | null = null;
  try {
    let input: Buffer | undefined;
    let acceptorResult: ContextResult | undefined;
    for (;;) {
      const c: ContextResult = await initializeSecurityContext({
        credential: client,
        context: clientContext,
        targetName: DEMO_TARGET,
        flags: ISC_REQ.DELEGATE,
        input,
      });
      clientContext = c.context;
      if (c.output.length > 0) legs.push({ from: 'client', statusName: c.statusName, token: c.output });
      if (c.status === SEC.E_OK && c.output.length === 0) break;
      acceptorResult = await acceptSecurityContext({
        credential: acceptor,
        context: acceptorContext,
        flags: 0,
        input: c.output,
      });
      acceptorContext = acceptorResult.context;
      if (acceptorResult.status === SEC.E_OK) break;
      legs.push({ from: 'acceptor', statusName: acceptorResult.statusName, token: acceptorResult.output });
      input = acceptorResult.output;
    }
    printLegs(legs, io.out, true);
    if (!acceptorContext || acceptorResult?.status !== SEC.E_OK) {
      io.err('The client finished but the acceptor did not.');
      return EXIT.NETWORK;
    }
    io.out(`acceptor: ${acceptorResult.statusName}, the credentials arrived`);
    const accepted = await describeAcceptedContext(acceptorContext, queryContextAttributes);
    const who = accepted.domain ? `${accepted.domain}\\${accepted.user}` : accepted.user;
    io.out(
      `authenticated ${who}` +
        (accepted.version !== null ? `, TSRequest version ${accepted.version}` : '') +
        (accepted.inner !== null ? `, inner ${accepted.inner}` : ''),
    );
    const d = accepted.delegated;
    io.out(
      d
        ? `delegated: ${d.type} credentials of ${d.domain ? `${d.domain}\\` : ''}${d.user ?? '?'} (secret not shown)`
        : 'delegated: nothing',
    );
    return EXIT.SUCCESS;
  } finally {
    if (clientContext?.isValid) await deleteSecurityContext(clientContext);
    if (acceptorContext?.isValid) await deleteSecurityContext(acceptorContext);
    await freeCredentialsHandle(client);
    await freeCredentialsHandle(acceptor);
  }
}
