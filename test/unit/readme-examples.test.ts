/**
 * README.md's runnable examples, run exactly as written: every ```js block that requires
 * 'credssp' is a whole program. Each runs in a child process from a folder whose
 * node_modules/credssp is this package (its built dist/, through package.json), as a user's
 * would be after `npm install credssp`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, root } from '../soak/dist';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const runnable = [...readme.matchAll(/```js\n([\s\S]*?)```/g)]
  .map((m) => m[1])
  .filter((code) => code.includes("require('credssp')"));

/** What each runnable example prints, found by a line of its code. */
const EXPECTED: { containing: string; stdout: string }[] = [
  {
    containing: 'sspi.encryptMessage(client.context',
    stdout: "SEC_E_OK { user: 'LAB\\\\alice' }\ndelegated to the server: LAB\\alice\nhello\n",
  },
  {
    containing: "role: 'acceptor'",
    stdout: 'client: SEC_E_OK\nserver: logged on LAB\\alice\n',
  },
];

describe('README examples', () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'credssp-readme-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(root, join(dir, 'node_modules', 'credssp'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every runnable block has its expected output here, and each is in the README once', () => {
    expect(runnable).toHaveLength(EXPECTED.length);
    for (const { containing } of EXPECTED) {
      expect(runnable.filter((code) => code.includes(containing))).toHaveLength(1);
    }
  });

  it.each(EXPECTED)('the example with "$containing" runs as written', ({ containing, stdout }) => {
    const code = runnable.find((block) => block.includes(containing));
    expect(code).toBeDefined();
    const file = join(dir, 'example.js');
    writeFileSync(file, code ?? '');
    const env = { ...process.env };
    delete env.CREDSSP_BACKEND;
    delete env.NODE_DEBUG;
    const out = execFileSync(process.execPath, [file], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
    expect(out).toBe(stdout);
  });
});
