/**
 * What a native acceptor can do with the client it authenticated: run code as that client
 * (ImpersonateSecurityContext / RevertSecurityContext), read the client's access token
 * (QuerySecurityContextToken: user, groups, membership checks), and tell whether the client
 * delegated its credentials (ASC_RET_DELEGATE). The client's name is also
 * queryContextAttributes(ctx, 'names').
 */
import type { ContextResult } from './api';
import { backendCall } from './backend/call';
import type { Backend } from './backend/types';
import { ASC_RET } from './constants';
import { invalidArgType, invalidArgValue, sspiError } from './errors';
import { Handle, SecurityContext } from './handles';
import {
  SID_PATTERN,
  type ImpersonationLevel,
  type TokenAccount,
  type TokenGroup,
  type TokenInfo,
} from './native/token';

export type { AccountType, ImpersonationLevel, TokenAccount, TokenGroup } from './native/token';

/** The part of the native backend this file uses (lib/native/backend.ts). */
interface Impersonating {
  impersonate<T>(context: unknown, callback: () => T): T;
  querySecurityContextToken(context: unknown): Promise<TokenInfo & { token: unknown }>;
  tokenIsMember(token: unknown, sid: string): Promise<boolean>;
  closeToken(token: unknown): Promise<void>;
}

/** The native backend behind an acceptor context, or SEC_E_UNSUPPORTED_FUNCTION saying why not. */
function nativeAcceptor(context: SecurityContext, what: string): { backend: Impersonating; raw: unknown } {
  if (context.role !== 'acceptor') {
    throw sspiError('SEC_E_INVALID_HANDLE', `Only a context made by acceptSecurityContext has ${what}.`);
  }
  const state = Handle.stateOf(context, 'security context');
  const backend = state.backend as unknown as Partial<Impersonating> & { name: string };
  if (backend.name !== 'native' || backend.querySecurityContextToken === undefined) {
    throw sspiError(
      'SEC_E_UNSUPPORTED_FUNCTION',
      `The emulated backend cannot read ${what}: there is no Windows logon behind its contexts.`,
    );
  }
  return { backend: backend as Impersonating, raw: state.raw };
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

/**
 * The client's access token of a native acceptor context (QuerySecurityContextToken), read once:
 * who the client is, the groups it holds, and the token's type and impersonation level. It owns
 * a Windows token handle: close it with `close()` or `await using` (a token dropped unclosed is
 * closed off the JavaScript thread after garbage collection, as a safety net). It is a copy:
 * deleting the context leaves it valid.
 */
export class AccessToken extends Handle {
  /** The client (TokenUser). */
  readonly user: TokenAccount;
  /** Its groups (TokenGroups), in the token's order; deny-only and logon-SID entries included. */
  readonly groups: readonly TokenGroup[];
  /** 'impersonation' for what SSPI hands an acceptor; 'primary' otherwise. */
  readonly tokenType: 'primary' | 'impersonation';
  /** An impersonation token's level ('delegation': it may reach a second hop); null for a primary. */
  readonly impersonationLevel: ImpersonationLevel | null;

  /** @internal */
  constructor(backend: Backend, raw: unknown, info: TokenInfo) {
    super(backend, raw);
    this.user = Object.freeze(info.user);
    this.groups = Object.freeze(info.groups.map((group) => Object.freeze(group)));
    this.tokenType = info.tokenType;
    this.impersonationLevel = info.impersonationLevel;
  }

  /**
   * Whether the token holds `sid` ('S-1-5-32-544') as an enabled group, as an access check
   * counts it (CheckTokenMembership: deny-only groups are not members). Rejects
   * SEC_E_INVALID_HANDLE once the token is closed.
   */
  async isMember(sid: string): Promise<boolean> {
    if (typeof sid !== 'string') throw invalidArgType('sid', 'of type string', sid);
    if (!SID_PATTERN.test(sid)) throw invalidArgValue('sid', sid, "must be a SID such as 'S-1-5-32-544'");
    return Handle.callBackend(this, 'access token', (backend, raw) =>
      (backend as unknown as Impersonating).tokenIsMember(raw, sid),
    );
  }

  /** CloseHandle. A second close rejects SEC_E_INVALID_HANDLE. */
  close(): Promise<void> {
    return Handle.close(this, 'access token');
  }

  /** @internal */
  protected freeRaw(backend: Backend, raw: unknown): Promise<void> {
    return (backend as unknown as Impersonating).closeToken(raw);
  }

  /** `await using`: closes the token if it is still open. */
  declare [Symbol.asyncDispose]: () => Promise<void>;
}

// As in handles.ts: the key from the registry where the realm's Symbol lacks asyncDispose.
Object.defineProperty(AccessToken.prototype, Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose'), {
  async value(this: AccessToken) {
    if (this.isValid) await this.close();
  },
});

/**
 * The access token of a native acceptor context's client (QuerySecurityContextToken), once the
 * handshake is complete. Native backend only: the emulated one rejects
 * SEC_E_UNSUPPORTED_FUNCTION. Close the token when done.
 */
export async function querySecurityContextToken(context: SecurityContext): Promise<AccessToken> {
  if (!(context instanceof SecurityContext))
    throw invalidArgType('context', 'an instance of SecurityContext', context);
  return Handle.serialise(context, async () => {
    const { backend, raw } = nativeAcceptor(context, 'an access token');
    const { token, ...info } = await backendCall(() => backend.querySecurityContextToken(raw));
    return new AccessToken(Handle.backendOf(context), token, info);
  });
}
