#!/usr/bin/env node
// npm's install hook. Only Windows has a native layer: there node-gyp-build loads a prebuilt
// binding from prebuilds/ or, failing that, compiles src-native/ with node-gyp. Elsewhere the
// emulated backend is pure JavaScript and nothing is compiled.
'use strict';
if (process.platform !== 'win32') process.exit(0);
const { spawnSync } = require('node:child_process');
const bin = require.resolve('node-gyp-build/bin.js');
const result = spawnSync(process.execPath, [bin], {
  stdio: 'inherit',
  cwd: require('node:path').join(__dirname, '..'),
});
if (result.status !== 0) {
  // The emulated backend still works; say so rather than failing the install.
  console.warn('credssp: the native Windows layer could not be built; the emulated backend will be used.');
}
