/**
 * One async function per SSPI call. Each validates its arguments, finds the backend state behind
 * the handles, calls the backend, and turns a failure status into an SspiError: the mapping is
 * written here once for both backends, and so is the NODE_DEBUG=credssp tracing (debug.ts).
 */
import { acquireRequest } from './acquire-request';
import { backendCall as call } from './backend/call';
import { defaultBackendName, emulatedBackend, nativeBackend, type BackendName } from './backends';
import type { Backend, EmulatedOptions, NativeOptions, RawContextResult, SecBuffer } from './backend/types';
import { SEC, SECBUFFER, type PackageName } from './constants';
import { SspiError, invalidArgType, messageForStatus, sspiError, statusName } from './errors';
import type { ContextAttribute, ContextAttributes } from './attributes';
import { CredentialsHandle, Handle, SecurityContext } from './handles';
import { traceAcquire, traceLeg, traceLegFailure, traceRelease, traceVersion, tracing } from './debug';
import {
  dataRep,
  inputBuffers,
  optionalString,
  requireBuffer,
  requireFlags,
  requireObject,
  requireOneOf,
} from './validate';

export type {
  SecBuffer,
  DelegationPolicy,
  UsersOption,
  EmulatedOptions,
  EmulatedCredsspOptions,
  EmulatedKerberosOptions,
  NativeOptions,
  NativeTlsOption,
} from './backend/types';
export type { ContextAttribute, ContextAttributes, DelegatedCredentials, PackageInfo } from './attributes';

/** Options of {@link acquireCredentialsHandle}. */
export interface AcquireCredentialsOptions {
  /** The security package; names compare case-insensitively, as Windows does. */
  package: PackageName;
  use: 'outbound' | 'inbound' | 'both';
  /** Who we are. Absent: the logon's own credentials (native backend only; single sign-on). */
  identity?: { user: string; domain?: string; password: string | Buffer };
  /** Options of the emulated backend (docs/API.md); a TypeError on a credential of the native one. */
  emulated?: EmulatedOptions;
  /** Options of the native backend (docs/API.md); a TypeError on a credential of the emulated one. */
  native?: NativeOptions;
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

/** AcquireCredentialsHandle. Every option is checked here, before any backend is loaded. */
export async function acquireCredentialsHandle(opts: AcquireCredentialsOptions): Promise<CredentialsHandle> {
  const request = acquireRequest(opts, defaultBackendName);
  let backend: Backend;
  let acquired: Promise<{ credential: unknown; expiry: Date | null }>;
  if (request.backend === 'native') {
    const native = nativeBackend();
    [backend, acquired] = [native, call(() => native.acquireCredentialsHandle(request))];
  } else {
    const emulated = emulatedBackend();
    [backend, acquired] = [emulated, call(() => emulated.acquireCredentialsHandle(request))];
  }
  let settled: { credential: unknown; expiry: Date | null };
  try {
    settled = await acquired;
  } catch (err) {
    if (tracing()) traceAcquire(request.package, request.use, request.backend, err);
    throw err;
  }
  if (tracing()) traceAcquire(request.package, request.use, request.backend);
  const { credential, expiry } = settled;
  return new CredentialsHandle(backend, credential, { package: request.package, use: request.use, expiry });
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

  const credState = Handle.stateOf(credential, 'credentials handle');
  const backend = credState.backend;
  if (context) {
    if (context.role !== role || Handle.backendOf(context) !== backend) {
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

  const leg = async (): Promise<ContextResult> => {
    if (context) {
      const raw = await Handle.serialise(context, () => run(Handle.stateOf(context, 'security context').raw));
      return shape(raw, context);
    }
    const raw = await run(null);
    return shape(raw, new SecurityContext(backend, raw.context, { role, package: credential.package }));
  };
  return tracing() ? tracedContextCall(role, credential.package, context, input, leg) : leg();
}

/**
 * `leg` under NODE_DEBUG=credssp: its sizes and status, or its failure, and for CredSSP the
 * TSRequest version once the exchange is complete (asked of the package only while tracing).
 */
async function tracedContextCall(
  role: 'initiator' | 'acceptor',
  pkg: string,
  context: SecurityContext | null,
  input: SecBuffer[],
  leg: () => Promise<ContextResult>,
): Promise<ContextResult> {
  let result: ContextResult;
  try {
    result = await leg();
  } catch (err) {
    traceLegFailure(role, pkg, context, input, err);
    throw err;
  }
  traceLeg(result.context, input, result);
  if (result.status === SEC.E_OK && pkg === 'CredSSP') {
    const info = await queryContextAttributes(result.context, 'negotiationInfo').catch(() => undefined);
    if (info?.credsspVersion !== undefined) traceVersion(result.context, info.credsspVersion);
  }
  return result;
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
    Handle.callBackend(ctx, 'security context', (backend, raw) => backend.completeAuthToken(raw, list)),
  );
  if (status & 0x80000000) throw new SspiError(status, messageForStatus(status));
  return { status: status >>> 0, statusName: statusName(status) };
}

/** DeleteSecurityContext. A second delete rejects SEC_E_INVALID_HANDLE. */
export async function deleteSecurityContext(context: SecurityContext): Promise<void> {
  const ctx = contextArg(context, 'context');
  // Dead at once, even with a call in flight: that call then settles with an error.
  await Handle.close(ctx, 'security context');
  if (tracing()) traceRelease('context', ctx.package, ctx.role);
}

/** FreeCredentialsHandle. A second free rejects SEC_E_INVALID_HANDLE. */
export async function freeCredentialsHandle(credential: CredentialsHandle): Promise<void> {
  const cred = credentialArg(credential);
  await Handle.close(cred, 'credentials handle');
  if (tracing()) traceRelease('credential', cred.package, cred.use);
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
    Handle.callBackend(ctx, 'security context', (backend, raw) => backend.queryContextAttributes(raw, attr)),
  ) as Promise<ContextAttributes[K]>;
}

/** EncryptMessage: protect one message after SEC_E_OK. CredSSP returns TLS records. */
export async function encryptMessage(context: SecurityContext, data: Buffer): Promise<Buffer> {
  const ctx = contextArg(context, 'context');
  const buf = requireBuffer('data', data);
  return Handle.serialise(ctx, () =>
    Handle.callBackend(ctx, 'security context', (backend, raw) => backend.encryptMessage(raw, buf)),
  );
}

/** DecryptMessage: the reverse of the peer's encryptMessage. */
export async function decryptMessage(context: SecurityContext, data: Buffer): Promise<Buffer> {
  const ctx = contextArg(context, 'context');
  const buf = requireBuffer('data', data);
  return Handle.serialise(ctx, () =>
    Handle.callBackend(ctx, 'security context', (backend, raw) => backend.decryptMessage(raw, buf)),
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
