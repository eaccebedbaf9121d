/**
 * Run a backend call so that only SspiError escapes: anything else is a bug or an environment
 * failure, reported as SEC_E_INTERNAL_ERROR without a parser's stack or internals in the message.
 * Not an async function: every ISC/ASC/Encrypt/Decrypt call passes through here, and one
 * derived promise costs less than an async frame around the backend's own.
 */
import { SspiError, sspiError } from '../errors';

export function backendCall<T>(op: () => Promise<T>): Promise<T> {
  let pending: Promise<T>;
  try {
    pending = op();
  } catch (err) {
    return Promise.reject(publicError(err));
  }
  return pending.catch((err: unknown) => {
    throw publicError(err);
  });
}

/** What a caller sees of a backend failure (see backendCall()). */
function publicError(err: unknown): unknown {
  if (err instanceof SspiError) return err;
  // A backend that checks an argument of its own reports it as Node does, not as a protocol error.
  if (err instanceof TypeError && String((err as { code?: string }).code).startsWith('ERR_INVALID_ARG'))
    return err;
  const reason = err instanceof Error ? err.message : String(err);
  const wrapped = sspiError('SEC_E_INTERNAL_ERROR', `Internal error in the security package: ${reason}`);
  (wrapped as Error & { cause?: unknown }).cause = err;
  return wrapped;
}
