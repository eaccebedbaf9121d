#!/usr/bin/env node
/**
 * The `credssp` command: demo, rdp-check, serve and hash (API.md, "Command line"). This file only
 * dispatches, prints errors and sets the exit code; each subcommand lives in its own file.
 * Exit codes: 0 success, 1 authentication refused, 2 usage, 3 network or peer error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demo } from './demo';
import { HASH_USAGE, hash } from './hash';
import { CliError, EXIT, exitCodeOf, UsageError, type ExitCode } from './exit-codes';
import { processIo, type CliIo } from './io';
import { RDP_CHECK_USAGE, rdpCheck } from './rdp-check';
import { SERVE_USAGE, serve } from './serve';
import { SspiError } from '../index';

const SUBCOMMANDS: Record<string, { run: (argv: string[], io: CliIo) => Promise<ExitCode>; usage: string }> =
  {
    demo: { run: demo, usage: 'usage: credssp demo' },
    hash: { run: hash, usage: HASH_USAGE },
    'rdp-check': { run: rdpCheck, usage: RDP_CHECK_USAGE },
    serve: { run: serve, usage: SERVE_USAGE },
  };

const USAGE = [
  'usage: credssp <command> [options]',
  '  demo                                             CredSSP client and acceptor in one process, each leg printed',
  '  rdp-check HOST[:PORT] -u USER [-d DOMAIN] [--password-stdin] [--json] [--verbose]',
  '                                                   NLA (CredSSP) only, against a real RDP server',
  '  serve [--host H] [--port N] --users FILE         RDP preamble + CredSSP acceptor, one JSON line per authentication',
  '  hash -u USER [-d DOMAIN] [--password-stdin]      a line for serve --users (user:domain::NT:::, as winpr-hash -f sam)',
  '  --version, -v                                    the package version',
  'exit codes: 0 success, 1 authentication refused, 2 usage, 3 network or peer error',
].join('\n');

/** Run the command line; resolves the exit code and never rejects. */
export async function main(argv: string[], io: CliIo = processIo): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === '-h' || name === '--help' || name === 'help') {
    io.out(USAGE);
    return EXIT.SUCCESS;
  }
  if (name === '--version' || name === '-v') {
    io.out(packageVersion());
    return EXIT.SUCCESS;
  }
  const command = name === undefined ? undefined : SUBCOMMANDS[name];
  if (!command) {
    io.err(name === undefined ? 'credssp: no command given.' : `credssp: unknown command "${name}".`);
    io.err(USAGE);
    return EXIT.USAGE;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    io.out(command.usage);
    return EXIT.SUCCESS;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    const error = parseArgsErrorAsUsage(err);
    const code = exitCodeOf(error);
    io.err(`credssp ${name}: ${messageOf(error)}`);
    if (code === EXIT.USAGE) io.err(command.usage);
    return code;
  }
}

/** The version in package.json, two folders up from both lib/cli (tests) and dist/cli (the bin). */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** node:util parseArgs reports unknown or malformed options with these codes. */
function parseArgsErrorAsUsage(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
    // Keep the first sentence ("Unknown option '-x'."); node's advice about '--' does not apply here.
    return new UsageError(messageOf(err).replace(/\. To specify a positional.*$/s, '.'));
  }
  return err;
}

function messageOf(err: unknown): string {
  if (err instanceof SspiError) return `${err.code}: ${err.message}`;
  if (err instanceof CliError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
