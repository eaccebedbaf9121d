/**
 * NODE_DEBUG=credssp: a delegated CredSSP handshake in a child process traces each leg, its
 * status and the TSRequest version on stderr, and never the password (UTF-8, UTF-16LE, hex), its
 * NT hash or any token's bytes. Without NODE_DEBUG nothing is printed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';

const CHILD = path.join(__dirname, 'support', 'debug-trace-child.ts');
const TS_REQUIRE = path.join(__dirname, '..', 'unit', 'support', 'ts-require.js');

/** The child's handshake; the acceptor knows `acceptorPassword` (default: the client's). */
function runChild(password: Buffer, nodeDebug: string | undefined, acceptorPassword = password) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PASSWORD_HEX: password.toString('hex'),
    NT_HASH_HEX: ntHashOf(Buffer.from(acceptorPassword.toString('utf8'), 'utf16le')).toString('hex'),
  };
  delete env.NODE_DEBUG;
  if (nodeDebug !== undefined) env.NODE_DEBUG = nodeDebug;
  const child = spawnSync(process.execPath, ['-r', TS_REQUIRE, CHILD], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const report = JSON.parse(child.stdout.trim() || '{}') as {
    tokens?: string[];
    opened?: string;
    delegatedUser?: string;
    error?: string;
  };
  return { status: child.status, stderr: child.stderr, report };
}

/** Every way a secret or a token could be written as text. */
function forms(bytes: Buffer): string[] {
  return [bytes.toString('hex'), bytes.toString('hex').toUpperCase(), bytes.toString('base64')];
}

describe('NODE_DEBUG=credssp', () => {
  const password = Buffer.from(`Trace-${randomBytes(9).toString('base64url')}-é€`, 'utf8');

  it('traces acquire, every leg with its sizes and status, the version, deletion; no secret, no token', () => {
    const { status, stderr, report } = runChild(password, 'credssp');
    expect({ status, opened: report.opened, delegatedUser: report.delegatedUser }).toEqual({
      status: 0,
      opened: 'hello',
      delegatedUser: 'alice',
    });
    const lines = stderr.trim().split('\n');
    expect(lines.every((l) => /^CREDSSP \d+: /.test(l))).toBe(true);
    const text = lines.map((l) => l.replace(/^CREDSSP \d+: /, '')).join('\n');
    expect(text).toContain('acquire CredSSP inbound credential, emulated backend');
    expect(text).toContain('acquire CredSSP outbound credential, emulated backend');
    expect(text).toMatch(
      /^initialize CredSSP leg 1: in 0 bytes, out \d+ bytes, SEC_I_CONTINUE_NEEDED, attributes 0x[0-9a-f]{8}$/m,
    );
    expect(text).toMatch(/^accept CredSSP leg 1: in \d+ bytes, out \d+ bytes, SEC_I_CONTINUE_NEEDED/m);
    expect(text).toMatch(/^initialize CredSSP leg 5: in \d+ bytes, out \d+ bytes, SEC_E_OK/m);
    expect(text).toMatch(/^accept CredSSP leg 5: in \d+ bytes, out 0 bytes, SEC_E_OK/m);
    expect(text).toContain('initiator CredSSP: TSRequest version 6');
    expect(text).toContain('acceptor CredSSP: TSRequest version 6');
    expect(text).toContain('delete CredSSP initiator context');
    expect(text).toContain('free CredSSP outbound credential');
    // The sizes traced are the tokens' own: the client's first token is the first one sent.
    const firstOut = Number(/^initialize CredSSP leg 1: in 0 bytes, out (\d+) bytes/m.exec(text)?.[1]);
    expect(firstOut).toBe((report.tokens?.[0] ?? '').length / 2);

    const secrets = [
      ...forms(password),
      password.toString('utf8'),
      Buffer.from(password.toString('utf8'), 'utf16le').toString('latin1'),
      ...forms(Buffer.from(password.toString('utf8'), 'utf16le')),
      ...forms(ntHashOf(Buffer.from(password.toString('utf8'), 'utf16le'))),
    ];
    for (const secret of secrets) expect(stderr).not.toContain(secret);
    expect(report.tokens?.length).toBeGreaterThanOrEqual(9);
    for (const hex of report.tokens ?? []) {
      for (const form of forms(Buffer.from(hex, 'hex'))) expect(stderr).not.toContain(form);
    }
  });

  it('traces a failed leg with its status name and message, and no secret', () => {
    // The acceptor knows another password: it refuses the client's NTLM AUTHENTICATE.
    const other = Buffer.from('Another-Password-1', 'utf8');
    const { status, stderr, report } = runChild(password, 'credssp', other);
    expect({ status, error: report.error }).toEqual({
      status: 1,
      error: expect.stringContaining('LOGON_DENIED'),
    });
    expect(stderr).toMatch(
      /^CREDSSP \d+: accept CredSSP leg 4 failed: in \d+ bytes, SEC_E_LOGON_DENIED: \S/m,
    );
    for (const secret of [
      ...forms(password),
      password.toString('utf8'),
      ...forms(other),
      other.toString('utf8'),
    ]) {
      expect(stderr).not.toContain(secret);
    }
  });

  it('prints nothing without NODE_DEBUG, or with NODE_DEBUG naming another module', () => {
    for (const nodeDebug of [undefined, 'http']) {
      const { status, stderr, report } = runChild(password, nodeDebug);
      expect({ status, stderr, opened: report.opened }).toEqual({ status: 0, stderr: '', opened: 'hello' });
    }
  });
});
