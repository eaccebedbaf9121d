/**
 * Where a credential's TGT comes from: a user with a password or keytab keys (the AS exchange
 * gets it), or a ccache a kinit wrote (its TGT and tickets used as they are: single sign-on).
 */
import { sspiError } from '../../errors';
import { copySecret, type SecretBuffer } from '../../secret';
import type { Krb5Config } from '../kdc/krb5-conf';
import type { ClientSecret } from '../mechanisms/kerberos/kdc-exchange/client-keys';
import { nameOf, type KdcCredential } from '../mechanisms/kerberos/kdc-exchange/credential';
import { principalTextParts, type RealmPrincipal } from '../mechanisms/kerberos/kdc-exchange/spn';
import type { Ccache } from '../mechanisms/kerberos/files/ccache';
import { keysFor, type KeytabEntry } from '../mechanisms/kerberos/files/keytab';
import { NameType } from '../mechanisms/kerberos/messages/constants';
import { parseTicket } from '../mechanisms/kerberos/messages/ticket';
import type { EncryptionKey } from '../mechanisms/kerberos/messages/types';

/**
 * A user ('alice', 'host/x'; in `realm`, else the name's own '@REALM', else krb5.conf's
 * default_realm) and its password (UTF-8 in secret memory), its keys (one per etype), or a
 * keytab's entries (the user's newest key of each etype is taken, as MIT's kt_file.c chooses).
 */
export type SecretSource =
  | { user: string; realm: string; password: SecretBuffer }
  | { user: string; realm: string; keys: readonly EncryptionKey[] }
  | { user: string; realm: string; keytab: readonly KeytabEntry[] };

/** Where a ticket store's TGT comes from. Secrets are copied in: the caller keeps and wipes its own. */
export type TicketSource = SecretSource | { ccache: Ccache };

/** The client principal (NT-PRINCIPAL) of a user name. */
export function clientOf(user: string, realm: string, config: Krb5Config | undefined): RealmPrincipal {
  const parsed = principalTextParts(user);
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

/** The password or keys of `source` for `client`, borrowed; SEC_E_NO_CREDENTIALS for a keytab without its keys. */
export function secretOf(source: SecretSource, client: RealmPrincipal): ClientSecret {
  if ('password' in source) return { password: source.password };
  if ('keys' in source) return { keys: source.keys };
  const keys = keysFor(source.keytab, client.name, client.realm).map((entry) => entry.key);
  if (keys.length === 0)
    throw sspiError('SEC_E_NO_CREDENTIALS', `The keytab holds no key for ${nameOf(client)}.`);
  return { keys };
}

/**
 * The ccache's tickets for its default principal as credentials, their session keys copied into
 * memory of the store's own. User-to-user tickets (is_skey, a second ticket) are left out: they
 * are bound to another ticket we do not track. A ticket that does not parse is SEC_E_INVALID_TOKEN,
 * as parseTicket says: the file is corrupt.
 */
export function credentialsOfCcache(ccache: Ccache): KdcCredential[] {
  const client = ccache.defaultPrincipal;
  return ccache.credentials
    .filter((c) => !c.isSkey && c.secondTicket.length === 0 && sameClient(c.client, client))
    .map((c) => ({
      client: c.client,
      server: c.server,
      ticket: parseTicket(c.ticket),
      key: { keyType: c.key.keyType, keyValue: copySecret(c.key.keyValue) },
      flags: c.ticketFlags,
      authtime: c.authtime,
      starttime: c.starttime,
      endtime: c.endtime,
      renewTill: c.renewTill,
    }));
}

function sameClient(a: RealmPrincipal, b: RealmPrincipal): boolean {
  const [x, y] = [a.name.nameString, b.name.nameString];
  return a.realm === b.realm && x.length === y.length && x.every((component, i) => component === y[i]);
}
