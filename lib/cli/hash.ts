/**
 * `credssp hash -u USER [-d DOMAIN] [--password-stdin]`: one line for `serve --users`, in the
 * format of FreeRDP's `winpr-hash -u USER -p PASSWORD [-d DOMAIN] -f sam`: `user:domain::NT:::`
 * (an empty LM field, as winpr-hash writes it; NTLMv2 never uses an LM hash). The NT hash is
 * NTOWFv1, MD4 of the UTF-16LE password (MS-NLMP 3.3.1), which Node's OpenSSL 3 cannot compute:
 * this command is why `serve` no longer needs FreeRDP installed. The password never becomes a
 * JS string: UTF-8 bytes in, UTF-16LE bytes (in secret memory), a hash out, both zeroed.
 */
import { parseArgs } from 'node:util';
import { ntHashOf } from '../emulated/mechanisms/ntlm/keys';
import { wipe } from '../secret';
import { utf16leOfUtf8 } from '../secret-text';
import { EXIT, UsageError, type ExitCode } from './exit-codes';
import type { CliIo } from './io';
import { promptPassword, readPasswordFromStdin, refusePasswordInArgv } from './password';

export const HASH_USAGE = 'usage: credssp hash -u USER [-d DOMAIN] [--password-stdin]';

/** A SAM line is split on ':' and on line ends (lib/emulated/users.ts): a name cannot hold them. */
const SAM_NAME = /^[^:\r\n]*$/;

export async function hash(argv: string[], io: CliIo): Promise<ExitCode> {
  refusePasswordInArgv(argv);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      user: { type: 'string', short: 'u' },
      domain: { type: 'string', short: 'd' },
      'password-stdin': { type: 'boolean' },
    },
  });
  if (positionals.length > 0) throw new UsageError('hash takes no arguments besides its options.');
  const user = values.user ?? '';
  const domain = values.domain ?? '';
  if (user === '') throw new UsageError('hash needs -u USER.');
  if (!SAM_NAME.test(user) || !SAM_NAME.test(domain)) {
    throw new UsageError('A user or domain name in a SAM line cannot contain ":" or a line break.');
  }
  const account = domain ? `${domain}\\${user}` : user;
  const password = values['password-stdin']
    ? await readPasswordFromStdin(io.stdin)
    : await promptTwice(`Password for ${account}: `);
  // winpr-hash refuses an empty password too: a line that lets anyone in with none is never meant.
  if (password.length === 0) throw new UsageError('The password is empty.');
  const passwordUtf16le = utf16leOfUtf8(password);
  wipe(password);
  if (passwordUtf16le === undefined) throw new UsageError('The password is not valid UTF-8.');
  const ntHash = ntHashOf(passwordUtf16le);
  wipe(passwordUtf16le);
  io.out(`${user}:${domain}::${ntHash.toString('hex')}:::`);
  wipe(ntHash);
  return EXIT.SUCCESS;
}

/** A SAM line made from a mistyped password locks its user out unnoticed: ask twice. */
async function promptTwice(prompt: string): Promise<Buffer> {
  const first = await promptPassword(prompt);
  const second = await promptPassword('Again: ').catch((err: unknown) => {
    wipe(first);
    throw err;
  });
  const same = first.equals(second);
  wipe(second);
  if (!same) {
    wipe(first);
    throw new UsageError('The two passwords differ.');
  }
  return first;
}
