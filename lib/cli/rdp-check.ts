/**
 * `credssp rdp-check HOST[:PORT] -u USER [-d DOMAIN] [--password-stdin]`: Network Level
 * Authentication against a real RDP server, and nothing else. X.224 Connection Request with
 * RDP_NEG_REQ, an RDP_NEG_RSP that must select PROTOCOL_HYBRID (MS-RDPBCGR 1.3.1.1), then the
 * CredSSP exchange over TLS (MS-CSSP 3.1.5), then the connection is closed. What it prints about
 * the outcome (`--json`, the verdict) is rdp-check-report.ts; the legs (`--verbose`) legs.ts.
 */
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import {
  acquireCredentialsHandle,
  backend,
  deleteSecurityContext,
  freeCredentialsHandle,
  initializeSecurityContext,
  ISC_REQ,
  queryContextAttributes,
  SspiError,
  type CredentialsHandle,
} from '../index';
import { CliError, EXIT, UsageError, type ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { printLegs, recordInitiatorLegs } from './legs';
import { promptPassword, readPasswordFromStdin, refusePasswordInArgv } from './password';
import { runSecurityExchange } from './security-exchange';
import { PeerClosedError, SocketReader, writeAll } from './socket-reader';
import { connectTcp, parseHostPort, parseSeconds } from './tcp';
import { encodeConnectionRequest, negFailureName, parseConnectionConfirm, PROTOCOL } from './x224';
import {
  failureLine,
  newCheckRun,
  successLine,
  successText,
  targetName,
  type CheckRun,
  type CheckTarget,
} from './rdp-check-report';
import { wipe } from '../secret';

export const RDP_CHECK_USAGE =
  'usage: credssp rdp-check HOST[:PORT] -u USER [-d DOMAIN] [--password-stdin] [--inner ntlm|spnego] [--timeout SECONDS] [--json] [--verbose]';

const DEFAULT_RDP_PORT = 3389;
const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * ISC flags of an RDP client (MS-CSSP 3.1.5): delegate the credentials, which is what NLA is
 * for. No MUTUAL_AUTH: the server certificate is not validated, as with `xfreerdp /cert:ignore`;
 * the pubKeyAuth binding still proves the TLS server is the one that checked our password.
 */
const ISC_FLAGS = ISC_REQ.DELEGATE | ISC_REQ.USE_SUPPLIED_CREDS;

interface RdpCheckArgs extends CheckTarget {
  passwordStdin: boolean;
  inner: 'ntlm' | 'spnego';
  timeoutMs: number;
  /** One JSON line on stdout instead of the verdict. */
  json: boolean;
  /** The table of legs on stderr, as `credssp demo` prints it. */
  verbose: boolean;
}

function parseRdpCheckArgs(argv: string[]): RdpCheckArgs {
  refusePasswordInArgv(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      user: { type: 'string', short: 'u' },
      domain: { type: 'string', short: 'd' },
      'password-stdin': { type: 'boolean' },
      inner: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('rdp-check takes exactly one HOST[:PORT].');
  if (values.user === undefined || values.user === '') throw new UsageError('rdp-check needs -u USER.');
  const inner = values.inner ?? 'ntlm';
  if (inner !== 'ntlm' && inner !== 'spnego') throw new UsageError('--inner is ntlm or spnego.');
  return {
    ...parseHostPort(positionals[0], DEFAULT_RDP_PORT),
    user: values.user,
    domain: values.domain ?? '',
    passwordStdin: values['password-stdin'] ?? false,
    inner,
    timeoutMs: values.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseSeconds(values.timeout, '--timeout'),
    backend,
    json: values.json ?? false,
    verbose: values.verbose ?? false,
  };
}

/**
 * Run the check; resolves the exit code, throws CliError (or SspiError) on failure. With --json,
 * every outcome after the command line was read is one JSON line on stdout, the error (if any)
 * still goes to main.ts for stderr and the exit code.
 */
export async function rdpCheck(argv: string[], io: CliIo): Promise<ExitCode> {
  const args = parseRdpCheckArgs(argv);
  const run = newCheckRun();
  try {
    await check(args, run, io);
  } catch (err) {
    if (args.json) io.out(failureLine(args, run, err));
    throw err;
  } finally {
    if (args.verbose) printLegs(run.legs, io.err, run.complete);
  }
  if (args.json) io.out(successLine(args, run));
  else successText(args, run).forEach((line) => io.out(line));
  return EXIT.SUCCESS;
}

async function check(args: RdpCheckArgs, run: CheckRun, io: CliIo): Promise<void> {
  const password = args.passwordStdin
    ? await readPasswordFromStdin(io.stdin)
    : await promptPassword(`Password for ${args.domain ? `${args.domain}\\` : ''}${args.user}: `);
  const credential = await acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: args.user, domain: args.domain, password },
    // FreeRDP's server takes only raw NTLMSSP inside CredSSP; Windows takes both. The native
    // backend (Windows' own CredSSP) chooses for itself and takes no emulated options.
    ...(backend === 'emulated' ? { emulated: { credssp: { inner: args.inner } } } : {}),
  }).finally(() => wipe(password));
  try {
    run.startedAt = Date.now();
    const socket = await connectTcp(args.host, args.port, args.timeoutMs);
    const timer = setTimeout(
      () => socket.destroy(new CliError(`No answer within ${args.timeoutMs / 1000} s.`, EXIT.NETWORK)),
      args.timeoutMs,
    );
    try {
      await checkOverSocket(args, credential, socket, run, io);
    } finally {
      clearTimeout(timer);
      socket.destroy();
    }
  } finally {
    await freeCredentialsHandle(credential);
  }
}

async function checkOverSocket(
  args: RdpCheckArgs,
  credential: CredentialsHandle,
  socket: Socket,
  run: CheckRun,
  io: CliIo,
): Promise<void> {
  const reader = new SocketReader(socket);
  const target = `${args.host}:${args.port}`;
  // The cookie carries the user name the way mstsc does (MS-RDPBCGR 2.2.1.1); a name that
  // cannot go on that ASCII line is simply left out, the cookie is optional.
  const cookie = /^[\x21-\x7e]{1,64}$/.test(args.user) ? args.user : undefined;
  await writeAll(
    socket,
    encodeConnectionRequest({ requestedProtocols: PROTOCOL.HYBRID | PROTOCOL.SSL, cookie }),
  );
  const confirm = parseConnectionConfirm(await reader.readTpktPacket('the X.224 Connection Confirm'));
  if (confirm.kind === 'failure') {
    throw new CliError(
      `${target} refused the RDP negotiation: ${negFailureName(confirm.failureCode)}.`,
      EXIT.NETWORK,
    );
  }
  if (confirm.kind === 'none' || confirm.selectedProtocol !== PROTOCOL.HYBRID) {
    const selected =
      confirm.kind === 'none' ? 'Standard RDP Security' : protocolName(confirm.selectedProtocol);
    throw new CliError(
      `${target} does not offer NLA: it selected ${selected}, not PROTOCOL_HYBRID (CredSSP).`,
      EXIT.NETWORK,
    );
  }
  io.err(`${target}: the server selected PROTOCOL_HYBRID (CredSSP); authenticating...`);

  let sentTokens = 0;
  try {
    const result = await runSecurityExchange({
      role: 'initiator',
      socket,
      reader,
      call: (context, input) => {
        const call = initializeSecurityContext({
          credential,
          context,
          targetName: targetName(args),
          flags: ISC_FLAGS,
          input,
        });
        return args.verbose ? recordInitiatorLegs(run.legs, input, call) : call;
      },
      onLeg: (leg) => {
        if (leg.direction === 'sent') sentTokens++;
      },
    });
    run.complete = true;
    run.certificate = await queryContextAttributes(result.context, 'remoteCertificate').catch(
      () => undefined,
    );
    const negotiation = await queryContextAttributes(result.context, 'negotiationInfo').catch(
      () => undefined,
    );
    run.version = negotiation?.credsspVersion ?? null;
    run.inner = negotiation?.innerPackage ?? null;
    await deleteSecurityContext(result.context);
  } catch (err) {
    // A server that rejects the NTLM exchange may close the connection without a TSRequest
    // errorCode (FreeRDP does; errorCode only exists from version 3, MS-CSSP 2.2.1). Our tokens
    // are: ClientHello, (TLS 1.2: ClientKeyExchange/Finished,) NTLM NEGOTIATE, NTLM AUTHENTICATE.
    // After the third, the server is judging our NTLM messages, so a close then is a refusal.
    if (err instanceof PeerClosedError && sentTokens >= 3) {
      throw new CliError(
        `${target} closed the connection during the NTLM exchange without saying why, as servers do when ` +
          'they refuse the user name, domain or password.',
        EXIT.REFUSED,
      );
    }
    // FreeRDP servers answer SPNEGO inside CredSSP with an errorCode that names no logon problem.
    if (
      err instanceof SspiError &&
      err.peerStatus !== undefined &&
      err.code !== 'SEC_E_LOGON_DENIED' &&
      args.inner === 'spnego'
    ) {
      throw new SspiError(
        err.status,
        `${err.message} FreeRDP servers accept only NTLM inside CredSSP: try --inner ntlm.`,
      );
    }
    throw err;
  }
  socket.end();
}

function protocolName(protocol: number): string {
  const entry = Object.entries(PROTOCOL).find(([, value]) => value === protocol);
  return entry ? `PROTOCOL_${entry[0]}` : `protocol 0x${protocol.toString(16)}`;
}
