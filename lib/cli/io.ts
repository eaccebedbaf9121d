/** Where a subcommand reads and writes, so tests can run it in-process. */
export interface CliIo {
  /** One line for standard output (results: JSON events, the check's verdict). */
  out(line: string): void;
  /** One line for standard error (progress and diagnostics). */
  err(line: string): void;
  stdin: NodeJS.ReadableStream;
}

/** The process's own streams. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stdin: process.stdin,
};
