/**
 * What `npm pack` ships: the licence, the metadata a registry page links to, and source maps
 * whose sources are in the package too (a map pointing at files that are not there only makes
 * a debugger show nothing).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { ensureBuilt, root } from '../soak/dist';

const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The paths `npm pack` would put in the tarball (no scripts run: dist/ is built once here). */
function packedFiles(): Set<string> {
  ensureBuilt();
  const out = execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  const [report] = JSON.parse(out) as Array<{ files: Array<{ path: string }> }>;
  return new Set(report.files.map((f) => f.path));
}

describe('the npm package', () => {
  let files: Set<string>;
  beforeAll(() => {
    files = packedFiles();
  }, 60_000);

  it('ships an MIT LICENSE that names the credssp authors, as package.json says', () => {
    expect(files.has('LICENSE')).toBe(true);
    const licence = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License/);
    expect(licence).toContain('Copyright (c) the credssp authors');
    expect(packageJson.license).toBe('MIT');
  });

  it('has repository, bugs and homepage fields', () => {
    expect(packageJson.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\//) });
    expect(packageJson.bugs.url).toMatch(/^https:\/\/.+\/issues$/);
    expect(packageJson.homepage).toMatch(/^https:\/\//);
  });

  it('ships the sources every source map points at', () => {
    const maps = [...files].filter((f) => f.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const map of maps) {
      const { sources, sourceRoot } = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
      };
      for (const source of sources) {
        const path = posix.normalize(posix.join(dirname(map), sourceRoot ?? '', source));
        if (!files.has(path)) missing.push(`${map} -> ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
