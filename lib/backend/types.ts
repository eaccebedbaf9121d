/**
 * The one interface both backends implement: the Windows one over Secur32.dll (native) and the
 * emulated one. It speaks raw SSPI: statuses are numbers and buffers are typed. Validation,
 * handle bookkeeping and the mapping of failure statuses to SspiError live above it, in api.ts,
 * written once for both.
 */
import type { PackageName } from '../constants';

/** A typed SSPI buffer. */
export interface SecBuffer {
  /** A SECBUFFER.* type. */
  type: number;
  buffer: Buffer;
}

/** Who may log on to an emulated acceptor. */
export type UsersOption =
  | Record<string, string | { ntHash: Buffer }>
  | ((user: string, domain: string) => Buffer | undefined)
  | { samFile: string };

/** The emulated backend's stand-in for Windows' credential delegation group policy. */
export interface DelegationPolicy {
  /** SPN patterns in Windows syntax ('TERMSRV/*', 'WSMAN/*.corp.example'); default ['TERMSRV/*']. */
  allowFreshCredentials?: string[];
  /** Patterns allowed when only NTLM authenticated the server; default ['TERMSRV/*']. */
  allowFreshCredentialsWhenNTLMOnly?: string[];
  /** CVE-2018-0886 remediation; default 'mitigated'. */
  encryptionOracle?: 'force-updated-clients' | 'mitigated' | 'vulnerable';
}

/** Options of acquireCredentialsHandle, already validated. */
export interface AcquireOptions {
  package: PackageName;
  use: 'outbound' | 'inbound' | 'both';
  identity?: { user: string; domain?: string; password: string | Buffer };
  users?: UsersOption;
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer | Array<string | Buffer> };
  policy?: DelegationPolicy;
  /** Emulated extras, documented in README: CredSSP inner token style, trusted roots, key type. */
  [extra: string]: unknown;
}

/** What one ISC/ASC call returns from a backend, before api.ts shapes it. */
export interface RawContextResult {
  status: number;
  /** The backend's context state, the same object on every later call. */
  context: unknown;
  buffers: SecBuffer[];
  attributes: number;
  expiry: Date | null;
}

export interface ContextRequest {
  targetName?: string;
  flags: number;
  targetDataRep: number;
  input: SecBuffer[];
}

export interface Backend {
  readonly name: 'native' | 'emulated';
  acquireCredentialsHandle(opts: AcquireOptions): Promise<{ credential: unknown; expiry: Date | null }>;
  initializeSecurityContext(
    credential: unknown,
    context: unknown | null,
    req: ContextRequest,
  ): Promise<RawContextResult>;
  acceptSecurityContext(
    credential: unknown,
    context: unknown | null,
    req: ContextRequest,
  ): Promise<RawContextResult>;
  completeAuthToken(context: unknown, buffers: SecBuffer[]): Promise<number>;
  deleteSecurityContext(context: unknown): Promise<void>;
  freeCredentialsHandle(credential: unknown): Promise<void>;
  queryContextAttributes(context: unknown, attribute: string): Promise<unknown>;
  encryptMessage(context: unknown, data: Buffer): Promise<Buffer>;
  decryptMessage(context: unknown, data: Buffer): Promise<Buffer>;
  /** Synchronous last-resort release for handles the user forgot (FinalizationRegistry). */
  release(handle: unknown): void;
}
