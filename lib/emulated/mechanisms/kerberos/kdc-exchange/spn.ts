/**
 * Principal names from text: a user ('alice', 'alice@REALM', 'host/x@REALM') and a target name
 * as callers of InitializeSecurityContext give it, turned into the service principal a TGS-REQ
 * asks for (RFC 4120 6.2; RFC 2743 4.1 for the host-based form).
 *
 * A target name is either
 * - a Kerberos principal in the syntax MIT and Windows share, components split by '/', an
 *   optional '@REALM' last, '\' escaping '/', '@' and '\' (krb5_parse_name, principal.ts):
 *   'TERMSRV/host', 'HTTP/host.example.com@EXAMPLE.COM', 'MSSQLSvc/db.example.com:1433'; or
 * - a GSS host-based service name 'service@host' (GSS_C_NT_HOSTBASED_SERVICE), which names
 *   service/host in the host's realm: 'HTTP@host.example.com'.
 * A port stays inside the host component ('TERMSRV/host:3389' asks for ['TERMSRV', 'host:3389']),
 * as Windows registers such SPNs and MIT's krb5_sname_to_principal builds them; the realm is
 * looked up for the host without it. The realm is the explicit '@REALM', else krb5.conf's
 * [domain_realm] mapping of the host, else the client's own realm (where MIT's KDC, and AD's,
 * find the service or refer us on).
 */
import { sspiError } from '../../../../errors';
import type { Krb5Config } from '../../../kdc/krb5-conf';
import { NameType } from '../messages/constants';
import { parsePrincipalText } from '../messages/principal';
import type { PrincipalName } from '../messages/types';

/** Longest target or user name taken; far above any real SPN (AD allows 1024 characters). */
export const MAX_NAME_LENGTH = 1024;
/** Most components a name may have; SPNs have two or three. */
export const MAX_COMPONENTS = 8;

/** A principal with its realm, as a KDC exchange names a client or a service. */
export interface RealmPrincipal {
  name: PrincipalName;
  realm: string;
}

/** A principal parsed from text: its components and the realm it named, if any. */
export interface PrincipalText {
  components: string[];
  realm: string | undefined;
}

/**
 * The components of `text` and the realm it names, if any, read as MIT's krb5_parse_name does
 * (messages/principal.ts). Undefined when the text is not a principal: malformed, longer than
 * MAX_NAME_LENGTH, with an empty component or more than MAX_COMPONENTS.
 */
export function principalTextParts(text: string): PrincipalText | undefined {
  if (text.length === 0 || text.length > MAX_NAME_LENGTH) return undefined;
  const explicitRealm = firstUnescaped(text, '@') >= 0;
  let parsed: { name: PrincipalName; realm: string };
  try {
    // Without an '@REALM' the realm is chosen later; the placeholder only keeps the parser going.
    parsed = parsePrincipalText(text, { defaultRealm: explicitRealm ? undefined : '-' });
  } catch (err) {
    if (err instanceof TypeError) return undefined;
    throw err;
  }
  const components = parsed.name.nameString;
  if (components.length > MAX_COMPONENTS || components.some((part) => part === '')) return undefined;
  return { components, realm: explicitRealm ? parsed.realm : undefined };
}

/** What choosing a service's realm needs: the client's realm and, if loaded, krb5.conf. */
export interface RealmHints {
  clientRealm: string;
  config?: Pick<Krb5Config, 'realmOfHost'>;
}

/**
 * The service principal `targetName` names (see the file comment for the forms); an unusable
 * name is SEC_E_TARGET_UNKNOWN, as Windows reports a target it cannot make an SPN of.
 */
export function servicePrincipalOf(targetName: string, hints: RealmHints): RealmPrincipal {
  const slash = firstUnescaped(targetName, '/');
  const at = firstUnescaped(targetName, '@');
  if (slash >= 0 && (at < 0 || slash < at)) {
    const parsed = principalTextParts(targetName);
    if (!parsed) throw badTarget(targetName, 'it is not service/host[@REALM]');
    const host = parsed.components[1];
    return {
      name: { nameType: NameType.SRV_INST, nameString: parsed.components },
      realm: parsed.realm ?? realmOfHost(host, hints),
    };
  }
  // GSS host-based: 'service@host' (RFC 2743 4.1), the host lower-cased as MIT does.
  if (at <= 0 || targetName.length > MAX_NAME_LENGTH)
    throw badTarget(targetName, 'it is neither service/host nor service@host');
  const service = targetName.slice(0, at);
  const host = targetName.slice(at + 1).toLowerCase();
  if (host === '' || /[/@\\]/.test(host) || /[\\]/.test(service))
    throw badTarget(targetName, 'service@host takes one service and one host name');
  return {
    name: { nameType: NameType.SRV_HST, nameString: [service, host] },
    realm: realmOfHost(host, hints),
  };
}

/** krb5.conf's realm for the host (its port dropped), else the client's realm. */
function realmOfHost(host: string, hints: RealmHints): string {
  const bare = /^(.*[^:]):\d+$/.exec(host)?.[1] ?? host;
  return hints.config?.realmOfHost(bare) ?? hints.clientRealm;
}

function firstUnescaped(text: string, wanted: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === wanted) return i;
  }
  return -1;
}

function badTarget(targetName: string, why: string) {
  return sspiError(
    'SEC_E_TARGET_UNKNOWN',
    `The target name ${JSON.stringify(targetName.slice(0, 80))} names no Kerberos service: ${why}.`,
  );
}
