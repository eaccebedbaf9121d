/** The soak tests run the built package (dist/), as users do; build it when it is missing. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');

/** Make sure dist/ exists (`npm test` builds first; a lone `npx jest test/soak` may not have). */
export function ensureBuilt(): void {
  if (existsSync(join(root, 'dist', 'index.js')) && existsSync(join(root, 'dist', 'cli', 'main.js'))) return;
  execFileSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}
