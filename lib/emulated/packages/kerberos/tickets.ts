/**
 * A credential's Kerberos tickets: its TGT, got with the AS exchange from a password or keytab
 * keys or read from a ccache, and the service tickets got with it, one per service principal,
 * kept until their endtime draws near. This is where the sans-IO exchanges of
 * mechanisms/kerberos/kdc-exchange meet the network (kdc/client.ts's sendToKdc); a UDP reply of
 * KRB_ERR_RESPONSE_TOO_BIG sends the request again over TCP.
 *
 * Tickets handed out stay the store's: a caller uses one at once and copies what it keeps (the
 * session key of a context), since an expiring ticket is replaced, and wiped, by a newer one.
 * dispose() wipes every key: the password's copy, the keytab keys' copies and every session key.
 */
import { isSspiError, sspiError } from '../../../errors';
import { copySecret, wipe, type SecretBuffer } from '../../../secret';
import { sendToKdc, type SendOptions } from '../../kdc/client';
import type { Krb5Config } from '../../kdc/krb5-conf';
import { AsExchange, type KdcStep } from '../../mechanisms/kerberos/kdc-exchange/as-exchange';
import type { ClientSecret } from '../../mechanisms/kerberos/kdc-exchange/client-keys';
import {
  disposeCredential,
  nameOf,
  type KdcCredential,
} from '../../mechanisms/kerberos/kdc-exchange/credential';
import { isResponseTooBig } from '../../mechanisms/kerberos/kdc-exchange/kdc-reply';
import {
  environmentOf,
  isFresh,
  type ExchangeEnvironment,
} from '../../mechanisms/kerberos/kdc-exchange/request-parts';
import {
  parsePrincipalText,
  servicePrincipalOf,
  type RealmPrincipal,
} from '../../mechanisms/kerberos/kdc-exchange/spn';
import { TgsExchange, forwardedTgtExchange } from '../../mechanisms/kerberos/kdc-exchange/tgs-exchange';
import { NameType } from '../../mechanisms/kerberos/messages/constants';
import type { EncryptionKey } from '../../mechanisms/kerberos/messages/types';

/** Where a credential's TGT comes from. */
export type TicketSource =
  /**
   * A user ('alice', 'host/x'; its realm `realm`, else the name's '@REALM', else krb5.conf's
   * default_realm) and its password (UTF-8 in secret memory) or keytab keys (one per etype).
   * Copied in: the caller keeps and wipes its own.
   */
  | SecretSource
  /** A ccache's contents: its default principal and credentials (a kinit's TGT), used as they are. */
  | { ccache: { client: RealmPrincipal; credentials: readonly KdcCredential[] } };

/** How a store reaches its KDCs, and what it asks them for. */
export interface TicketStoreOptions extends ExchangeEnvironment {
  /** The caller's KDCs ('host:port'), before krb5.conf and DNS. */
  kdc?: readonly string[];
  config?: Krb5Config;
  /** KDCOptions of the AS-REQ (as-exchange's DEFAULT_AS_OPTIONS when not given). */
  kdcOptions?: number;
  allowRc4?: boolean;
  /** A ticket closer than this to its endtime is got again (ms; default 5 minutes, the usual clockskew). */
  marginMs?: number;
  /** Each KDC round trip's deadline (ms; sendToKdc's default when not given). */
  deadlineMs?: number;
  /** sendToKdc, unless a test sends elsewhere. */
  send?: (realm: string, request: Buffer, options: SendOptions) => Promise<Buffer>;
}

export const DEFAULT_MARGIN_MS = 5 * 60 * 1000;

/** A user and the secret its TGT is got with. */
export type SecretSource =
  | { user: string; realm: string; password: SecretBuffer }
  | { user: string; realm: string; keys: readonly EncryptionKey[] };

/** A TGT through the AS exchange, over the network; the caller disposes it. */
export async function acquireTgt(
  source: SecretSource,
  options: TicketStoreOptions = {},
): Promise<KdcCredential> {
  const secret = 'password' in source ? { password: source.password } : { keys: source.keys };
  return asExchange(clientOf(source.user, source.realm, options.config), secret, options);
}

async function asExchange(client: RealmPrincipal, secret: ClientSecret, options: TicketStoreOptions) {
  const exchange = new AsExchange({ ...options, client, secret });
  try {
    return await run(client.realm, exchange.start(), (reply) => exchange.receive(reply), options);
  } finally {
    exchange.dispose();
  }
}

/** One credential's tickets. */
export class TicketStore {
  readonly client: RealmPrincipal;
  private readonly env: Required<ExchangeEnvironment>;
  private readonly secret: ClientSecret | undefined;
  private current: KdcCredential | undefined;
  private pendingTgt: Promise<KdcCredential> | undefined;
  private readonly tickets = new Map<string, KdcCredential>();
  private readonly pending = new Map<string, Promise<KdcCredential>>();
  private readonly fromCcache: KdcCredential[] = [];
  private disposed = false;

  constructor(
    source: TicketSource,
    private readonly options: TicketStoreOptions = {},
  ) {
    this.env = environmentOf(options);
    if ('ccache' in source) {
      this.client = source.ccache.client;
      for (const credential of source.ccache.credentials) {
        this.fromCcache.push(credential);
        if (isTgtOf(credential, this.client.realm)) this.current ??= credential;
        else this.tickets.set(nameOf(credential.server), credential);
      }
      return;
    }
    this.client = clientOf(source.user, source.realm, options.config);
    this.secret =
      'password' in source
        ? { password: copySecret(source.password) }
        : { keys: source.keys.map((k) => ({ keyType: k.keyType, keyValue: copySecret(k.keyValue) })) };
  }

  /**
   * The TGT: the one held while fresh, else a new one from the password or keys. From a ccache,
   * its TGT until its endtime; after that SEC_E_CONTEXT_EXPIRED (run kinit again), and
   * SEC_E_NO_CREDENTIALS when the ccache holds none.
   */
  async tgt(): Promise<KdcCredential> {
    this.checkOpen();
    const now = this.env.now();
    if (!this.secret) {
      if (!this.current)
        throw sspiError('SEC_E_NO_CREDENTIALS', `The ccache holds no TGT for ${nameOf(this.client)}.`);
      if (!isFresh(this.current, now, 0))
        throw sspiError(
          'SEC_E_CONTEXT_EXPIRED',
          `The TGT of ${nameOf(this.client)} from the ccache expired at ${this.current.endtime.toISOString()}: run kinit again.`,
        );
      return this.current;
    }
    if (this.current && isFresh(this.current, now, this.margin)) return this.current;
    this.pendingTgt ??= this.keep(asExchange(this.client, this.secret, this.options)).finally(
      () => (this.pendingTgt = undefined),
    );
    return this.pendingTgt;
  }

  /** A service ticket for `target` (a target name, or a principal already made of one), cached per service. */
  async serviceTicket(target: string | RealmPrincipal): Promise<KdcCredential> {
    this.checkOpen();
    const server =
      typeof target === 'string'
        ? servicePrincipalOf(target, { clientRealm: this.client.realm, config: this.options.config })
        : target;
    const key = nameOf(server);
    const held = this.tickets.get(key);
    if (held && isFresh(held, this.env.now(), this.margin)) return held;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.tgs(server).then((credential) => {
        const old = this.tickets.get(key);
        this.tickets.set(key, credential);
        if (old) this.release(old);
        return credential;
      });
      this.pending.set(key, pending);
      void pending.finally(() => this.pending.delete(key)).catch(() => undefined);
    }
    return pending;
  }

  /** A forwarded TGT for delegation (not cached: it goes into one KRB-CRED); the caller disposes it. */
  async forwardedTgt(): Promise<KdcCredential> {
    const tgt = await this.tgt();
    const exchange = forwardedTgtExchange(tgt, { ...this.env, allowRc4: this.options.allowRc4 });
    return this.exchangeOver(exchange);
  }

  /** Wipe every key this store holds. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    wipe(this.secret?.password);
    for (const k of this.secret?.keys ?? []) wipe(k.keyValue);
    for (const credential of [this.current, ...this.tickets.values(), ...this.fromCcache])
      if (credential) disposeCredential(credential);
    this.tickets.clear();
    this.current = undefined;
  }

  private get margin(): number {
    return this.options.marginMs ?? DEFAULT_MARGIN_MS;
  }

  /**
   * The TGS exchange for `server`. A TGT the KDC finds expired (SEC_E_CONTEXT_EXPIRED: our clock
   * and the KDC's disagree, or the realm shortened it) is got again once, when we can.
   */
  private async tgs(server: RealmPrincipal): Promise<KdcCredential> {
    const ask = async () => {
      const tgt = await this.tgt();
      return this.exchangeOver(
        new TgsExchange({ ...this.env, tgt, server, allowRc4: this.options.allowRc4 }),
      );
    };
    try {
      return await ask();
    } catch (err) {
      if (!this.secret || !isSspiError(err, 'SEC_E_CONTEXT_EXPIRED') || this.disposed) throw err;
      if (this.current) this.release(this.current);
      this.current = undefined;
      return ask();
    }
  }

  private async exchangeOver(exchange: TgsExchange): Promise<KdcCredential> {
    try {
      const credential = await run(
        exchange.kdcRealm,
        exchange.start(),
        (r) => exchange.receive(r),
        this.options,
      );
      if (this.disposed) {
        disposeCredential(credential);
        this.checkOpen();
      }
      return credential;
    } finally {
      exchange.dispose();
    }
  }

  /** Hold a new TGT (the old one wiped), or wipe it if the store was disposed meanwhile. */
  private async keep(acquiring: Promise<KdcCredential>): Promise<KdcCredential> {
    const tgt = await acquiring;
    if (this.disposed) {
      disposeCredential(tgt);
      this.checkOpen();
    }
    if (this.current) this.release(this.current);
    this.current = tgt;
    return tgt;
  }

  private release(credential: KdcCredential): void {
    if (!this.fromCcache.includes(credential)) disposeCredential(credential);
  }

  private checkOpen(): void {
    if (this.disposed) throw sspiError('SEC_E_NO_CREDENTIALS', 'The Kerberos credential has been released.');
  }
}

/** Drive one exchange to its end over sendToKdc. */
async function run(
  realm: string,
  first: Buffer,
  receive: (reply: Buffer) => KdcStep,
  options: TicketStoreOptions,
): Promise<KdcCredential> {
  const send = options.send ?? sendToKdc;
  const sendOptions: SendOptions = {
    configured: options.kdc,
    config: options.config,
    deadlineMs: options.deadlineMs,
    wantsTcp: isResponseTooBig,
  };
  let request = first;
  // An AS exchange takes two round trips, a TGS one; the bound keeps a confused peer from looping.
  for (let round = 0; round < 3; round++) {
    const step = receive(await send(realm, request, sendOptions));
    if (step.credential) return step.credential;
    request = step.request;
  }
  throw sspiError('SEC_E_INTERNAL_ERROR', `The Kerberos exchange with ${realm} did not end.`);
}

/** The client principal (NT-PRINCIPAL) of a user name, in `realm`, the name's own or the default realm. */
function clientOf(user: string, realm: string, config: Krb5Config | undefined): RealmPrincipal {
  const parsed = parsePrincipalText(user);
  if (!parsed)
    throw sspiError(
      'SEC_E_UNKNOWN_CREDENTIALS',
      `The user name ${JSON.stringify(user.slice(0, 80))} is not a Kerberos principal.`,
    );
  const realmOf = realm || parsed.realm || config?.defaultRealm;
  if (!realmOf)
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `No realm is known for ${JSON.stringify(user.slice(0, 80))}: give a domain, or set default_realm in krb5.conf.`,
    );
  return { name: { nameType: NameType.PRINCIPAL, nameString: parsed.components }, realm: realmOf };
}

function isTgtOf(credential: KdcCredential, realm: string): boolean {
  const s = credential.server;
  return (
    s.name.nameString.length === 2 && s.name.nameString[0] === 'krbtgt' && s.name.nameString[1] === realm
  );
}
