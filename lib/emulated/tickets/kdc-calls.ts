/**
 * Running a sans-IO KDC exchange (mechanisms/kerberos/kdc-exchange) over the network: each
 * request through kdc/client.ts's sendToKdc to the realm's KDCs, a UDP reply of
 * KRB_ERR_RESPONSE_TOO_BIG sending it again over TCP (RFC 4120 7.2.1), until the exchange yields
 * its ticket.
 */
import { sspiError } from '../../errors';
import { sendToKdc, type SendOptions } from '../kdc/client';
import type { Krb5Config } from '../kdc/krb5-conf';
import { AsExchange, type KdcStep } from '../mechanisms/kerberos/kdc-exchange/as-exchange';
import type { ClientSecret } from '../mechanisms/kerberos/kdc-exchange/client-keys';
import type { KdcCredential } from '../mechanisms/kerberos/kdc-exchange/credential';
import { isResponseTooBig } from '../mechanisms/kerberos/kdc-exchange/kdc-reply';
import type { ExchangeEnvironment } from '../mechanisms/kerberos/kdc-exchange/request-parts';
import type { RealmPrincipal } from '../mechanisms/kerberos/kdc-exchange/spn';
import { clientOf, secretOf, type SecretSource } from './ticket-sources';

/** How to reach a realm's KDCs, and what to ask them for. */
export interface KdcCallOptions extends ExchangeEnvironment {
  /**
   * The caller's KDCs ('host:port', 'tcp/host:port') for the client's own realm, before krb5.conf
   * and DNS; other realms' (a cross-realm service's) are found through krb5.conf and DNS.
   */
  kdc?: readonly string[];
  config?: Krb5Config;
  /** KDCOptions of the AS-REQ (as-exchange's DEFAULT_AS_OPTIONS when not given). */
  kdcOptions?: number;
  allowRc4?: boolean;
  /** Each request's deadline over every KDC and transport (ms; sendToKdc's default when not given). */
  deadlineMs?: number;
  /** sendToKdc, unless a test sends elsewhere. */
  send?: (realm: string, request: Buffer, options: SendOptions) => Promise<Buffer>;
}

/** A TGT through the AS exchange, over the network; the caller disposes it. */
export async function acquireTgt(source: SecretSource, options: KdcCallOptions = {}): Promise<KdcCredential> {
  const client = clientOf(source.user, source.realm, options.config);
  return asExchange(client, secretOf(source, client), options);
}

/** The AS exchange for `client`, its secret borrowed. */
export async function asExchange(
  client: RealmPrincipal,
  secret: ClientSecret,
  options: KdcCallOptions,
): Promise<KdcCredential> {
  const exchange = new AsExchange({ ...options, client, secret });
  try {
    return await runExchange(client.realm, exchange, options, client.realm);
  } finally {
    exchange.dispose();
  }
}

/** Drive one exchange to its end with `realm`'s KDCs (`options.kdc` when it is `homeRealm`). */
export async function runExchange(
  realm: string,
  exchange: { start(): Buffer; receive(reply: Buffer): KdcStep },
  options: KdcCallOptions,
  homeRealm: string,
): Promise<KdcCredential> {
  const send = options.send ?? sendToKdc;
  const sendOptions: SendOptions = {
    configured: realm.toUpperCase() === homeRealm.toUpperCase() ? options.kdc : undefined,
    config: options.config,
    deadlineMs: options.deadlineMs,
    wantsTcp: isResponseTooBig,
  };
  let request = exchange.start();
  // An AS exchange takes two round trips, a TGS one; the bound keeps a confused peer from looping.
  for (let round = 0; round < 3; round++) {
    const step = exchange.receive(await send(realm, request, sendOptions));
    if (step.credential) return step.credential;
    request = step.request;
  }
  throw sspiError('SEC_E_INTERNAL_ERROR', `The Kerberos exchange with ${realm} did not end.`);
}
