/**
 * The native backend: Windows' own Secur32.dll through the addon in src-native/. The addon only
 * marshals and calls, on a worker thread, and resolves with the raw SECURITY_STATUS; this file
 * turns its results into the Backend shapes. Failure statuses of ISC/ASC and CompleteAuthToken
 * are returned as numbers for api.ts to map; calls whose Backend result has no status (acquire,
 * free, delete, query, encrypt, decrypt) throw SspiError here.
 */
import type { PackageInfo } from '../attributes';
import { isUtf8 } from 'node:buffer';
import path from 'node:path';
import type { PackageName } from '../constants';
import { SEC, SECBUFFER } from '../constants';
import { SspiError, invalidArgValue, messageForStatus, sspiError } from '../errors';
import { timeStampDate } from './time';
import { tokenInfo, type NativeTokenResult, type TokenInfo } from './token';
import type {
  Backend,
  NativeAcquireRequest,
  ContextRequest,
  RawContextResult,
  SecBuffer,
} from '../backend/types';

/** An opaque handle made by the addon (a type-tagged napi External). */
type NativeHandle = object;

interface NativeLegResult {
  status: number;
  /** Only on the call that created the context. */
  context?: NativeHandle;
  buffers: SecBuffer[];
  attributes: number;
  /** Milliseconds since the Unix epoch, read as if UTC; 0 when the package gave none. */
  expiry: number;
  /** The package reports local time (CredSSP): see time.ts. */
  localTime: boolean;
  /** SECBUFFER_MISSING's count. */
  missing?: number;
  /** The input bytes SECBUFFER_EXTRA says were not consumed. */
  extra?: Buffer;
}

/** decryptMessage's result; the optional fields come from stream (CredSSP) contexts only. */
interface NativeDecryptResult {
  status: number;
  /** The plaintext of every complete record, also with SEC_E_INCOMPLETE_MESSAGE and `closed`. */
  data: Buffer;
  /** With SEC_E_INCOMPLETE_MESSAGE: SECBUFFER_MISSING's count (may be an estimate). */
  missing?: number;
  /** With SEC_E_INCOMPLETE_MESSAGE or `closed`: the input bytes used. */
  consumed?: number;
  /** The peer closed the TLS channel (close_notify: SEC_I_CONTEXT_EXPIRED). */
  closed?: boolean;
}

/**
 * `native.tls`: the certificate a native CredSSP acceptor presents, from a Windows store by
 * SHA-1 thumbprint (store default 'My', location default 'CurrentUser') or from a PFX.
 */
export type NativeTlsOption =
  | { store?: string; location?: 'CurrentUser' | 'LocalMachine'; thumbprint: string }
  | { pfx: Buffer; password?: string | Buffer };

/** The addon's exports (src-native/addon.cc). */
export interface NativeAddon {
  napiVersion: number;
  acquireCredentialsHandle(
    packageName: string,
    use: number,
    identity: { user: string; domain: string; password: string | Buffer } | null,
    tls?: NativeTlsOption,
  ): Promise<{ status: number; credential?: NativeHandle; expiry?: number; localTime?: boolean }>;
  freeCredentialsHandle(credential: unknown): Promise<number>;
  initializeSecurityContext(
    credential: unknown,
    context: unknown | null,
    targetName: string | null,
    flags: number,
    targetDataRep: number,
    input: SecBuffer[],
  ): Promise<NativeLegResult>;
  acceptSecurityContext(
    credential: unknown,
    context: unknown | null,
    flags: number,
    targetDataRep: number,
    input: SecBuffer[],
  ): Promise<NativeLegResult>;
  completeAuthToken(context: unknown, buffers: SecBuffer[]): Promise<number>;
  deleteSecurityContext(context: unknown): Promise<number>;
  queryContextAttributes(
    context: unknown,
    attribute: number,
  ): Promise<{ status: number; value?: Record<string, number | string | Buffer> }>;
  encryptMessage(context: unknown, data: Buffer): Promise<{ status: number; data: Buffer }>;
  decryptMessage(context: unknown, data: Buffer): Promise<NativeDecryptResult>;
  enumerateSecurityPackages(): Promise<{ status: number; packages: NativePackageInfo[] }>;
  impersonate(context: unknown, callback: () => unknown): { status: number; value?: unknown };
  querySecurityContextToken(context: unknown): Promise<NativeTokenResult>;
  tokenIsMember(
    token: unknown,
    sid: string,
  ): Promise<{ status: number; member?: boolean; win32Error?: number }>;
  closeToken(token: unknown): Promise<number>;
  release(handle: unknown): void;
}

/** SecPkgInfoW as the addon returns it: the shape queryContextAttributes(…, 'packageInfo') gives. */
export type NativePackageInfo = PackageInfo;

/** The names Secur32 knows the packages by (CREDSSP_NAME is "CREDSSP"). */
const SECUR32_PACKAGE: Record<PackageName, string> = {
  CredSSP: 'CREDSSP',
  Negotiate: 'Negotiate',
  NTLM: 'NTLM',
  Kerberos: 'Kerberos',
};

/** SECPKG_CRED_INBOUND = 1, SECPKG_CRED_OUTBOUND = 2, SECPKG_CRED_BOTH = 3 (sspi.h). */
const CREDENTIAL_USE = { inbound: 1, outbound: 2, both: 3 } as const;

/** SECPKG_ATTR_* numbers (sspi.h) of the attributes the addon reads. */
const ATTRIBUTE_ID: Record<string, number> = {
  sizes: 0,
  names: 1,
  lifespan: 2,
  streamSizes: 4,
  sessionKey: 9,
  packageInfo: 10,
  negotiationInfo: 12,
};

/**
 * NTSTATUS values Wine's secur32 returns where Windows returns a SECURITY_STATUS: Wine runs its
 * packages as LSA-style modules whose NTSTATUS leaks through some paths (e.g. STATUS_UNSUCCESSFUL,
 * 0xC0000001, when ntlm_auth cannot be started). Windows itself never returns these from SSPI.
 */
const NTSTATUS_TO_SEC: ReadonlyMap<number, number> = new Map([
  [0xc0000001, SEC.E_INTERNAL_ERROR], // STATUS_UNSUCCESSFUL
  [0xc0000002, SEC.E_UNSUPPORTED_FUNCTION], // STATUS_NOT_IMPLEMENTED
  [0xc0000008, SEC.E_INVALID_HANDLE], // STATUS_INVALID_HANDLE
  [0xc000000d, SEC.E_INVALID_PARAMETER], // STATUS_INVALID_PARAMETER
  [0xc0000017, SEC.E_INSUFFICIENT_MEMORY], // STATUS_NO_MEMORY
  [0xc000006d, SEC.E_LOGON_DENIED], // STATUS_LOGON_FAILURE
]);

/** A SECURITY_STATUS as an unsigned number, with Wine's stray NTSTATUS values mapped. */
export function normalizeStatus(status: number): number {
  const unsigned = status >>> 0;
  return NTSTATUS_TO_SEC.get(unsigned) ?? unsigned;
}

function failed(status: number): boolean {
  return (status & 0x80000000) !== 0;
}

function dateOf(epochMs: number | undefined, localTime: boolean | number | undefined): Date | null {
  return timeStampDate(epochMs, localTime ? 'local' : 'utc');
}

/** The Backend over a loaded addon. Exported for tests that load the addon themselves. */
export function createNativeBackend(addon: NativeAddon): Backend<NativeAcquireRequest> & {
  /** EnumerateSecurityPackagesW: what this system's Secur32 offers. */
  enumerateSecurityPackages(): Promise<NativePackageInfo[]>;
  /** The callback's value, run impersonating the context's client (see lib/impersonation.ts). */
  impersonate<T>(context: unknown, callback: () => T): T;
  /** QuerySecurityContextToken: the token (an addon handle, closed by closeToken) and what it holds. */
  querySecurityContextToken(context: unknown): Promise<TokenInfo & { token: unknown }>;
  /** CheckTokenMembership. */
  tokenIsMember(token: unknown, sid: string): Promise<boolean>;
  /** CloseHandle on the token. */
  closeToken(token: unknown): Promise<void>;
} {
  async function leg(run: Promise<NativeLegResult>, context: unknown | null): Promise<RawContextResult> {
    const raw = await run;
    const buffers: SecBuffer[] = raw.buffers.slice();
    // SSPI reports these in the input descriptor; api.ts reads them among the buffers, the
    // MISSING one with its count as length (cbBuffer, as SSPI gives it with no data).
    if (raw.extra !== undefined) buffers.push({ type: SECBUFFER.EXTRA, buffer: raw.extra });
    if (raw.missing !== undefined)
      buffers.push({ type: SECBUFFER.MISSING, buffer: Buffer.alloc(raw.missing) });
    return {
      status: normalizeStatus(raw.status),
      context: raw.context ?? context,
      buffers,
      attributes: raw.attributes >>> 0,
      expiry: dateOf(raw.expiry, raw.localTime),
    };
  }

  function check(status: number, call: string, win32Error?: number): void {
    const normalized = normalizeStatus(status);
    if (!failed(normalized)) return;
    // The Win32 error of a token call (GetTokenInformation, CheckTokenMembership) is a number
    // from the system, never anything of the caller's.
    const detail = win32Error === undefined ? '' : ` (Win32 error ${win32Error})`;
    throw new SspiError(normalized, `${call}: ${messageForStatus(normalized)}${detail}`);
  }

  return {
    name: 'native',

    async acquireCredentialsHandle(opts: NativeAcquireRequest) {
      // Validated in acquire-request.ts.
      const identity = opts.identity;
      // The password goes to the addon as the caller gave it: a string is read as UTF-16 and a
      // Buffer decoded from UTF-8 straight into the one block the addon zeroes (secret.h), so no
      // copy of it is made here, in a JS string or in Buffer's shared pool.
      if (identity !== undefined && Buffer.isBuffer(identity.password) && !isUtf8(identity.password)) {
        throw invalidArgValue(
          'opts.identity.password',
          identity.password,
          'must hold UTF-8 when it is a Buffer',
        );
      }
      const tls: NativeTlsOption | undefined =
        opts.tls === undefined
          ? undefined
          : opts.tls.kind === 'pfx'
            ? { pfx: opts.tls.pfx, password: opts.tls.password }
            : { store: opts.tls.store, location: opts.tls.location, thumbprint: opts.tls.thumbprint };
      if (tls !== undefined && (opts.package !== 'CredSSP' || opts.use === 'outbound')) {
        // Only CredSSP's server side runs TLS with a certificate of its own.
        throw invalidArgValue('opts.native.tls', tls, 'applies to an inbound CredSSP credential only');
      }
      const result = await addon.acquireCredentialsHandle(
        SECUR32_PACKAGE[opts.package],
        CREDENTIAL_USE[opts.use],
        identity === undefined
          ? null
          : { user: identity.user, domain: identity.domain ?? '', password: identity.password },
        tls,
      );
      const status = normalizeStatus(result.status);
      if (status === SEC.E_SECPKG_NOT_FOUND) {
        throw sspiError(
          'SEC_E_SECPKG_NOT_FOUND',
          `This system's Secur32 has no ${opts.package} package (Wine has no CredSSP); ` +
            'set CREDSSP_BACKEND=emulated to use the emulated one.',
        );
      }
      check(status, 'AcquireCredentialsHandle');
      return { credential: result.credential, expiry: dateOf(result.expiry, result.localTime) };
    },

    initializeSecurityContext(credential, context, req: ContextRequest) {
      return leg(
        addon.initializeSecurityContext(
          credential,
          context,
          req.targetName ?? null,
          req.flags,
          req.targetDataRep,
          req.input,
        ),
        context,
      );
    },

    acceptSecurityContext(credential, context, req: ContextRequest) {
      return leg(
        addon.acceptSecurityContext(credential, context, req.flags, req.targetDataRep, req.input),
        context,
      );
    },

    async completeAuthToken(context, buffers) {
      return normalizeStatus(await addon.completeAuthToken(context, buffers));
    },

    async deleteSecurityContext(context) {
      check(await addon.deleteSecurityContext(context), 'DeleteSecurityContext');
    },

    async freeCredentialsHandle(credential) {
      check(await addon.freeCredentialsHandle(credential), 'FreeCredentialsHandle');
    },

    async queryContextAttributes(context, attribute) {
      const id = ATTRIBUTE_ID[attribute];
      if (id === undefined) {
        throw sspiError(
          'SEC_E_UNSUPPORTED_FUNCTION',
          `The native backend cannot read the '${attribute}' attribute.`,
        );
      }
      const result = await addon.queryContextAttributes(context, id);
      check(result.status, `QueryContextAttributes(${attribute})`);
      return shapeAttribute(attribute, result.value ?? {});
    },

    async encryptMessage(context, data) {
      const result = await addon.encryptMessage(context, data);
      check(result.status, 'EncryptMessage');
      return result.data;
    },

    async decryptMessage(context, data) {
      return decryptedOrThrow(await addon.decryptMessage(context, data));
    },

    release(handle) {
      addon.release(handle);
    },

    impersonate<T>(context: unknown, callback: () => T): T {
      const result = addon.impersonate(context, callback);
      check(result.status, 'ImpersonateSecurityContext');
      return result.value as T;
    },

    async querySecurityContextToken(context) {
      const result = await addon.querySecurityContextToken(context);
      check(result.status, 'QuerySecurityContextToken', result.win32Error);
      return { token: result.token, ...tokenInfo(result) };
    },

    async tokenIsMember(token, sid) {
      const result = await addon.tokenIsMember(token, sid);
      check(result.status, 'CheckTokenMembership', result.win32Error);
      return result.member === true;
    },

    async closeToken(token) {
      check(await addon.closeToken(token), 'CloseHandle(token)');
    },

    async enumerateSecurityPackages() {
      const result = await addon.enumerateSecurityPackages();
      check(result.status, 'EnumerateSecurityPackages');
      return result.packages;
    },
  };
}

/**
 * A stream decrypt's outcome as the API reports it. Plaintext of complete records is never
 * dropped: an input ending mid-record rejects SEC_E_INCOMPLETE_MESSAGE with `data` (the
 * plaintext before it), `consumed` (input bytes used: call again with the rest and more bytes)
 * and `missing`; a peer's close_notify rejects SEC_E_CONTEXT_EXPIRED with `data` and
 * `consumed` likewise. A renegotiation the addon could not absorb is SEC_E_UNSUPPORTED_FUNCTION.
 */
function decryptedOrThrow(result: NativeDecryptResult): Buffer {
  const status = normalizeStatus(result.status);
  if (status === SEC.E_INCOMPLETE_MESSAGE && result.consumed !== undefined) {
    throw Object.assign(
      sspiError(
        'SEC_E_INCOMPLETE_MESSAGE',
        `DecryptMessage: the input ends inside a record (${result.missing ?? 0} more bytes needed); ` +
          `err.data holds the plaintext of the ${result.consumed} bytes before it.`,
      ),
      { data: result.data, consumed: result.consumed, missing: result.missing ?? 0 },
    );
  }
  if (result.closed) {
    throw Object.assign(
      sspiError('SEC_E_CONTEXT_EXPIRED', 'DecryptMessage: the peer closed the channel (close_notify).'),
      { data: result.data, consumed: result.consumed ?? 0 },
    );
  }
  if (status === SEC.I_RENEGOTIATE) {
    throw sspiError(
      'SEC_E_UNSUPPORTED_FUNCTION',
      'DecryptMessage: the peer asked for a TLS renegotiation, which this package does not carry out.',
    );
  }
  if (failed(status)) throw new SspiError(status, `DecryptMessage: ${messageForStatus(status)}`);
  return result.data;
}

/** The addon's flat records in the shapes the emulated backend returns, so callers see one API. */
function shapeAttribute(attribute: string, value: Record<string, number | string | Buffer>): unknown {
  switch (attribute) {
    case 'names':
      return { user: value.userName ?? '' };
    case 'lifespan':
      return {
        start: dateOf(value.start as number, value.localTime as number),
        expiry: dateOf(value.expiry as number, value.localTime as number),
      };
    case 'negotiationInfo': {
      const { state, ...packageInfo } = value;
      return { packageInfo, state };
    }
    default:
      return value;
  }
}

/**
 * Load the addon with node-gyp-build from the package root (the prebuilds/ directory, or
 * build/Release after a node-gyp build) and wrap it. Throws when no binding fits this platform.
 */
export function loadNativeBackend(): ReturnType<typeof createNativeBackend> {
  // lib/native/backend.ts and dist/native/backend.js both sit two levels below the root.
  const root = path.join(__dirname, '..', '..');
  const load = require('node-gyp-build') as (dir: string) => unknown;
  return createNativeBackend(load(root) as NativeAddon);
}
