/**
 * A child process spoken to one line at a time: the shape of every interop peer (ntlm_auth's
 * helper protocols, the python GSSAPI and Samba gensec peers). Answers are awaited with a
 * deadline so a peer that hangs fails the test instead of stalling the suite.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** How long one answer may take; peers answer in milliseconds, CI machines are slow. */
const ANSWER_TIMEOUT_MS = 10_000;

export interface LineProcessOptions {
  /** Environment variables set (a string) or removed (undefined) on top of the test's own. */
  env?: Record<string, string | undefined>;
  /** A name for error messages and traces, e.g. 'ntlm_auth client'. */
  label: string;
}

export class LineProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private readonly waiters: Array<(line: string | null) => void> = [];
  private pending = '';
  private stderr = '';
  private exited = false;
  /** Every line sent (`> `) and received (`< `), for diagnosing a failed exchange. */
  readonly transcript: string[] = [];

  constructor(
    command: string,
    args: string[],
    private readonly options: LineProcessOptions,
  ) {
    const env = { ...process.env, ...options.env };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
    this.child = spawn(command, args, { env, stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk: string) => this.onData(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.child.on('error', (err) => {
      this.stderr += `\nspawn failed: ${err.message}`;
      this.onExit();
    });
    // 'close' (not 'exit') fires after stdout has been read to its end, so no answer is lost.
    this.child.on('close', () => this.onExit());
    // Writing to a peer that already quit is reported by the next read, not as an unhandled error.
    this.child.stdin.on('error', () => undefined);
  }

  /** Send one line (without its newline). */
  send(line: string): void {
    this.record(`> ${line}`);
    if (!this.exited) this.child.stdin.write(`${line}\n`);
  }

  /** The next line the peer prints; rejects if it quits or stays silent too long. */
  async nextLine(): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return queued;
    if (this.exited) throw this.failure('quit without answering');
    const line = await new Promise<string | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(done), 1);
        resolve(null);
      }, ANSWER_TIMEOUT_MS);
      const done = (value: string | null): void => {
        clearTimeout(timer);
        resolve(value);
      };
      this.waiters.push(done);
    });
    if (line === null) throw this.failure(this.exited ? 'quit without answering' : 'did not answer in time');
    return line;
  }

  /** Send a line and wait for the answer. */
  async request(line: string): Promise<string> {
    this.send(line);
    return this.nextLine();
  }

  /** Stop the peer (closing stdin first lets it exit cleanly) and wait for it. */
  async close(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('close', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** An Error naming the peer, with its recent stderr and the exchange so far. */
  failure(what: string): Error {
    return new Error(
      `${this.options.label} ${what}.\nstderr: ${this.stderr.trim() || '(empty)'}\n` +
        `transcript:\n${this.transcript.join('\n')}`,
    );
  }

  private onData(chunk: string): void {
    this.pending += chunk;
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, newline);
      this.pending = this.pending.slice(newline + 1);
      this.record(`< ${line}`);
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    }
  }

  private onExit(): void {
    if (this.exited) return;
    this.exited = true;
    for (const waiter of this.waiters.splice(0)) waiter(null);
  }

  private record(entry: string): void {
    this.transcript.push(entry);
    if (process.env.INTEROP_TRACE) process.stderr.write(`[${this.options.label}] ${entry}\n`);
  }
}
