/**
 * How the command line ends: the exit codes of API.md and the one error type that carries them,
 * so each subcommand throws and only main.ts prints and exits.
 */
import { SspiError } from '../errors';

/** Exit codes (API.md, "Command line"). */
export const EXIT = Object.freeze({
  SUCCESS: 0,
  /** The peer (or our own policy) refused the authentication. */
  REFUSED: 1,
  /** The command line was wrong. */
  USAGE: 2,
  /** The network or the peer failed: refused connection, reset, timeout, malformed data. */
  NETWORK: 3,
} as const);

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with a message on stderr and an exit code. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** A command line the user must correct; main.ts prints the usage after the message. */
export class UsageError extends CliError {
  override name = 'UsageError';
  constructor(message: string) {
    super(message, EXIT.USAGE);
  }
}

/**
 * Statuses that mean "authentication was refused", by the peer or by our own checks of it
 * (credentials, server identity, delegation policy). Every other failure is a network or
 * protocol failure.
 */
const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'SEC_E_LOGON_DENIED',
  'SEC_E_UNKNOWN_CREDENTIALS',
  'SEC_E_NO_CREDENTIALS',
  'SEC_E_NO_AUTHENTICATING_AUTHORITY',
  'SEC_E_MUTUAL_AUTH_FAILED',
  'SEC_E_WRONG_PRINCIPAL',
  'SEC_E_UNTRUSTED_ROOT',
  'SEC_E_CERT_EXPIRED',
  'SEC_E_CERT_UNKNOWN',
  'SEC_E_DELEGATION_POLICY',
  'SEC_E_POLICY_NLTM_ONLY',
  'SEC_E_DOWNGRADE_DETECTED',
  'SEC_E_MESSAGE_ALTERED',
]);

/** The exit code for an error thrown by an SSPI call or by the network. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof SspiError && REFUSAL_CODES.has(err.code)) return EXIT.REFUSED;
  return EXIT.NETWORK;
}
