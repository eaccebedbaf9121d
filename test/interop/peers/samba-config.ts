/**
 * A Samba configuration of our own for ntlm_auth and gensec, so the tests do not depend on the
 * machine's /etc/samba/smb.conf (absent, or set to other NTLM policies, on many hosts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes the configuration file; `remove()` deletes it. */
export function writeSambaConfig(): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'credssp-samba-'));
  const path = join(dir, 'smb.conf');
  // NTLMv2 only, both ways, as the emulated package is (Samba's defaults, pinned).
  writeFileSync(
    path,
    [
      '[global]',
      '\tworkgroup = SAMBATEST',
      '\tntlm auth = ntlmv2-only',
      '\tclient ntlmv2 auth = yes',
      '',
    ].join('\n'),
  );
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
