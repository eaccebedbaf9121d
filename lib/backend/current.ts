import { defaultBackend } from './select';

/**
 * The backend in use by default: 'native' (Windows, Secur32.dll) or 'emulated'. Read once at
 * load; CREDSSP_BACKEND=emulated|native sets it.
 */
export const backend: 'native' | 'emulated' = defaultBackend().name;
