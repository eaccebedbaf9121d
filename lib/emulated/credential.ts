/**
 * The emulated backend's credential handle state: who we are (outbound), who may log on
 * (inbound), the TLS identity an acceptor presents, and the delegation policy. Secrets are held
 * in Buffers only, so dispose() can zero them.
 */
import type { X509Certificate } from 'node:crypto';
import type { SecureContext } from 'node:tls';
import type {
  CredsspSettings,
  DelegationPolicy,
  EmulatedAcquireRequest,
  KerberosSettings,
} from '../backend/types';
import type { PackageName } from '../constants';
import { invalidArgValue } from '../errors';
import { secretOfString, wipe, type SecretBuffer } from '../secret';
import { utf16leOfUtf8 } from '../secret-text';
import { KerberosCredential } from './kerberos-credential';
import { ntHashOf } from './mechanisms/ntlm/keys';
import { TlsSessionCache } from './tls/session-cache';
import { makeUserTable, type NtHashLookup, type UserTable } from './users';

/** An outbound identity with its secrets in zeroable Buffers. */
export interface EmulatedIdentity {
  user: string;
  domain: string;
  /** The password as UTF-16LE, as TSPasswordCreds carries it; our own copy, wiped on dispose. */
  passwordUtf16: SecretBuffer;
  /** NTOWFv1: MD4 of the UTF-16LE password. */
  ntHash: SecretBuffer;
}

/** The TLS identity a CredSSP acceptor presents; made once per credential (packages/credssp/server-identity.ts). */
export interface AcceptorTlsIdentity {
  secureContext: SecureContext;
  certificate: X509Certificate;
  /** What pubKeyAuth binds to (MS-CSSP 3.1.5). */
  subjectPublicKey: Buffer;
}

export class EmulatedCredential {
  readonly package: PackageName;
  readonly use: 'outbound' | 'inbound' | 'both';
  readonly identity: EmulatedIdentity | undefined;
  readonly lookupNtHash: NtHashLookup | undefined;
  private readonly userTable: UserTable | undefined;
  readonly tls: EmulatedAcquireRequest['tls'];
  readonly policy: Readonly<Required<DelegationPolicy>>;
  /** CredSSP settings, validated with the request (acquire-request.ts). */
  readonly credssp: Readonly<CredsspSettings>;
  /** Kerberos settings, validated with the request (acquire-request.ts). */
  readonly kerberos: Readonly<KerberosSettings>;
  /** The handle's Kerberos state: service keys and replay cache, the client's tickets. */
  readonly krb: KerberosCredential;
  /**
   * The acceptor's TLS identity, made on first use and kept with the credential: not per context,
   * since making an RSA key takes time and a server's key should not change between connections.
   * `pending` while being made (a failure clears it so the next context tries again), `ready` once made.
   */
  acceptorIdentity: { pending?: Promise<AcceptorTlsIdentity>; ready?: AcceptorTlsIdentity } = {};
  /** TLS sessions this handle may resume, by target name (reference: same target, same handle). */
  readonly tlsSessions = new TlsSessionCache();
  private disposed = false;
  private freed = false;
  private references = 0;

  constructor(opts: EmulatedAcquireRequest) {
    this.package = opts.package;
    this.use = opts.use;
    if (opts.identity) {
      const passwordUtf16 = passwordUtf16Of(opts.identity.password);
      // 'DOMAIN\\user' in the user field, as Windows' credential prompts accept, when no domain is given.
      const slash = opts.identity.domain === undefined ? opts.identity.user.indexOf('\\') : -1;
      this.identity = {
        user: slash >= 0 ? opts.identity.user.slice(slash + 1) : opts.identity.user,
        domain: slash >= 0 ? opts.identity.user.slice(0, slash) : (opts.identity.domain ?? ''),
        passwordUtf16,
        ntHash: ntHashOf(passwordUtf16),
      };
    }
    this.userTable = opts.users === undefined ? undefined : makeUserTable(opts.users);
    this.lookupNtHash = this.userTable?.lookup;
    this.tls = opts.tls;
    this.policy = opts.policy;
    this.credssp = opts.credssp;
    this.kerberos = opts.kerberos;
    try {
      this.krb = new KerberosCredential(opts.kerberos, this.identity, opts.use, opts.package);
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** A context holds the credential while it lives, as Windows keeps a freed handle's data for its contexts. */
  retain(): void {
    this.references++;
  }

  release(): void {
    this.references--;
    if (this.freed && this.references <= 0) this.dispose();
  }

  /** FreeCredentialsHandle: secrets are zeroed once no context uses them. */
  free(): void {
    this.freed = true;
    if (this.references <= 0) this.dispose();
  }

  /** Zero every secret. Idempotent. */
  private dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.identity) {
      wipe(this.identity.passwordUtf16, this.identity.ntHash);
    }
    this.userTable?.dispose();
    this.krb?.dispose();
    this.tlsSessions.clear();
  }
}

/**
 * The caller's password as UTF-16LE in a secret Buffer. A string is the caller's and is encoded
 * once; a Buffer is UTF-8 and is transcoded byte by byte, so no string of it is ever made here.
 */
function passwordUtf16Of(password: string | Buffer): SecretBuffer {
  if (typeof password === 'string') return secretOfString(password, 'utf16le');
  const utf16 = utf16leOfUtf8(password);
  if (!utf16) {
    // The password itself stays out of the message (describe() would quote a string).
    throw invalidArgValue('identity.password', password, 'must be UTF-8 when given as a Buffer');
  }
  return utf16;
}
