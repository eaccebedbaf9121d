/** `credssp --version` and `-v`: the version in package.json, from the sources and from the built bin. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../lib/cli/main';
import { ensureBuilt, root } from '../soak/dist';

const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };

describe('credssp --version', () => {
  it.each([['--version'], ['-v']])('%s prints the package version alone and exits 0', async (flag) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io = {
      out: (l: string) => stdout.push(l),
      err: (l: string) => stderr.push(l),
      stdin: Readable.from([]),
    };
    expect(await main([flag], io)).toBe(0);
    expect({ stdout, stderr }).toEqual({ stdout: [version], stderr: [] });
  });

  it('the installed bin (dist/cli/main.js) finds package.json too', () => {
    ensureBuilt();
    const out = execFileSync(process.execPath, [join(root, 'dist', 'cli', 'main.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(out).toBe(`${version}\n`);
  });
});
