/**
 * Issue 13 item 9: after acquire with a Buffer password, a CredSSP handshake with delegation, the
 * query of the delegated password, delete, free and GC, no copy of the password (UTF-8 or
 * UTF-16LE, string or Buffer) is left anywhere in the process's memory, and the Buffers the query
 * handed out are zeroed. Run in a child process so that jest's own heap is not scanned.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';

/** A password no other test uses, with 2-, 3- and 4-byte UTF-8 (an astral character, a surrogate pair in UTF-16). */
function uniquePassword(): string {
  const letters = [...randomBytes(12)].map((b) => String.fromCharCode(0x61 + (b % 26))).join('');
  return `\u{1F511}é${letters}€ß\u{10348}`;
}

describe('password memory', () => {
  it('leaves no copy of a Buffer password in memory after a delegated CredSSP handshake, free and GC', () => {
    const password = uniquePassword();
    const child = spawnSync(
      process.execPath,
      [
        '--expose-gc',
        '-r',
        path.join(__dirname, 'support', 'ts-require.js'),
        path.join(__dirname, 'support', 'password-memory-child.ts'),
      ],
      {
        env: {
          ...process.env,
          PASSWORD_UTF8_HEX: Buffer.from(password, 'utf8').toString('hex'),
          PASSWORD_UTF16_HEX: Buffer.from(password, 'utf16le').toString('hex'),
          NT_HASH_HEX: ntHashOf(Buffer.from(password, 'utf16le')).toString('hex'),
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    const lines = child.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1] ?? '{}');
    expect(report).toEqual({ delegatedMatches: true, zeroedOnDelete: true, utf8Hits: [], utf16Hits: [] });
  });
});
