/**
 * What queryContextAttributes returns, attribute by attribute. Both backends answer in these
 * shapes; fields a package cannot know are absent.
 */
import type { X509Certificate } from 'node:crypto';

/** SecPkgInfo. */
export interface PackageInfo {
  name: string;
  comment: string;
  /** SECPKG_FLAG_* bits. */
  capabilities: number;
  version: number;
  rpcid: number;
  maxToken: number;
}

/**
 * Credentials a CredSSP client delegated. Secrets are Buffers of their own (never JS strings),
 * zeroed when the context is deleted: copy what you need to keep, and zero your copy when done.
 * `password` and `pin` are UTF-8 (a lone UTF-16 surrogate the client sent reads as U+FFFD);
 * `passwordUtf16le` and `pinUtf16le` are the bytes exactly as the client sent them (MS-CSSP
 * 2.2.1.2.1), for a consumer that needs them unaltered (an NT hash, a Windows API).
 */
export type DelegatedCredentials =
  | { type: 'password'; domain: string; user: string; password: Buffer; passwordUtf16le: Buffer }
  | {
      type: 'smartcard';
      pin: Buffer;
      pinUtf16le: Buffer;
      keySpec: number;
      cardName?: string;
      readerName?: string;
      containerName?: string;
      cspName?: string;
      userHint?: string;
      domainHint?: string;
    }
  | {
      type: 'remoteGuard';
      logonCred: { packageName?: string; credBuffer: Buffer };
      supplementalCreds?: Array<{ packageName?: string; credBuffer: Buffer }>;
    }
  | {
      /**
       * Emulated Kerberos/Negotiate acceptor: the TGT the client forwarded (ISC_REQ_DELEGATE), as
       * an MIT credential cache file (version 4) for KRB5CCNAME or `emulated.kerberos.ccache`.
       */
      type: 'kerberos';
      /** The client principal, 'user@REALM'. */
      client: string;
      ccache: Buffer;
    };

export interface ContextAttributes {
  /** SecPkgContext_Sizes. */
  sizes: { maxToken: number; maxSignature: number; blockSize: number; securityTrailer: number };
  /** SecPkgContext_StreamSizes (CredSSP: the TLS record layout). */
  streamSizes: {
    header: number;
    trailer: number;
    maximumMessage: number;
    buffers: number;
    blockSize: number;
  };
  /**
   * SecPkgContext_Names: 'DOMAIN\\user' (the acceptor: the client; the initiator: itself). On an
   * acceptor this is the account that authenticated, with the domain the client gave (a `users`
   * entry without a domain matches any): authorize on this, not on delegatedCredentials.
   */
  names: { user: string };
  packageInfo: PackageInfo;
  /** SecPkgContext_NegotiationInfo; `state` 0 complete, 2 in progress. CredSSP adds what it negotiated. */
  negotiationInfo: {
    packageInfo: PackageInfo;
    state: number;
    credsspVersion?: number;
    innerPackage?: 'NTLM' | 'Negotiate' | 'Kerberos';
  };
  /**
   * When the context is valid. Kerberos (and Negotiate over it): the service ticket's starttime
   * (else authtime) to its endtime, on both sides; NTLM: the context's start plus 10 hours.
   */
  lifespan: { start: Date; expiry: Date };
  /** CredSSP: the peer's TLS certificate. */
  remoteCertificate: X509Certificate;
  /** CredSSP (Schannel): the distinguished names of the issuers the server trusts. */
  issuerListEx: { issuers: Buffer[] };
  /**
   * Emulated CredSSP acceptor: what the client delegated, as it sent it; emulated Kerberos and
   * Negotiate acceptors: the forwarded TGT. CredSSP does not tie it
   * to the authenticated account (`names`), and neither does Windows: it may name another user.
   */
  delegatedCredentials: DelegatedCredentials;
  /** NTLM/Negotiate: the exported session key (a copy). */
  sessionKey: { sessionKey: Buffer };
}

export type ContextAttribute = keyof ContextAttributes;
