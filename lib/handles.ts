/**
 * Handle objects: what users hold instead of CredHandle/CtxtHandle. Each wraps one backend
 * state and knows whether it is still alive. A FinalizationRegistry releases the backend state of
 * a handle that was dropped without being freed, as a safety net, not as the normal path.
 */
import { backendCall } from './backend/call';
import type { Backend } from './backend/types';
import { sspiError } from './errors';

interface HandleState {
  backend: Backend;
  /** The backend's own state; undefined once freed or deleted. */
  raw: unknown;
  /** Serialises calls on this handle: SSPI handles are not safe for concurrent use. */
  queue: Promise<unknown>;
  /** Calls started and not yet settled. */
  inFlight: number;
}

/**
 * Node 20 defines Symbol.asyncDispose as Symbol.for('nodejs.asyncDispose'); a vm context (jest)
 * may lack the property, so the key is taken from the registry when it is missing.
 */
const asyncDispose: symbol = Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose');

const finalizer = new FinalizationRegistry<{ backend: Backend; raw: unknown; live: { value: boolean } }>(
  (held) => {
    if (held.live.value) held.backend.release(held.raw);
  },
);

abstract class Handle {
  /** @internal */
  readonly #state: HandleState;
  /** @internal shared with the finalizer so a freed handle is not released twice. */
  readonly #live = { value: true };

  /** @internal */
  constructor(backend: Backend, raw: unknown) {
    this.#state = { backend, raw, queue: Promise.resolve(), inFlight: 0 };
    finalizer.register(this, { backend, raw, live: this.#live }, this);
  }

  /** True until the handle is freed or deleted. */
  get isValid(): boolean {
    return this.#live.value;
  }

  /** @internal the backend state, or SEC_E_INVALID_HANDLE when freed. */
  static stateOf(handle: Handle, what: string): HandleState {
    if (!handle.#live.value) {
      throw sspiError('SEC_E_INVALID_HANDLE', `The ${what} was already freed or deleted.`);
    }
    return handle.#state;
  }

  /** @internal the backend that made the handle (alive or not). */
  static backendOf(handle: Handle): Backend {
    return handle.#state.backend;
  }

  /** @internal call the handle's backend with its state; SEC_E_INVALID_HANDLE when freed. */
  static callBackend<T>(
    handle: Handle,
    what: string,
    op: (backend: Backend, raw: unknown) => Promise<T>,
  ): Promise<T> {
    return backendCall(() => {
      const state = Handle.stateOf(handle, what);
      return op(state.backend, state.raw);
    });
  }

  /**
   * @internal FreeCredentialsHandle or DeleteSecurityContext: dead at once, even with a call in
   * flight (that call then settles with an error), then the backend frees its state.
   */
  static async close(handle: Handle, what: string): Promise<void> {
    const state = Handle.stateOf(handle, what);
    handle.#live.value = false;
    finalizer.unregister(handle);
    await backendCall(() => handle.freeRaw(state.backend, state.raw));
  }

  /** @internal the backend call that frees this kind of handle. */
  protected abstract freeRaw(backend: Backend, raw: unknown): Promise<void>;

  /** @internal run `op` after every earlier call on this handle settled. */
  static serialise<T>(handle: Handle, op: () => Promise<T>): Promise<T> {
    const state = handle.#state;
    // An idle handle runs the call at once: no promise hop on the per-message path.
    const run = state.inFlight === 0 ? op() : state.queue.then(op, op);
    state.inFlight++;
    const settled = () => {
      state.inFlight--;
    };
    state.queue = run.then(settled, settled);
    return run;
  }
}

/** A credential from acquireCredentialsHandle. Free it with freeCredentialsHandle or `await using`. */
export class CredentialsHandle extends Handle {
  /** The package the credential is for. */
  readonly package: string;
  /** Whether it may initiate, accept, or both. */
  readonly use: 'outbound' | 'inbound' | 'both';
  /** When the credential expires, if the package says. */
  readonly expiry: Date | null;

  /** @internal */
  constructor(
    backend: Backend,
    raw: unknown,
    info: { package: string; use: 'outbound' | 'inbound' | 'both'; expiry: Date | null },
  ) {
    super(backend, raw);
    this.package = info.package;
    this.use = info.use;
    this.expiry = info.expiry;
  }

  /** @internal */
  protected freeRaw(backend: Backend, raw: unknown): Promise<void> {
    return backend.freeCredentialsHandle(raw);
  }

  /** `await using`: frees the handle if it is still valid. */
  declare [Symbol.asyncDispose]: () => Promise<void>;
}

/** A security context from initializeSecurityContext or acceptSecurityContext. */
export class SecurityContext extends Handle {
  /** 'initiator' for contexts made by initializeSecurityContext, 'acceptor' otherwise. */
  readonly role: 'initiator' | 'acceptor';
  /** The package of the credential that made it. */
  readonly package: string;

  /** @internal */
  constructor(backend: Backend, raw: unknown, info: { role: 'initiator' | 'acceptor'; package: string }) {
    super(backend, raw);
    this.role = info.role;
    this.package = info.package;
  }

  /** @internal */
  protected freeRaw(backend: Backend, raw: unknown): Promise<void> {
    return backend.deleteSecurityContext(raw);
  }

  /** `await using`: deletes the context if it is still valid. */
  declare [Symbol.asyncDispose]: () => Promise<void>;
}

// Defined here rather than in the class bodies so the key is right even where the realm's Symbol
// lacks asyncDispose (see above).
Object.defineProperty(CredentialsHandle.prototype, asyncDispose, {
  async value(this: CredentialsHandle) {
    if (this.isValid) await Handle.close(this, 'credentials handle');
  },
});
Object.defineProperty(SecurityContext.prototype, asyncDispose, {
  async value(this: SecurityContext) {
    if (this.isValid) await Handle.close(this, 'security context');
  },
});

export { Handle };
