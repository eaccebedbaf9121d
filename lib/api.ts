/**
 * One async function per SSPI call. Each validates its arguments, finds the backend state behind
 * the handles, calls the backend, and turns a failure status into an SspiError: the mapping is
 * written here once for both backends.
 */
import { backendByName, defaultBackend, type BackendName } from './backend/select';
import type { AcquireOptions, Backend, RawContextResult, SecBuffer } from './backend/types';
import { SEC, SECBUFFER, type PackageName } from './constants';
import { SspiError, invalidArgType, messageForStatus, sspiError, statusName } from './errors';
import type { ContextAttribute, ContextAttributes } from './attributes';
import { CredentialsHandle, Handle, SecurityContext } from './handles';
import {
  credsspOptionValues,
  dataRep,
  inputBuffers,
  optionalString,
  requireBuffer,
  requireFlags,
  requireObject,
  requireOneOf,
} from './validate';

export type { SecBuffer, DelegationPolicy, UsersOption } from './backend/types';
export type { ContextAttribute, ContextAttributes, DelegatedCredentials, PackageInfo } from './attributes';

const PACKAGES: readonly PackageName[] = ['CredSSP', 'Negotiate', 'NTLM'];
const USES = ['outbound', 'inbound', 'both'] as const;

/** Options of {@link acquireCredentialsHandle}. */
export interface AcquireCredentialsOptions {
  /** The security package; names compare case-insensitively, as Windows does. */
  package: PackageName;
  use: 'outbound' | 'inbound' | 'both';
  /** Who we are. Absent: the logon's own credentials (native backend only; single sign-on). */
  identity?: { user: string; domain?: string; password: string | Buffer };
  /** Emulated acceptor: who may log on. */
  users?: AcquireOptions['users'];
  /** Emulated CredSSP acceptor: the TLS identity it presents (absent: a generated self-signed one). `ca`: roots trusted for ISC_REQ_MUTUAL_AUTH. */
  tls?: AcquireOptions['tls'];
  /** Emulated CredSSP client: the delegation policy (Windows reads its group policy instead). */
  policy?: AcquireOptions['policy'];
  /** Emulated CredSSP: the inner token style the client sends, 'ntlm' (raw NTLMSSP) or 'spnego'. */
  credsspInner?: 'ntlm' | 'spnego';
  /** Emulated CredSSP acceptor without `tls`: the generated key type. Default 'rsa' (2048 bits). */
  keyType?: 'rsa' | 'ecdsa';
  /** Emulated CredSSP client: roots trusted for ISC_REQ_MUTUAL_AUTH (else `tls.ca`, else Node's root store). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Emulated CredSSP: the highest TLS version offered or accepted; default 'TLSv1.3'. */
  tlsMaxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Emulated CredSSP: the TSRequest version to advertise, 2..6; default 6. For testing old peers. */
  credsspVersion?: number;
  /** Use this backend for this credential and its contexts instead of the process default. */
  backend?: BackendName;
}

/** What initializeSecurityContext and acceptSecurityContext resolve with. */
export interface ContextResult {
  /** SECURITY_STATUS as an unsigned 32-bit number. */
  status: number;
  statusName: ReturnType<typeof statusName>;
  /** The same object on every later call. */
  context: SecurityContext;
  /** The token to send to the peer; may be empty. */
  output: Buffer;
  /** Every output buffer, typed (TOKEN, EXTRA, MISSING, ...). */
  buffers: SecBuffer[];
  /** ISC_RET.* or ASC_RET.* bits. */
  attributes: number;
  expiry: Date | null;
  /** With SEC_E_INCOMPLETE_MESSAGE: how many more bytes the package needs (may be an estimate). */
  missing?: number;
}

export interface InitializeOptions {
  credential: CredentialsHandle;
  /** null or absent on the first call; then the context from the first result. */
  context?: SecurityContext | null;
  /** e.g. 'TERMSRV/host.example', 'WSMAN/host'. */
  targetName?: string;
  /** ISC_REQ.* bits. */
  flags: number;
  /** SECURITY_NATIVE_DREP (default) or SECURITY_NETWORK_DREP. */
  targetDataRep?: number;
  /** The peer's token. A Buffer means [TOKEN(buffer), EMPTY]. */
  input?: Buffer | SecBuffer[];
}

export interface AcceptOptions {
  credential: CredentialsHandle;
  context?: SecurityContext | null;
  /** ASC_REQ.* bits. */
  flags: number;
  targetDataRep?: number;
  input: Buffer | SecBuffer[];
}

/** The backend every handle was made by. */
const backendOf = new WeakMap<Handle, Backend>();

/** AcquireCredentialsHandle. */
export async function acquireCredentialsHandle(opts: AcquireCredentialsOptions): Promise<CredentialsHandle> {
  const o = requireObject('opts', opts);
  if (typeof o.package !== 'string') throw invalidArgType('opts.package', 'of type string', o.package);
  const pkg = PACKAGES.find((p) => p.toLowerCase() === (o.package as string).toLowerCase());
  if (!pkg) {
    throw sspiError(
      'SEC_E_SECPKG_NOT_FOUND',
      `There is no security package named ${JSON.stringify(o.package)}; use CredSSP, Negotiate or NTLM.`,
    );
  }
  const use = requireOneOf('opts.use', o.use, USES);
  if (o.identity !== undefined) {
    const id = requireObject('opts.identity', o.identity);
    if (typeof id.user !== 'string') throw invalidArgType('opts.identity.user', 'of type string', id.user);
    optionalString('opts.identity.domain', id.domain);
    if (typeof id.password !== 'string' && !Buffer.isBuffer(id.password)) {
      // Never echo the value: it is meant to be a password.
      throw invalidArgType(
        'opts.identity.password',
        'of type string or an instance of Buffer',
        typeof id.password,
      );
    }
  }
  if (o.users !== undefined && typeof o.users !== 'function') requireObject('opts.users', o.users);
  if (o.tls !== undefined) {
    const tls = requireObject('opts.tls', o.tls);
    for (const key of ['cert', 'key'] as const) {
      if (typeof tls[key] !== 'string' && !Buffer.isBuffer(tls[key])) {
        throw invalidArgType(
          `opts.tls.${key}`,
          'of type string or an instance of Buffer',
          key === 'key' ? typeof tls[key] : tls[key],
        );
      }
    }
  }
  if (o.policy !== undefined) requireObject('opts.policy', o.policy);
  credsspOptionValues(o, 'opts.');
  const backend =
    o.backend === undefined
      ? defaultBackend()
      : backendByName(requireOneOf('opts.backend', o.backend, ['native', 'emulated']));
  const { backend: _b, ...rest } = o;
  const { credential, expiry } = await call(() =>
    backend.acquireCredentialsHandle({ ...rest, package: pkg, use } as AcquireOptions),
  );
  const handle = new CredentialsHandle(backend, credential, { package: pkg, use, expiry });
  backendOf.set(handle, backend);
  return handle;
}

/** InitializeSecurityContext: one leg of the client side. */
export async function initializeSecurityContext(opts: InitializeOptions): Promise<ContextResult> {
  return contextCall('initiator', opts as unknown as Record<string, unknown>);
}

/** AcceptSecurityContext: one leg of the server side. */
export async function acceptSecurityContext(opts: AcceptOptions): Promise<ContextResult> {
  return contextCall('acceptor', opts as unknown as Record<string, unknown>);
}

async function contextCall(
  role: 'initiator' | 'acceptor',
  opts: Record<string, unknown>,
): Promise<ContextResult> {
  const o = requireObject('opts', opts);
  const credential = credentialArg(o.credential);
  const context =
    o.context === undefined || o.context === null ? null : contextArg(o.context, 'opts.context');
  const targetName = role === 'initiator' ? optionalString('opts.targetName', o.targetName) : undefined;
  const flags = requireFlags('opts.flags', o.flags);
  const targetDataRep = dataRep(o.targetDataRep);
  const input = inputBuffers(o.input);
  if (role === 'acceptor' && input.length === 0)
    throw invalidArgType('opts.input', 'a Buffer or an array of SecBuffer', o.input);

  const backend = backendOf.get(credential)!;
  const credState = Handle.stateOf(credential, 'credentials handle');
  if (context) {
    if (context.role !== role || backendOf.get(context) !== backend) {
      throw sspiError(
        'SEC_E_INVALID_HANDLE',
        `This context was made by ${context.role === 'initiator' ? 'initializeSecurityContext' : 'acceptSecurityContext'} and cannot be used here.`,
      );
    }
  }
  const wantUse = role === 'initiator' ? 'outbound' : 'inbound';
  if (credential.use !== wantUse && credential.use !== 'both') {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `The credential was acquired for ${credential.use} use; ${role === 'initiator' ? 'initializeSecurityContext' : 'acceptSecurityContext'} needs ${wantUse}.`,
    );
  }
  const req = { targetName, flags, targetDataRep, input };
  const run = (rawContext: unknown | null): Promise<RawContextResult> =>
    call(() =>
      role === 'initiator'
        ? backend.initializeSecurityContext(credState.raw, rawContext, req)
        : backend.acceptSecurityContext(credState.raw, rawContext, req),
    );

  if (context) {
    const raw = await Handle.serialise(context, () => run(Handle.stateOf(context, 'security context').raw));
    return shape(raw, context);
  }
  const raw = await run(null);
  const handle = new SecurityContext(backend, raw.context, { role, package: credential.package });
  backendOf.set(handle, backend);
  return shape(raw, handle);
}

/** Success statuses resolve; failures reject with SspiError (SEC_E_INCOMPLETE_MESSAGE resolves). */
function shape(raw: RawContextResult, context: SecurityContext): ContextResult {
  const status = raw.status >>> 0;
  const output = raw.buffers.find((b) => b.type === SECBUFFER.TOKEN)?.buffer ?? Buffer.alloc(0);
  if (status & 0x80000000 && status !== SEC.E_INCOMPLETE_MESSAGE) {
    throw new SspiError(status, messageForStatus(status), output);
  }
  const missing = raw.buffers.find((b) => b.type === SECBUFFER.MISSING);
  return {
    status,
    statusName: statusName(status),
    context,
    output,
    buffers: raw.buffers,
    attributes: raw.attributes >>> 0,
    expiry: raw.expiry,
    ...(status === SEC.E_INCOMPLETE_MESSAGE ? { missing: missing?.buffer.length ?? 0 } : {}),
  };
}

/** CompleteAuthToken. The emulated packages never ask for it; it then resolves SEC_E_OK. */
export async function completeAuthToken(
  context: SecurityContext,
  buffers: Buffer | SecBuffer[],
): Promise<{ status: number; statusName: string }> {
  const ctx = contextArg(context, 'context');
  const list = inputBuffers(buffers);
  const status = await Handle.serialise(ctx, () =>
    call(() => backendOf.get(ctx)!.completeAuthToken(Handle.stateOf(ctx, 'security context').raw, list)),
  );
  if (status & 0x80000000) throw new SspiError(status, messageForStatus(status));
  return { status: status >>> 0, statusName: statusName(status) };
}

/** DeleteSecurityContext. A second delete rejects SEC_E_INVALID_HANDLE. */
export async function deleteSecurityContext(context: SecurityContext): Promise<void> {
  const ctx = contextArg(context, 'context');
  // Dead at once, even with a call in flight: that call then settles with an error.
  const state = Handle.kill(ctx, 'security context');
  await call(() => state.backend.deleteSecurityContext(state.raw));
}

/** FreeCredentialsHandle. A second free rejects SEC_E_INVALID_HANDLE. */
export async function freeCredentialsHandle(credential: CredentialsHandle): Promise<void> {
  const cred = credentialArg(credential);
  const state = Handle.kill(cred, 'credentials handle');
  await call(() => state.backend.freeCredentialsHandle(state.raw));
}

const ATTRIBUTES: readonly ContextAttribute[] = [
  'sizes',
  'streamSizes',
  'names',
  'packageInfo',
  'lifespan',
  'remoteCertificate',
  'issuerListEx',
  'negotiationInfo',
  'delegatedCredentials',
  'sessionKey',
];

/** QueryContextAttributes. The shape of the result depends on the attribute (README lists them). */
export async function queryContextAttributes<K extends ContextAttribute>(
  context: SecurityContext,
  attribute: K,
): Promise<ContextAttributes[K]> {
  const ctx = contextArg(context, 'context');
  const attr = requireOneOf('attribute', attribute, ATTRIBUTES);
  return Handle.serialise(ctx, () =>
    call(() => backendOf.get(ctx)!.queryContextAttributes(Handle.stateOf(ctx, 'security context').raw, attr)),
  ) as Promise<ContextAttributes[K]>;
}

/** EncryptMessage: protect one message after SEC_E_OK. CredSSP returns TLS records. */
export async function encryptMessage(context: SecurityContext, data: Buffer): Promise<Buffer> {
  const ctx = contextArg(context, 'context');
  const buf = requireBuffer('data', data);
  return Handle.serialise(ctx, () =>
    call(() => backendOf.get(ctx)!.encryptMessage(Handle.stateOf(ctx, 'security context').raw, buf)),
  );
}

/** DecryptMessage: the reverse of the peer's encryptMessage. */
export async function decryptMessage(context: SecurityContext, data: Buffer): Promise<Buffer> {
  const ctx = contextArg(context, 'context');
  const buf = requireBuffer('data', data);
  return Handle.serialise(ctx, () =>
    call(() => backendOf.get(ctx)!.decryptMessage(Handle.stateOf(ctx, 'security context').raw, buf)),
  );
}

function credentialArg(value: unknown): CredentialsHandle {
  if (value instanceof CredentialsHandle) return value;
  if (value instanceof SecurityContext) {
    throw sspiError(
      'SEC_E_INVALID_HANDLE',
      'A security context was passed where a credentials handle belongs.',
    );
  }
  throw invalidArgType('credential', 'an instance of CredentialsHandle', value);
}

function contextArg(value: unknown, name: string): SecurityContext {
  if (value instanceof SecurityContext) return value;
  if (value instanceof CredentialsHandle) {
    throw sspiError(
      'SEC_E_INVALID_HANDLE',
      'A credentials handle was passed where a security context belongs.',
    );
  }
  throw invalidArgType(name, 'an instance of SecurityContext', value);
}

/**
 * Run a backend call so that only SspiError escapes: anything else is a bug or an environment
 * failure, reported as SEC_E_INTERNAL_ERROR without a parser's stack or internals in the message.
 * Not an async function: every ISC/ASC/Encrypt/Decrypt call passes through here, and one
 * derived promise costs less than an async frame around the backend's own.
 */
function call<T>(op: () => Promise<T>): Promise<T> {
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

/** What a caller sees of a backend failure (see call()). */
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
