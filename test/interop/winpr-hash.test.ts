/**
 * `credssp hash` writes the line FreeRDP's `winpr-hash -f sam` writes, byte for byte, for
 * ASCII and non-ASCII passwords and names, with and without a domain.
 */
import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { main } from '../../lib/cli/main';
import { describeWithPeers } from './peers/availability';

async function credsspHash(args: string[], password: string): Promise<string> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = {
    out: (line: string) => stdout.push(line),
    err: (line: string) => stderr.push(line),
    stdin: Readable.from([Buffer.from(`${password}\n`)]),
  };
  const code = await main(['hash', ...args, '--password-stdin'], io);
  expect({ code, stderr }).toEqual({ code: 0, stderr: [] });
  return `${stdout.join('\n')}\n`;
}

function winprHash(args: string[], password: string): string {
  const result = spawnSync('winpr-hash', [...args, '-p', password, '-f', 'sam'], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  return result.stdout;
}

describeWithPeers(['winpr-hash'], 'credssp hash against winpr-hash -f sam', () => {
  it.each([
    [['-u', 'alice'], 'Passw0rd!'],
    [['-u', 'alice', '-d', 'LAB'], 'Passw0rd!'],
    [['-u', 'Ålice', '-d', 'dömain'], 'pässwörd €'],
    [['-u', 'bob'], 'emoji 😀 outside the BMP'],
  ])('%j with password %j: the same line', async (args, password) => {
    expect(await credsspHash(args, password)).toBe(winprHash(args, password));
  });
});
