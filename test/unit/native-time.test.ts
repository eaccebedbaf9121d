/**
 * TimeStamps from the native addon: CredSSP's are local wall-clock readings (ACH/ISC (CredSSP),
 * ptsExpiry) and must become the instant they name; the other packages' are UTC. The conversion
 * runs in a child process with TZ set (jest's process.env is the sandbox's copy, so assigning TZ
 * here would not reach the time-zone rules).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** timeStampDate(...cases) in a process whose zone is `tz`; ISO strings, or null. */
function convertIn(tz: string, cases: Array<[number | undefined, 'utc' | 'local']>): Array<string | null> {
  const source = fs.readFileSync(path.join(__dirname, '../../lib/native/time.ts'), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
  const program =
    `const module = { exports: {} }; const exports = module.exports;\n${js}\n` +
    `const cases = ${JSON.stringify(cases.map(([ms, clock]) => [ms ?? null, clock]))};\n` +
    'console.log(JSON.stringify(cases.map(([ms, clock]) => ' +
    'module.exports.timeStampDate(ms ?? undefined, clock)?.toISOString() ?? null)));';
  const child = spawnSync(process.execPath, ['-e', program], {
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout) as Array<string | null>;
}

test('a local reading is the instant of that wall-clock time, daylight saving included', () => {
  // New York: UTC-5 in January, UTC-4 in July.
  expect(
    convertIn('America/New_York', [
      [Date.UTC(2026, 0, 15, 12, 0, 0, 250), 'local'],
      [Date.UTC(2026, 6, 15, 12, 0, 0), 'local'],
    ]),
  ).toEqual(['2026-01-15T17:00:00.250Z', '2026-07-15T16:00:00.000Z']);
});

test('a UTC reading is taken as it is, whatever the zone', () => {
  expect(convertIn('Asia/Tokyo', [[Date.UTC(2026, 6, 15, 12, 0, 0), 'utc']])).toEqual([
    '2026-07-15T12:00:00.000Z',
  ]);
});

test('none given (0), or a value no Date can hold, is null, never an Invalid Date', () => {
  expect(
    convertIn('America/New_York', [
      [0, 'local'],
      [undefined, 'utc'],
      [9e15, 'utc'],
      // The largest Date, read as New York wall-clock time, is past the largest Date.
      [8.64e15, 'local'],
    ]),
  ).toEqual([null, null, null, null]);
});
