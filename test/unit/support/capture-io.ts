/** An in-memory CliIo for running `credssp` subcommands in-process. */
import { Readable } from 'node:stream';
import type { CliIo } from '../../../lib/cli/io';

/** A CliIo that records every line, with `stdin` holding the given text. */
export function captureIo(
  stdin: Buffer | string = '',
): CliIo & { stdout: string[]; stderr: string[]; all(): string } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    stdin: Readable.from([Buffer.from(stdin)]),
    all: () => [...stdout, ...stderr].join('\n'),
  };
}
