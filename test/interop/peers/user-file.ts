/** gss-ntlmssp's user file (NTLM_USER_FILE): one 'DOMAIN:USER:PASSWORD' line per user. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function writeUserFile(users: Array<{ user: string; domain: string; password: string }>): {
  path: string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'credssp-gss-users-'));
  const path = join(dir, 'users');
  writeFileSync(path, users.map((u) => `${u.domain}:${u.user}:${u.password}\n`).join(''), { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
