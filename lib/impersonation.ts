/**
 * What a native acceptor can do with the client it authenticated: run code as that client
 * (ImpersonateSecurityContext / RevertSecurityContext), and tell whether the client delegated
 * its credentials (ASC_RET_DELEGATE). The client's name is queryContextAttributes(ctx, 'names').
 */
import type { ContextResult } from './api';
import { ASC_RET } from './constants';
import { invalidArgType, sspiError } from './errors';
import { Handle, SecurityContext } from './handles';

/** The part of the native backend this file uses (lib/native/backend.ts). */
interface Impersonating {
  impersonate<T>(context: unknown, callback: () => T): T;
}

/**
 * Runs `callback` impersonating the client of an acceptor context, and reverts before
 * returning (also when it throws). Native backend only; the emulated one rejects
 * SEC_E_UNSUPPORTED_FUNCTION (it has no Windows logon to impersonate).
 *
 * Impersonation belongs to a thread, so the callback runs synchronously on the JavaScript
 * thread, and only its synchronous Windows calls run as the client: what it hands to other
 * threads (asynchronous fs or network calls, this package's own calls, worker threads) and
 * processes it starts (they get the process token) do not. Everything else on the event loop is
 * paused meanwhile. A callback that returns a promise rejects with ERR_INVALID_ARG_VALUE,
 * after the revert, since its asynchronous part would run as the service.
 */
export async function impersonateSecurityContext<T>(context: SecurityContext, callback: () => T): Promise<T> {
  if (!(context instanceof SecurityContext))
    throw invalidArgType('context', 'an instance of SecurityContext', context);
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
  if (context.role !== 'acceptor') {
    throw sspiError(
      'SEC_E_INVALID_HANDLE',
      'Only a context made by acceptSecurityContext can be impersonated.',
    );
  }
  return Handle.serialise(context, async () => {
    const state = Handle.stateOf(context, 'security context');
    const backend = state.backend as unknown as Partial<Impersonating> & { name: string };
    if (backend.name !== 'native' || backend.impersonate === undefined) {
      throw sspiError(
        'SEC_E_UNSUPPORTED_FUNCTION',
        'The emulated backend cannot impersonate: there is no Windows logon behind its contexts.',
      );
    }
    const value = backend.impersonate(state.raw, callback);
    if (value !== null && typeof (value as { then?: unknown })?.then === 'function') {
      throw Object.assign(
        new TypeError(
          "The argument 'callback' must be synchronous: impersonation ended when it returned a promise. Received a promise",
        ),
        { code: 'ERR_INVALID_ARG_VALUE' },
      );
    }
    return value;
  });
}

/** Whether the client delegated its credentials to this acceptor (ASC_RET_DELEGATE). */
export function credentialsDelegated(result: Pick<ContextResult, 'attributes'>): boolean {
  return (result.attributes & ASC_RET.DELEGATE) !== 0;
}
