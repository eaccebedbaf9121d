import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { makeUserTable } from '../../lib/emulated/users';

// MS-NLMP 4.2.2.1.2: NTOWFv1("Password") = a4f49c406510bdcab6824ee7c30fd852
const PASSWORD_HASH = 'a4f49c406510bdcab6824ee7c30fd852';

describe('acceptor users', () => {
  it('matches a plain user in any domain, case-insensitively, and hashes its password', () => {
    const table = makeUserTable({ User: 'Password' });
    expect(table.lookup('USER', 'Domain')?.toString('hex')).toBe(PASSWORD_HASH);
    expect(table.lookup('user', '')?.toString('hex')).toBe(PASSWORD_HASH);
    expect(table.lookup('other', '')).toBeUndefined();
  });

  it('holds DOMAIN\\user entries to their domain and prefers them over any-domain entries', () => {
    const table = makeUserTable({ 'CORP\\alice': 'Password', alice: { ntHash: Buffer.alloc(16, 1) } });
    expect(table.lookup('alice', 'corp')?.toString('hex')).toBe(PASSWORD_HASH);
    expect(table.lookup('alice', 'ELSEWHERE')).toEqual(Buffer.alloc(16, 1));
    const strict = makeUserTable({ 'CORP\\bob': 'Password' });
    expect(strict.lookup('bob', 'OTHER')).toBeUndefined();
  });

  it('reads the SAM file winpr-hash writes; an empty domain matches any', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credssp-sam-'));
    const file = join(dir, 'sam');
    writeFileSync(
      file,
      `alice::aad3b435b51404eeaad3b435b51404ee:${PASSWORD_HASH}:::\nbob:LAB::${'11'.repeat(16)}:::\n`,
    );
    const table = makeUserTable({ samFile: file });
    expect(table.lookup('ALICE', 'anything')?.toString('hex')).toBe(PASSWORD_HASH);
    expect(table.lookup('bob', 'lab')?.toString('hex')).toBe('11'.repeat(16));
    expect(table.lookup('bob', 'other')).toBeUndefined();
  });

  it('rejects a malformed SAM line without printing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credssp-sam-'));
    const file = join(dir, 'sam');
    writeFileSync(file, 'alice:secretpassword\n');
    expect(() => makeUserTable({ samFile: file })).toThrow(/line 1/);
    try {
      makeUserTable({ samFile: file });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('secretpassword');
      expect((err as { code: string }).code).toBe('SEC_E_NO_CREDENTIALS');
    }
  });

  it('zeroes the hashes it holds on dispose', () => {
    const table = makeUserTable({ alice: 'Password' });
    const hash = table.lookup('alice', '')!;
    table.dispose();
    expect(hash.every((b) => b === 0)).toBe(true);
    expect(ntHashOf(Buffer.from('Password', 'utf16le')).toString('hex')).toBe(PASSWORD_HASH);
  });
});
