/**
 * `npm run bench` is not a test (its figures depend on the machine), but issue 5's contract is
 * that `--json` prints every figure: a smoke run checks the script still runs end to end and its
 * last line carries each of them as a finite number. The Kerberos figures (issue 12) need MIT's
 * tools for the realm they measure against; without them they are null and the line says why.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { peerMissing } from '../interop/peers/availability';
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

const KERBEROS_FIGURES = [
  'kerberosApUs',
  'mitApUs',
  'mitApFileRcacheUs',
  'kerberosApOverMit',
  'kerberosApOverMitFileRcache',
  'negotiateKerberosHandshakeMs',
  'negotiateKerberosTicketsCachedMs',
  'negotiateKerberosHandshakesPerSec',
] as const;

/** What scripts/bench/mit-reference.sh needs beyond MIT's KDC and tools: a C compiler and GSSAPI's headers. */
const mitReferenceUsable =
  peerMissing('mit-krb5') === null &&
  existsSync('/usr/include/gssapi/gssapi_krb5.h') &&
  ['/usr/bin/gcc', '/usr/local/bin/gcc'].some((gcc) => existsSync(gcc));

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
    if (mitReferenceUsable) {
      expect(figures.kerberosUnavailable).toBeUndefined();
      for (const name of KERBEROS_FIGURES) {
        const value = figures[name];
        expect([name, typeof value === 'number' && Number.isFinite(value) && value > 0]).toEqual([
          name,
          true,
        ]);
      }
    } else {
      expect(figures.kerberosUnavailable).toEqual(
        expect.stringContaining('MIT Kerberos reference unavailable'),
      );
      for (const name of KERBEROS_FIGURES) expect([name, figures[name]]).toEqual([name, null]);
    }
  }, 150_000);
});
