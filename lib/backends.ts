/**
 * Which backend runs: on Windows the native one when its binding loads, elsewhere the emulated
 * one; CREDSSP_BACKEND=emulated|native overrides for the process, and acquireCredentialsHandle's
 * `backend` option for one credential (and every context made from it). Both load on first use
 * (require), not at import: a Windows process on the native backend never loads the emulated
 * protocol stack, and a missing binding is an SspiError at acquireCredentialsHandle.
 */
import { sspiError } from './errors';
import type { Backend, EmulatedAcquireRequest, NativeAcquireRequest } from './backend/types';

export type BackendName = 'native' | 'emulated';

let native: Backend<NativeAcquireRequest> | undefined;
let emulated: Backend<EmulatedAcquireRequest> | undefined;

/** Loads the Secur32 binding; SEC_E_SECPKG_NOT_FOUND saying what is missing when it cannot. */
export function nativeBackend(): Backend<NativeAcquireRequest> {
  if (!native) {
    try {
      const { loadNativeBackend } = require('./native/backend') as {
        loadNativeBackend(): Backend<NativeAcquireRequest>;
      };
      native = loadNativeBackend();
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      const failure = sspiError(
        'SEC_E_SECPKG_NOT_FOUND',
        process.platform === 'win32'
          ? `The native backend's binding (Secur32 addon) could not be loaded: ${reason}. ` +
              'Reinstall the package or set CREDSSP_BACKEND=emulated.'
          : `The native backend needs Windows' Secur32.dll, which ${process.platform} does not have: ` +
              "use the emulated backend (unset CREDSSP_BACKEND=native, or pass backend: 'emulated').",
      );
      (failure as Error & { cause?: unknown }).cause = err;
      throw failure;
    }
  }
  return native;
}

export function emulatedBackend(): Backend<EmulatedAcquireRequest> {
  emulated ??= (require('./emulated/backend') as { emulatedBackend: Backend<EmulatedAcquireRequest> })
    .emulatedBackend;
  return emulated;
}

let chosen: BackendName | undefined;

/**
 * The process default, chosen once, on first use. On Windows choosing loads the binding (to see
 * whether it works); elsewhere, and when CREDSSP_BACKEND names one, it loads nothing.
 */
export function defaultBackendName(): BackendName {
  chosen ??= choose();
  return chosen;
}

function choose(): BackendName {
  const forced = process.env.CREDSSP_BACKEND;
  if (forced === 'emulated' || forced === 'native') return forced;
  if (forced !== undefined && forced !== '') {
    throw sspiError(
      'SEC_E_SECPKG_NOT_FOUND',
      `CREDSSP_BACKEND must be 'emulated' or 'native', not ${JSON.stringify(forced.slice(0, 40))}.`,
    );
  }
  if (process.platform === 'win32') {
    try {
      nativeBackend();
      return 'native';
    } catch {
      // No prebuilt binding for this platform and no compiler at install time: emulate.
    }
  }
  return 'emulated';
}
