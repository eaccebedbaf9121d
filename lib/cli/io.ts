/** Where a subcommand reads and writes, so tests can run it in-process. */
export interface CliIo {
  /** One line for standard output (results: JSON events, the check's verdict). */
  out(line: string): void;
  /** One line for standard error (progress and diagnostics). */
  err(line: string): void;
  stdin: NodeJS.ReadableStream;
}

/**
 * A reader that went away (`credssp demo | head -1`) is not an error of ours: stop writing
 * quietly, as Unix tools do, instead of dying of an unhandled EPIPE.
 */
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/** The process's own streams. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stdin: process.stdin,
};
