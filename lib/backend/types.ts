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

/** Emulated CredSSP settings (docs/API.md lists each value and default). */
export interface EmulatedCredsspOptions {
  /** How the client wraps NTLM: 'ntlm' (raw NTLMSSP, default) or 'spnego'. */
  inner?: 'ntlm' | 'spnego';
  /** The TSRequest version to advertise, 2..6; default 6. For testing old peers. */
  version?: 2 | 3 | 4 | 5 | 6;
  /** The highest TLS version offered or accepted; default 'TLSv1.3'. */
  tlsMaxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Acceptor without `tls`: the generated key type; default 'rsa' (2048 bits). */
  keyType?: 'rsa' | 'ecdsa';
  /** Client: roots trusted for ISC_REQ_MUTUAL_AUTH (PEM); default Node's root store. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** Emulated Kerberos settings (docs/API.md lists each value and default). */
export interface EmulatedKerberosOptions {
  /**
   * The KDCs: 'host', 'host:port' or 'tcp/host:port', one or a list for every realm, or a record
   * realm → list. Absent: krb5.conf (KRB5_CONFIG, else /etc/krb5.conf), then DNS SRV records.
   */
  kdc?: string | string[] | Record<string, string | string[]>;
  /**
   * An MIT keytab (a path, or the file's bytes): an acceptor's service keys; a client without
   * `identity` or `ccache` logs on with its first principal's keys.
   */
  keytab?: string | Buffer;
  /** Initiator without `identity`: an MIT credential cache ('FILE:/path', a path, or the bytes); default KRB5CCNAME. */
  ccache?: string | Buffer;
  /**
   * Offer and accept rc4-hmac (RFC 4757), which Windows is retiring; default false. Without it an
   * acceptor refuses a ticket encrypted in rc4-hmac, as an Active Directory KDC issues them for an
   * account without msDS-SupportedEncryptionTypes; a client takes such a ticket either way (it
   * never opens it, and its own keys stay AES).
   */
  allowRc4?: boolean;
  /** The clock skew tolerated, in seconds; default 300 (RFC 4120's and Windows' five minutes). */
  clockSkew?: number;
  /**
   * Acceptor with `identity`: the salt its keys are derived from the password with (string-to-key,
   * RFC 3961 3). Default: the account's salt by the usual rule, the realm then the name's
   * components ('REALMHTTPweb.example.com'); for an AD computer account 'NAME$',
   * 'REALMhost' + 'name.realm' in lower case (MS-KILE 3.1.1.2). Only with `identity` on an
   * inbound or both credential.
   */
  salt?: string;
  /**
   * Initiator with ISC_REQ_DELEGATE: 'policy' (default) forwards the TGT only to a service whose
   * ticket is ok-as-delegate (trusted for delegation), as Windows does; 'always' forwards it to any
   * service (MIT's GSS_C_DELEG_FLAG).
   */
  delegation?: 'policy' | 'always';
}

/** Options only the emulated backend reads. */
export interface EmulatedOptions {
  /** Acceptor: who may log on. */
  users?: UsersOption;
  /** CredSSP acceptor: the certificate and key it presents (PEM); absent: a generated self-signed one. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** CredSSP client: the delegation policy (Windows reads its group policy instead). */
  policy?: DelegationPolicy;
  credssp?: EmulatedCredsspOptions;
  kerberos?: EmulatedKerberosOptions;
}

/** The certificate a native CredSSP acceptor presents: one from a certificate store, or a PFX. */
export type NativeTlsOption =
  | {
      /** The store name; default 'MY'. */
      store?: string;
      /** Default 'CurrentUser'. */
      location?: 'CurrentUser' | 'LocalMachine';
      /** SHA-1 thumbprint: 40 hex digits. */
      thumbprint: string;
    }
  | { pfx: Buffer; password?: string | Buffer };

/** Options only the native backend reads. */
export interface NativeOptions {
  tls?: NativeTlsOption;
}

/** `native.tls` after validation, defaults filled in. */
export type NativeTlsRequest =
  | { kind: 'store'; store: string; location: 'CurrentUser' | 'LocalMachine'; thumbprint: string }
  | { kind: 'pfx'; pfx: Buffer; password: string | Buffer | undefined };

/** `emulated.credssp` after validation, defaults filled in. */
export interface CredsspSettings {
  inner: 'ntlm' | 'spnego';
  version: 2 | 3 | 4 | 5 | 6;
  tlsMaxVersion: 'TLSv1.2' | 'TLSv1.3';
  keyType: 'rsa' | 'ecdsa';
  ca: string | Buffer | Array<string | Buffer> | undefined;
}

/** `emulated.kerberos` after validation, defaults filled in. */
export interface KerberosSettings {
  /** KDCs per realm (upper case); '*' holds the list given for every realm. */
  kdc: ReadonlyMap<string, readonly string[]>;
  keytab: string | Buffer | undefined;
  ccache: string | Buffer | undefined;
  allowRc4: boolean;
  clockSkewMs: number;
  salt: string | undefined;
  delegation: 'policy' | 'always';
}

interface AcquireRequestBase {
  package: PackageName;
  use: 'outbound' | 'inbound' | 'both';
  identity?: { user: string; domain?: string; password: string | Buffer };
}

/** What the emulated backend is asked to acquire: validated once (acquire-request.ts), trusted below. */
export interface EmulatedAcquireRequest extends AcquireRequestBase {
  backend: 'emulated';
  users: UsersOption | undefined;
  tls: { cert: string | Buffer; key: string | Buffer } | undefined;
  policy: Readonly<Required<DelegationPolicy>>;
  credssp: Readonly<CredsspSettings>;
  kerberos: Readonly<KerberosSettings>;
}

/** What the native backend is asked to acquire: validated once (acquire-request.ts), trusted below. */
export interface NativeAcquireRequest extends AcquireRequestBase {
  backend: 'native';
  tls: NativeTlsRequest | undefined;
}

export type AcquireRequest = EmulatedAcquireRequest | NativeAcquireRequest;

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

export interface Backend<R extends AcquireRequest = AcquireRequest> {
  readonly name: R['backend'];
  acquireCredentialsHandle(request: R): Promise<{ credential: unknown; expiry: Date | null }>;
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
