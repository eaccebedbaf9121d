/**
 * Where a password comes from: standard input (--password-stdin) or a prompt on the terminal
 * that does not echo. Never from argv, where every user of the machine can read it. The result
 * is a secret Buffer (lib/secret.ts) so the caller can zero it.
 */
import { UsageError } from './exit-codes';
import { allocSecret, copySecret, wipe, wipeAll } from '../secret';

/** The longest password we read: Windows passwords stop at 256 characters. */
const MAX_PASSWORD_BYTES = 1024;

/** A usage error for `-p`, `-pSECRET`, `--password`, `--pass=...`: say where a password goes instead. */
export function refusePasswordInArgv(argv: readonly string[]): void {
  if (argv.some((arg) => /^(-p|--pass(word)?)($|=)/.test(arg) || /^-p./.test(arg))) {
    throw new UsageError(
      'A password is never taken from the command line, where other users can read it: use --password-stdin or the prompt.',
    );
  }
}

/** Read the whole of stdin and drop one trailing line ending, as `docker login --password-stdin` does. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    length += bytes.length;
    chunks.push(bytes);
    if (length > MAX_PASSWORD_BYTES) {
      wipeAll(chunks);
      throw new UsageError(`The password on standard input is longer than ${MAX_PASSWORD_BYTES} bytes.`);
    }
  }
  const all = allocSecret(length);
  chunks.reduce((at, chunk) => at + chunk.copy(all, at), 0);
  wipeAll(chunks);
  let end = all.length;
  if (end > 0 && all[end - 1] === 0x0a) end--;
  if (end > 0 && all[end - 1] === 0x0d) end--;
  const password = copySecret(all, 0, end);
  wipe(all);
  return password;
}

/** Ask on the terminal without echo. Ctrl-C aborts, Enter ends, Backspace erases. */
export async function promptPassword(prompt: string): Promise<Buffer> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    throw new UsageError(
      'No password: standard input is not a terminal, so pass the password with --password-stdin.',
    );
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  // Typed bytes go into secret memory of a fixed size: a growing JS array would leave copies.
  const typed = allocSecret(MAX_PASSWORD_BYTES);
  let length = 0;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        try {
          for (const byte of chunk) {
            if (byte === 0x0d || byte === 0x0a) {
              stdin.off('data', onData);
              resolve(copySecret(typed, 0, length));
              return;
            }
            if (byte === 0x03) {
              stdin.off('data', onData);
              reject(new UsageError('Cancelled.'));
              return;
            }
            if (byte === 0x7f || byte === 0x08) length = lengthWithoutLastCharacter(typed, length);
            else if (length < MAX_PASSWORD_BYTES) typed[length++] = byte;
          }
        } finally {
          wipe(chunk);
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    wipe(typed);
    stdin.setRawMode(false);
    stdin.pause();
    process.stderr.write('\n');
  }
}

/** Backspace removes one character: its UTF-8 continuation bytes (10xxxxxx) and its lead byte. */
function lengthWithoutLastCharacter(typed: Buffer, length: number): number {
  while (length > 0 && (typed[length - 1] & 0xc0) === 0x80) typed[--length] = 0;
  if (length > 0) typed[--length] = 0;
  return length;
}
