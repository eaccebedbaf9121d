/**
 * `credssp hash`: a SAM line from a password on standard input, that `serve --users` accepts.
 * (test/interop/winpr-hash.test.ts compares it with FreeRDP's winpr-hash.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../lib/cli/main';
import { startServe } from '../../lib/cli/serve';
import { captureIo } from './support/capture-io';

describe('credssp hash', () => {
  it('writes user:domain::NT::: with the NT hash of the password (MS-NLMP 3.3.1 NTOWFv1)', async () => {
    // NTOWFv1("Password") from MS-NLMP 4.2.1.1; domain empty, LM empty, as winpr-hash -f sam.
    const io = captureIo('Password\n');
    expect(await main(['hash', '-u', 'User', '--password-stdin'], io)).toBe(0);
    expect(io.stdout).toEqual(['User:::a4f49c406510bdcab6824ee7c30fd852:::']);
    expect(io.stderr).toEqual([]);
    const withDomain = captureIo('Password');
    expect(await main(['hash', '-u', 'User', '-d', 'Domain', '--password-stdin'], withDomain)).toBe(0);
    expect(withDomain.stdout).toEqual(['User:Domain::a4f49c406510bdcab6824ee7c30fd852:::']);
  });

  it.each([
    [['hash'], '-u USER'],
    [['hash', '-u', 'a:b', '--password-stdin'], 'cannot contain ":"'],
    [['hash', '-u', 'a', '-d', 'x\ny', '--password-stdin'], 'cannot contain ":"'],
    [['hash', '-u', 'a', 'stray', '--password-stdin'], 'no arguments'],
    [['hash', '-u', 'a', '-p', 'Secret-In-Argv'], 'never taken from the command line'],
  ])('%j exits 2 with a message and the usage', async (argv, message) => {
    const io = captureIo('pw\n');
    expect(await main(argv, io)).toBe(2);
    expect(io.stderr.join('\n')).toContain(message);
    expect(io.stderr.join('\n')).toContain('usage: credssp hash');
    expect(io.stderr.join('\n')).not.toContain('Secret-In-Argv');
    expect(io.stdout).toEqual([]);
  });

  it('refuses a password that is not UTF-8 instead of hashing another one', async () => {
    const io = captureIo(Buffer.from([0x70, 0xff, 0x77]));
    expect(await main(['hash', '-u', 'a', '--password-stdin'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('not valid UTF-8');
  });

  it('refuses an empty password, as winpr-hash does', async () => {
    const io = captureIo('\n');
    expect(await main(['hash', '-u', 'a', '--password-stdin'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('The password is empty.');
    expect(io.stdout).toEqual([]);
  });

  it('without --password-stdin and without a terminal, says how to pass the password', async () => {
    const io = captureIo();
    expect(await main(['hash', '-u', 'a'], io)).toBe(2);
    expect(io.stderr.join('\n')).toContain('--password-stdin');
  });

  it('serve --users accepts the line, and rdp-check logs on with that password', async () => {
    const password = 'Hash-Me-Pässword-7';
    const hashIo = captureIo(`${password}\n`);
    expect(await main(['hash', '-u', 'alice', '-d', 'LAB', '--password-stdin'], hashIo)).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'credssp-hash-'));
    const samFile = join(dir, 'sam');
    writeFileSync(samFile, `${hashIo.stdout[0]}\n`);
    const serveIo = captureIo();
    const running = await startServe(['--port', '0', '--users', samFile], serveIo);
    try {
      const check = (pw: string) =>
        main(
          ['rdp-check', `127.0.0.1:${running.port}`, '-u', 'alice', '-d', 'LAB', '--password-stdin'],
          captureIo(`${pw}\n`),
        );
      expect(await check(password)).toBe(0);
      expect(await check('another password')).toBe(1);
    } finally {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(serveIo.stdout.join('\n')).not.toContain(password);
  });
});
