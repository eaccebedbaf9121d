import { defaultBackendName, type BackendName } from './backends';

/**
 * The process's default backend: 'native' (Windows, Secur32.dll) or 'emulated'. Read lazily:
 * nothing is chosen at import. Reading it chooses, as the first acquireCredentialsHandle without
 * `backend` does: CREDSSP_BACKEND when set (nothing is loaded then), else on Windows 'native' if
 * the binding loads and 'emulated' if not (the emulated stack itself is not loaded), else
 * 'emulated'. An invalid CREDSSP_BACKEND makes the read throw SEC_E_SECPKG_NOT_FOUND.
 */
export declare const backend: BackendName;
Object.defineProperty(exports, 'backend', { enumerable: true, get: defaultBackendName });
