/** `credssp demo | head -0`: a reader that goes away ends the output quietly, not in an EPIPE crash. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, root } from '../soak/dist';

it('demo whose stdout is closed at once exits 0 with nothing on stderr', async () => {
  ensureBuilt();
  const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  expect(code).toBe(0);
}, 30_000);
