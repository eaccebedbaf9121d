/**
 * `npm run bench` is not a test (its figures depend on the machine), but issue 5's contract is
 * that `--json` prints every figure: a smoke run checks the script still runs end to end and its
 * last line carries each of them as a finite number.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, root } from './dist';

const FIGURES = [
  'tlsHandshakeMs',
  'credsspHandshakeMs',
  'credsspOverTls',
  'engineOverTls',
  'handshakesPerSec',
  'maxEventLoopDelayMs',
  'encryptMBps',
  'encryptOverTls',
  'heapPerContextKiB',
] as const;

describe('npm run bench -- --quick --json', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('ends with one line of JSON holding every figure', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [join(root, 'scripts', 'bench.js'), '--quick', '--json'],
        { cwd: root, timeout: 120_000, maxBuffer: 2 ** 20 },
        (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
      );
    });
    const figures = JSON.parse(stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
    for (const name of FIGURES) {
      expect([name, Number.isFinite(figures[name])]).toEqual([name, true]);
    }
    // Times and rates are positive; the ratios compare two positive times.
    for (const name of [
      'tlsHandshakeMs',
      'credsspHandshakeMs',
      'credsspOverTls',
      'handshakesPerSec',
    ] as const)
      expect(figures[name] as number).toBeGreaterThan(0);
    expect(figures.keyType).toBe('rsa');
  }, 150_000);
});
