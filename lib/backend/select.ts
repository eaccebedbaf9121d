/**
 * Which backend runs: on Windows the native one when its binding loads, elsewhere the emulated
 * one; CREDSSP_BACKEND=emulated|native overrides for the process, and acquireCredentialsHandle's
 * `backend` option for one credential (and every context made from it).
 */
import { emulatedBackend } from '../emulated/backend';
import type { Backend } from './types';

export type BackendName = 'native' | 'emulated';

let native: Backend | undefined;

/** Loads the Secur32 binding; throws an Error saying why when it cannot. */
export function nativeBackend(): Backend {
  if (!native) {
    // Required lazily: on Linux and macOS there is no binding, and nothing should try to load one.
    const { loadNativeBackend } = require('./native') as { loadNativeBackend(): Backend };
    native = loadNativeBackend();
  }
  return native;
}

export function backendByName(name: BackendName): Backend {
  return name === 'native' ? nativeBackend() : emulatedBackend;
}

let chosen: Backend | undefined;

/** The process default, chosen once. */
export function defaultBackend(): Backend {
  chosen ??= choose();
  return chosen;
}

function choose(): Backend {
  const forced = process.env.CREDSSP_BACKEND;
  if (forced === 'emulated' || forced === 'native') return backendByName(forced);
  if (forced !== undefined && forced !== '') {
    throw new Error(`CREDSSP_BACKEND must be 'emulated' or 'native', not ${JSON.stringify(forced)}`);
  }
  if (process.platform === 'win32') {
    try {
      return nativeBackend();
    } catch {
      // No prebuilt binding for this platform and no compiler at install time: emulate.
    }
  }
  return emulatedBackend;
}
