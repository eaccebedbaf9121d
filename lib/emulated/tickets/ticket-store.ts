/**
 * A credential's Kerberos tickets: its TGT, got with the AS exchange from a password or keytab
 * keys or read from a ccache, and the service tickets got with it, one per service principal,
 * kept until their endtime draws near (kdc-calls.ts runs the exchanges over the network), and
 * at most MAX_TICKETS of them, so that a program talking to many hosts does not grow forever.
 *
 * Tickets handed out stay the store's: a caller uses one at once and copies what it keeps (the
 * session key of a context), since an expiring ticket is replaced, and an evicted one dropped,
 * and wiped.
 * dispose() wipes every key: the copies of the password and keytab keys and every session key.
 */
import { isSspiError, sspiError } from '../../errors';
import { copySecret, wipe } from '../../secret';
import type { ClientSecret } from '../mechanisms/kerberos/kdc-exchange/client-keys';
import {
  disposeCredential,
  nameOf,
  referralRealm,
  tgsRealmOf,
  type KdcCredential,
} from '../mechanisms/kerberos/kdc-exchange/credential';
import {
  environmentOf,
  isFresh,
  type ExchangeEnvironment,
} from '../mechanisms/kerberos/kdc-exchange/request-parts';
import { servicePrincipalOf, type RealmPrincipal } from '../mechanisms/kerberos/kdc-exchange/spn';
import { TgsExchange, forwardedTgtExchange } from '../mechanisms/kerberos/kdc-exchange/tgs-exchange';
import { NameType } from '../mechanisms/kerberos/messages/constants';
import { principalToString } from '../mechanisms/kerberos/messages/principal';
import { asExchange, runExchange, type KdcCallOptions } from './kdc-calls';
import { clientOf, credentialsOfCcache, secretOf, type TicketSource } from './ticket-sources';

/** How a store reaches its KDCs, and how long before an endtime it gets a ticket again. */
export interface TicketStoreOptions extends KdcCallOptions {
  /** A ticket closer than this to its endtime is got again (ms; DEFAULT_MARGIN_MS when not given). */
  marginMs?: number;
}

/** Realms a service request may be referred through (MIT's KRB5_REFERRAL_MAXHOPS is 10). */
export const MAX_REFERRALS = 10;

/**
 * Service tickets (cross-realm TGTs included) a store holds at most. Past it, the tickets too
 * near their endtime to be handed out go first, then the least recently used.
 */
export const MAX_TICKETS = 256;

/** Five minutes: the usual clockskew, so a ticket we hand out is still valid when the service checks it. */
export const DEFAULT_MARGIN_MS = 5 * 60 * 1000;

/** One credential's tickets. */
export class TicketStore {
  readonly client: RealmPrincipal;
  private readonly env: Required<ExchangeEnvironment>;
  /** The password or keys a TGT is got again with; none for a ccache. */
  private readonly secret: ClientSecret | undefined;
  private current: KdcCredential | undefined;
  private pendingTgt: Promise<KdcCredential> | undefined;
  /** Service tickets by 'service/host@REALM', the least recently used first. */
  private readonly tickets = new Map<string, KdcCredential>();
  private readonly pending = new Map<string, Promise<KdcCredential>>();
  private disposed = false;

  constructor(
    source: TicketSource,
    private readonly options: TicketStoreOptions = {},
  ) {
    this.env = environmentOf(options);
    if ('ccache' in source) {
      this.client = source.ccache.defaultPrincipal;
      for (const credential of credentialsOfCcache(source.ccache)) {
        if (!isTgtOf(credential, this.client.realm)) this.keepTicket(cacheKey(credential.server), credential);
        else if (this.current && this.current.endtime >= credential.endtime) disposeCredential(credential);
        else {
          if (this.current) disposeCredential(this.current);
          this.current = credential; // the TGT that lasts longest
        }
      }
      return;
    }
    this.client = clientOf(source.user, source.realm, options.config);
    const secret = secretOf(source, this.client);
    this.secret = secret.password
      ? { password: copySecret(secret.password) }
      : { keys: secret.keys.map((k) => ({ keyType: k.keyType, keyValue: copySecret(k.keyValue) })) };
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
          `The TGT of ${nameOf(this.client)} from the ccache expired at ` +
            `${this.current.endtime.toISOString()}: run kinit again.`,
        );
      return this.current;
    }
    if (this.current && isFresh(this.current, now, this.margin)) return this.current;
    this.pendingTgt ??= this.keepTgt(asExchange(this.client, this.secret, this.options)).finally(
      () => (this.pendingTgt = undefined),
    );
    return this.pendingTgt;
  }

  /** A service ticket for `target` (a target name, or a principal made of one), cached per service. */
  async serviceTicket(target: string | RealmPrincipal): Promise<KdcCredential> {
    this.checkOpen();
    const server =
      typeof target === 'string'
        ? servicePrincipalOf(target, { clientRealm: this.client.realm, config: this.options.config })
        : target;
    const key = cacheKey(server);
    const held = this.tickets.get(key);
    if (held && isFresh(held, this.env.now(), this.margin)) return this.touch(key, held);
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.tgs(server).then((credential) => this.keepTicket(key, credential));
      this.pending.set(key, pending);
      const forget = () => this.pending.delete(key);
      pending.then(forget, forget);
    }
    return pending;
  }

  /** A forwarded TGT for delegation (not cached: it goes into one KRB-CRED); the caller disposes it. */
  async forwardedTgt(): Promise<KdcCredential> {
    const tgt = await this.tgt();
    return this.exchange(forwardedTgtExchange(tgt, { ...this.env, allowRc4: this.options.allowRc4 }));
  }

  /** Wipe every key this store holds. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    wipe(this.secret?.password);
    for (const k of this.secret?.keys ?? []) wipe(k.keyValue);
    for (const credential of [this.current, ...this.tickets.values()])
      if (credential) disposeCredential(credential);
    this.tickets.clear();
    this.current = undefined;
  }

  private get margin(): number {
    return this.options.marginMs ?? DEFAULT_MARGIN_MS;
  }

  /**
   * The TGS exchange for `server`. A service of another realm is reached as MIT's client does
   * (RFC 4120 3.3.1, 1.2): first krbtgt/SERVICE-REALM from our realm's KDC, which gives that TGT
   * or one for a realm on the way (a referral, RFC 6806 8), each kept and used with the next
   * realm's KDC, up to MAX_REFERRALS hops; then the service from its own realm's KDC. A TGT the
   * KDC finds expired (SEC_E_CONTEXT_EXPIRED: our clock and the KDC's disagree, or the realm
   * shortened it) is got again once, when we can.
   */
  private async tgs(server: RealmPrincipal): Promise<KdcCredential> {
    const ask = async () => {
      // A cross-realm TGT for the service's realm, from an earlier request, saves the hops.
      const crossRealmKey = cacheKey(tgtName(server.realm, this.client.realm));
      const crossRealm = this.tickets.get(crossRealmKey);
      let tgt =
        crossRealm && isFresh(crossRealm, this.env.now(), this.margin)
          ? this.touch(crossRealmKey, crossRealm)
          : await this.tgt();
      for (let hop = 0; ; hop++) {
        const kdcRealm = tgsRealmOf(tgt);
        const sameRealm = kdcRealm.toUpperCase() === server.realm.toUpperCase();
        const target = sameRealm ? server : tgtName(server.realm, kdcRealm);
        const credential = await this.exchange(
          new TgsExchange({
            ...this.env,
            tgt,
            server: target,
            allowRc4: this.options.allowRc4,
            acceptReferrals: true,
          }),
        );
        if (referralRealm(credential.server) === undefined) return credential;
        if (hop + 1 >= MAX_REFERRALS) {
          disposeCredential(credential);
          throw sspiError(
            'SEC_E_MAX_REFERRALS_EXCEEDED',
            `The KDCs referred the request for ${nameOf(server)} on more than ${MAX_REFERRALS} times.`,
          );
        }
        tgt = this.keepTicket(cacheKey(credential.server), credential);
      }
    };
    try {
      return await ask();
    } catch (err) {
      if (!this.secret || !isSspiError(err, 'SEC_E_CONTEXT_EXPIRED') || this.disposed) throw err;
      if (this.current) disposeCredential(this.current);
      this.current = undefined;
      return ask();
    }
  }

  /** Run a TGS exchange; a ticket that arrives after dispose() is wiped at once. */
  private async exchange(exchange: TgsExchange): Promise<KdcCredential> {
    try {
      const credential = await runExchange(exchange.kdcRealm, exchange, this.options, this.client.realm);
      if (this.disposed) {
        disposeCredential(credential);
        this.checkOpen();
      }
      return credential;
    } finally {
      exchange.dispose();
    }
  }

  /** Hold a new TGT in place of the old (wiped), unless the store was disposed meanwhile. */
  private async keepTgt(acquiring: Promise<KdcCredential>): Promise<KdcCredential> {
    const tgt = await acquiring;
    if (this.disposed) {
      disposeCredential(tgt);
      this.checkOpen();
    }
    if (this.current) disposeCredential(this.current);
    this.current = tgt;
    return tgt;
  }

  /** Hold `credential` under `key` as the most recently used, wiping the one it replaces. */
  private keepTicket(key: string, credential: KdcCredential): KdcCredential {
    const old = this.tickets.get(key);
    this.touch(key, credential);
    if (old) disposeCredential(old);
    this.evictBeyondBound(key);
    return credential;
  }

  /** Mark the ticket under `key` the most recently used: last in the map's order. */
  private touch(key: string, credential: KdcCredential): KdcCredential {
    this.tickets.delete(key);
    this.tickets.set(key, credential);
    return credential;
  }

  /**
   * Past MAX_TICKETS, drop and wipe the tickets too near their endtime to be handed out, then
   * the least recently used; never `kept`, the one just handed to a caller.
   */
  private evictBeyondBound(kept: string): void {
    const excess = this.tickets.size - MAX_TICKETS;
    if (excess <= 0) return;
    const now = this.env.now();
    const fresh = (c: KdcCredential) => (isFresh(c, now, this.margin) ? 1 : 0);
    const victims = [...this.tickets]
      .filter(([key]) => key !== kept)
      .sort(([, a], [, b]) => fresh(a) - fresh(b)) // stable: least recently used first within each
      .slice(0, excess);
    for (const [key, credential] of victims) {
      this.tickets.delete(key);
      disposeCredential(credential);
    }
  }

  private checkOpen(): void {
    if (this.disposed) throw sspiError('SEC_E_NO_CREDENTIALS', 'The Kerberos credential has been released.');
  }
}

/** A principal's whole text form: the key tickets are kept under (nameOf() is shortened for messages). */
function cacheKey(principal: RealmPrincipal): string {
  return principalToString(principal.name, principal.realm);
}

/** krbtgt/REALM@ISSUER. */
function tgtName(realm: string, issuer: string): RealmPrincipal {
  return { name: { nameType: NameType.SRV_INST, nameString: ['krbtgt', realm] }, realm: issuer };
}

function isTgtOf(credential: KdcCredential, realm: string): boolean {
  const [service, instance, ...rest] = credential.server.name.nameString;
  return service === 'krbtgt' && instance === realm && rest.length === 0 && credential.server.realm === realm;
}
