/**
 * Nothing happens at import (issue 11 item 3): the backends load on first use, a missing native
 * binding is an SspiError then, and a process on the native backend never loads the emulated stack.
 * Runs dist/ in a child process, so require.cache is the process's own (`npm run build` first).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const DIST = join(__dirname, '../../dist');

function run(script: string, env: Record<string, string> = {}): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { ...process.env, CREDSSP_BACKEND: '', ...env, DIST },
    encoding: 'utf8',
  });
  return JSON.parse(out) as Record<string, unknown>;
}

const EMULATED_LOADED = `Object.keys(require.cache).some((k) => k.startsWith(process.env.DIST + '/emulated/'))`;

it('loads no backend at require', () => {
  expect(
    run(`require(process.env.DIST); console.log(JSON.stringify({ emulated: ${EMULATED_LOADED} }))`),
  ).toEqual({
    emulated: false,
  });
});

it('loads the emulated stack at the first emulated acquire (so the check above can fail)', () => {
  const script = `(async () => {
    const api = require(process.env.DIST);
    const cred = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'inbound', emulated: { users: {} } });
    await api.freeCredentialsHandle(cred);
    console.log(JSON.stringify({ emulated: ${EMULATED_LOADED} }));
  })()`;
  expect(run(script)).toEqual({ emulated: true });
});

it('a native process (binding stubbed) never loads the emulated stack', () => {
  const script = `(async () => {
    const path = require.resolve(process.env.DIST + '/native/backend.js');
    const Module = require('node:module');
    const stub = new Module(path);
    stub.loaded = true;
    stub.exports = { loadNativeBackend: () => ({
      name: 'native',
      acquireCredentialsHandle: async () => ({ credential: {}, expiry: null }),
      freeCredentialsHandle: async () => {},
    }) };
    require.cache[path] = stub;
    const api = require(process.env.DIST);
    const cred = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'outbound' });
    await api.freeCredentialsHandle(cred);
    console.log(JSON.stringify({ backend: api.backend, emulated: ${EMULATED_LOADED} }));
  })()`;
  expect(run(script, { CREDSSP_BACKEND: 'native' })).toEqual({ backend: 'native', emulated: false });
});

it.each([
  ['CREDSSP_BACKEND=native', { CREDSSP_BACKEND: 'native' }, `{ package: 'NTLM', use: 'outbound' }`],
  ["backend: 'native'", {}, `{ package: 'NTLM', use: 'outbound', backend: 'native' }`],
])(
  '%s without a binding: require works, the first acquire rejects SEC_E_SECPKG_NOT_FOUND',
  (_, env, opts) => {
    if (process.platform === 'win32') return;
    const script = `(async () => {
    const api = require(process.env.DIST);
    const err = await api.acquireCredentialsHandle(${opts}).catch((e) => e);
    console.log(JSON.stringify({ sspi: err instanceof api.SspiError, code: err.code, message: err.message }));
  })()`;
    const result = run(script, env);
    expect(result).toMatchObject({ sspi: true, code: 'SEC_E_SECPKG_NOT_FOUND' });
    expect(result.message).toContain('Secur32');
  },
);
