/**
 * What a credential handle holds for Kerberos (`emulated.kerberos`, docs/API.md):
 * - acceptor: the service's keys, read from the keytab at acquireCredentialsHandle (the file's
 *   bytes wiped once parsed) or, with an identity, made from its password then (password-keys.ts),
 *   and the replay cache every context of the handle shares;
 * - initiator: the client's realm, whether Kerberos is configured for it (Negotiate tries Kerberos
 *   only then), and its TicketStore, made on first use from the password, the ccache (single
 *   sign-on) or, without either, the keytab's keys of its first principal (MIT's client keytab),
 *   and disposed with the handle.
 * Secrets (keys, the password's UTF-8 copy) live in secret memory and are wiped by dispose().
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { KerberosSettings } from '../backend/types';
import type { PackageName } from '../constants';
import { SspiError, isSspiError, sspiError } from '../errors';
import { allocSecret, wipe, type SecretBuffer } from '../secret';
import { utf8OfUtf16le } from '../secret-text';
import { loadKrb5Config, type Krb5Config } from './kdc/krb5-conf';
import { Enctype } from './mechanisms/kerberos/crypto/enctypes';
import type { ServiceKeyLookup } from './mechanisms/kerberos/ap-req-checks';
import type { EncryptionKey } from './mechanisms/kerberos/messages/types';
import {
  CCACHE_LIMITS,
  ccachePathFromEnv,
  parseCcache,
  wipeCcache,
} from './mechanisms/kerberos/files/ccache';
import {
  KEYTAB_LIMITS,
  keysFor,
  parseKeytab,
  wipeKeytab,
  type KeytabEntry,
} from './mechanisms/kerberos/files/keytab';
import { accountSalt, acceptorEnctypes, passwordKeys } from './mechanisms/kerberos/password-keys';
import { ReplayCache } from './mechanisms/kerberos/replay-cache';
import { TicketStore } from './tickets/ticket-store';

/** The outbound identity, as the credential holds it. */
export interface KerberosIdentity {
  user: string;
  domain: string;
  passwordUtf16: SecretBuffer;
}

/** The client principal an identity names: 'user' in DOMAIN (upper-cased), or a UPN 'user@REALM'. */
export function clientNameOf(identity: KerberosIdentity): { user: string; realm: string } | undefined {
  if (identity.domain !== '') return { user: identity.user, realm: identity.domain.toUpperCase() };
  const at = identity.user.lastIndexOf('@');
  if (at <= 0 || at === identity.user.length - 1) return undefined;
  return { user: identity.user.slice(0, at), realm: identity.user.slice(at + 1).toUpperCase() };
}

export class KerberosCredential {
  /** The keytab's entries, in secret memory: the service's keys, or a client's own (no identity). */
  private readonly keytab: KeytabEntry[] | undefined;
  /** An acceptor's keys made from its identity's password, one per enctype; in secret memory. */
  private readonly passwordKeys: EncryptionKey[] | undefined;
  /** One per handle, as MIT keeps one per service: every context's authenticators (RFC 4120 3.2.3). */
  readonly replayCache: ReplayCache;
  private readonly inboundToo: boolean;
  private config: { value?: Krb5Config; error?: SspiError } | undefined;
  private store: Promise<TicketStore> | undefined;
  private disposed = false;

  constructor(
    readonly settings: Readonly<KerberosSettings>,
    private readonly identity: KerberosIdentity | undefined,
    use: 'outbound' | 'inbound' | 'both',
    /** The credential's package: an NTLM one holds no Kerberos acceptor keys. */
    pkg: PackageName,
  ) {
    this.inboundToo = use !== 'outbound';
    if (this.inboundToo && identity && pkg !== 'NTLM') this.passwordKeys = keysOfIdentity(identity, settings);
    if (settings.keytab !== undefined) {
      try {
        this.keytab = readKeytab(settings.keytab);
      } catch (err) {
        wipeKeys(this.passwordKeys);
        throw err;
      }
    }
    this.replayCache = new ReplayCache({ clockSkewMs: settings.clockSkewMs });
  }

  /** The acceptor has service keys: Kerberos can be accepted. */
  get hasServiceKeys(): boolean {
    return this.inboundToo && ((this.keytab?.length ?? 0) > 0 || this.passwordKeys !== undefined);
  }

  /**
   * A client without identity or `ccache` option whose keytab holds its own keys (MIT's client
   * keytab): its first entry's principal logs on with them.
   */
  private get clientKeytab(): KeytabEntry | undefined {
    return this.identity || this.settings.ccache !== undefined ? undefined : this.keytab?.[0];
  }

  /**
   * The service key lookup a KerberosAcceptor takes; rc4-hmac keys only with allowRc4. The keytab's
   * keys by principal and kvno, then the password's for any: they are the account's keys under
   * each of its names (MIT's acceptor likewise takes any ticket its keys decrypt), and have no kvno.
   */
  get serviceKeys(): ServiceKeyLookup {
    return (sname, realm, kvno, etype) => {
      if (this.disposed || (etype === Enctype.RC4_HMAC && !this.settings.allowRc4)) return undefined;
      const fromKeytab = keysFor(this.keytab ?? [], sname, realm, kvno, etype)[0]?.key;
      return fromKeytab ?? this.passwordKeys?.find((key) => key.keyType === etype);
    };
  }

  /** The client realm: the identity's or the client keytab's, else unknown until the ccache is read. */
  get clientRealm(): string | undefined {
    return this.identity ? clientNameOf(this.identity)?.realm : this.clientKeytab?.realm;
  }

  /**
   * Kerberos is configured for the client: KDCs given for its realm (or every realm), a krb5.conf
   * [realms] entry for it, or no identity and a ccache to use (single sign-on). Only then does
   * Negotiate try Kerberos; nothing is looked up in DNS to decide.
   */
  get configured(): boolean {
    if (!this.identity) return this.clientKeytab !== undefined || this.ccacheInUse();
    const realm = this.clientRealm;
    if (realm === undefined) return false;
    if (this.settings.kdc.has(realm) || this.settings.kdc.has('*')) return true;
    return (this.krb5Config().value?.kdcsOf(realm).length ?? 0) > 0;
  }

  /** A ccache is named (the option, KRB5CCNAME) or MIT's default one exists. */
  private ccacheInUse(): boolean {
    if (this.settings.ccache !== undefined || process.env.KRB5CCNAME) return true;
    try {
      return existsSync(ccachePathFromEnv());
    } catch {
      return false; // no default on this system
    }
  }

  /** krb5.conf (KRB5_CONFIG, else /etc/krb5.conf), read once; an unreadable one is kept as its error. */
  krb5Config(): { value?: Krb5Config; error?: SspiError } {
    if (!this.config) {
      try {
        this.config = { value: loadKrb5Config() };
      } catch (err) {
        if (!(err instanceof SspiError)) throw err;
        this.config = { error: err };
      }
    }
    return this.config;
  }

  /** The handle's tickets: from the password, else from the ccache (read on first use). */
  tickets(): Promise<TicketStore> {
    if (this.disposed)
      return Promise.reject(sspiError('SEC_E_NO_CREDENTIALS', 'The credential was released.'));
    this.store ??= this.makeStore();
    // A failure (no ccache yet, say) is not kept: the next context tries again.
    this.store.catch(() => (this.store = undefined));
    return this.store;
  }

  /** Wipe the keytab's keys, the tickets and the password copy. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.keytab) wipeKeytab(this.keytab);
    wipeKeys(this.passwordKeys);
    this.store?.then((store) => store.dispose()).catch(() => undefined);
  }

  private async makeStore(): Promise<TicketStore> {
    const config = this.krb5Config();
    const realm = this.clientRealm;
    const kdc = this.settings.kdc.get(realm ?? '') ?? this.settings.kdc.get('*');
    const options = { kdc, config: config.value, allowRc4: this.settings.allowRc4 };
    let store: TicketStore;
    if (this.identity) {
      const name = clientNameOf(this.identity) ?? { user: this.identity.user, realm: '' };
      const password = utf8OfUtf16le(this.identity.passwordUtf16);
      try {
        store = new TicketStore({ user: name.user, realm: name.realm, password }, options);
      } finally {
        wipe(password);
      }
    } else if (this.clientKeytab) {
      const { principal, realm: keytabRealm } = this.clientKeytab;
      const user = principal.nameString.join('/');
      store = new TicketStore({ user, realm: keytabRealm, keytab: this.keytab! }, options);
    } else {
      const bytes = await readCcache(this.settings.ccache);
      const cache = (() => {
        try {
          return parseCcache(bytes);
        } finally {
          wipe(bytes);
        }
      })();
      try {
        const ccacheRealm = cache.defaultPrincipal.realm;
        const ccacheKdc = this.settings.kdc.get(ccacheRealm) ?? this.settings.kdc.get('*');
        store = new TicketStore({ ccache: cache }, { ...options, kdc: ccacheKdc });
      } finally {
        wipeCcache(cache);
      }
    }
    if (this.disposed) {
      store.dispose();
      throw sspiError('SEC_E_NO_CREDENTIALS', 'The credential was released.');
    }
    return store;
  }
}

/**
 * An acceptor's keys from its identity's password (UTF-8 only for the derivation, then wiped),
 * salted with `settings.salt`, else the account's salt; none when neither a salt nor the
 * identity's realm is known.
 */
function keysOfIdentity(
  identity: KerberosIdentity,
  settings: Readonly<KerberosSettings>,
): EncryptionKey[] | undefined {
  const name = clientNameOf(identity);
  const salt = settings.salt ?? (name && accountSalt(name.user, name.realm));
  if (salt === undefined) return undefined;
  const password = utf8OfUtf16le(identity.passwordUtf16);
  try {
    return passwordKeys(password, salt, acceptorEnctypes(settings.allowRc4));
  } finally {
    wipe(password);
  }
}

function wipeKeys(keys: readonly EncryptionKey[] | undefined): void {
  for (const key of keys ?? []) wipe(key.keyValue);
}

/** A keytab's entries from a path (read whole, bounded, its bytes wiped) or the caller's bytes. */
function readKeytab(keytab: string | Buffer): KeytabEntry[] {
  if (Buffer.isBuffer(keytab)) return parseKeytab(keytab);
  const path = keytab.startsWith('FILE:') ? keytab.slice('FILE:'.length) : keytab;
  const bytes = readBounded(path, KEYTAB_LIMITS.fileBytes, 'keytab');
  try {
    return parseKeytab(bytes);
  } finally {
    wipe(bytes);
  }
}

function readBounded(path: string, limit: number, what: string): SecretBuffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw unreadable(what, path, err);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > limit) throw sspiError('SEC_E_NO_CREDENTIALS', `The ${what} ${path} is over ${limit} bytes.`);
    const bytes = allocSecret(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, bytes, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return bytes.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** The ccache's bytes: the `ccache` option (a Buffer is copied), else KRB5CCNAME's FILE: cache. */
async function readCcache(ccache: string | Buffer | undefined): Promise<SecretBuffer> {
  if (Buffer.isBuffer(ccache)) {
    const copy = allocSecret(ccache.length);
    ccache.copy(copy);
    return copy;
  }
  const path = ccachePathFromEnv(ccache === undefined ? process.env : { KRB5CCNAME: ccache });
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw unreadable('credential cache', path, err);
  }
  try {
    const size = (await handle.stat()).size;
    if (size > CCACHE_LIMITS.fileBytes)
      throw sspiError(
        'SEC_E_NO_CREDENTIALS',
        `The credential cache ${path} is over ${CCACHE_LIMITS.fileBytes} bytes.`,
      );
    const bytes = allocSecret(size);
    const { bytesRead } = await handle.read(bytes, 0, size, 0);
    return bytes.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function unreadable(what: string, path: string, err: unknown): SspiError {
  if (isSspiError(err)) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'an error';
  return sspiError('SEC_E_NO_CREDENTIALS', `The ${what} ${path} cannot be read (${code}).`);
}
