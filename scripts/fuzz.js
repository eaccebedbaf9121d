#!/usr/bin/env node
/**
 * `npm run fuzz -- --runs N [--seed S] [jest path filters…]`: the fuzz suite (test/fuzz) with N
 * inputs per property instead of CI's bounded budget. `--seed` replays the run fast-check printed
 * for a failure. Every crash found becomes a file in test/fuzz/regressions/ (see its README).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const argv = process.argv.slice(2);
const env = { ...process.env };
const filters = [];
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  const [flag, inline] = arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
  if (flag === '--runs' || flag === '--seed') {
    const value = inline ?? argv[++i];
    if (!/^\d+$/.test(value ?? '')) {
      console.error(`fuzz: ${flag} takes a whole number`);
      process.exit(2);
    }
    env[flag === '--runs' ? 'FUZZ_RUNS' : 'FUZZ_SEED'] = value;
  } else if (flag === '--stats') {
    env.FUZZ_STATS = '1';
  } else {
    filters.push(arg);
  }
}

const jest = path.join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(
  process.execPath,
  [jest, '--runInBand', ...(filters.length > 0 ? filters : ['test/fuzz'])],
  { stdio: 'inherit', env, cwd: path.join(__dirname, '..') },
);
process.exit(result.status ?? 1);
