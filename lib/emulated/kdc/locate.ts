/**
 * Where a realm's KDCs are (RFC 4120 7.2.3), in the order MIT looks: the caller's own list, then
 * krb5.conf's `[realms]` kdc entries, then DNS SRV records (_kerberos._udp / _kerberos._tcp,
 * RFC 2782 order) when dns_lookup_kdc allows. At most MAX_KDCS addresses are kept: a zone that
 * publishes hundreds of records does not make us try hundreds of servers.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { sspiError } from '../../errors';
import type { Krb5Config } from './krb5-conf';

export const KERBEROS_PORT = 88;
export const MAX_KDCS = 16;

/** One KDC, and the transports it may be reached over. */
export interface KdcAddress {
  host: string;
  port: number;
  /** 'any': UDP or TCP, as the request's size decides; from an SRV record or a tcp/ udp/ prefix, just one. */
  transport: 'any' | 'udp' | 'tcp';
}

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface LocateOptions {
  /** The caller's KDCs for this realm ("host", "host:port", "[v6]:port", "tcp/host:port"). */
  configured?: readonly string[];
  config?: Krb5Config;
  /** DNS SRV lookup; node:dns by default (tests pass their own). */
  resolveSrv?: (name: string) => Promise<SrvRecord[]>;
}

/** The realm's KDCs, best first; SEC_E_NO_AUTHENTICATING_AUTHORITY when none is known. */
export async function locateKdcs(realm: string, options: LocateOptions = {}): Promise<KdcAddress[]> {
  const listed = options.configured?.length ? options.configured : (options.config?.kdcsOf(realm) ?? []);
  if (listed.length > 0) return listed.slice(0, MAX_KDCS).map(parseKdcAddress);
  if (options.config?.dnsLookupKdc ?? true) {
    const found = await fromSrv(realm, options.resolveSrv ?? ((name) => dns.resolveSrv(name)));
    if (found.length > 0) return found;
  }
  throw sspiError(
    'SEC_E_NO_AUTHENTICATING_AUTHORITY',
    `No KDC is known for the realm ${realm}: pass one in the kdc option, list it in krb5.conf ` +
      `([realms] ${realm} = { kdc = host }), or publish _kerberos._tcp.${realm} in DNS.`,
  );
}

/** "host", "host:port", "[v6]:port", a bare IPv6 address, each optionally after "tcp/" or "udp/". */
export function parseKdcAddress(entry: string): KdcAddress {
  let rest = entry.trim();
  let transport: KdcAddress['transport'] = 'any';
  const prefix = /^(tcp|udp)\//i.exec(rest);
  if (prefix) {
    transport = prefix[1].toLowerCase() as 'tcp' | 'udp';
    rest = rest.slice(prefix[0].length);
  }
  let host = rest;
  let port = KERBEROS_PORT;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) {
    host = bracketed[1];
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else if (isIP(rest) !== 6) {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      host = rest.slice(0, colon);
      port = /^\d+$/.test(rest.slice(colon + 1)) ? Number(rest.slice(colon + 1)) : NaN;
    }
  }
  if (host === '' || /[\s/]/.test(host) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw sspiError(
      'SEC_E_NO_AUTHENTICATING_AUTHORITY',
      `The KDC address ${JSON.stringify(entry.slice(0, 80))} is not host, host:port or [IPv6]:port.`,
    );
  }
  return { host, port, transport };
}

async function fromSrv(
  realm: string,
  resolve: (name: string) => Promise<SrvRecord[]>,
): Promise<KdcAddress[]> {
  const lookups = (['udp', 'tcp'] as const).map(async (transport) => {
    try {
      return ordered(await resolve(`_kerberos._${transport}.${realm}`)).map((r) => ({
        host: r.name,
        port: r.port,
        transport,
      }));
    } catch {
      // No such record (ENOTFOUND, ENODATA) or no DNS: the other transport, or nothing.
      return [];
    }
  });
  const [udp, tcp] = await Promise.all(lookups);
  // "." as the target means the service is decidedly not offered there (RFC 2782).
  return [...udp, ...tcp].filter((k) => k.host !== '' && k.host !== '.').slice(0, MAX_KDCS);
}

/** RFC 2782: lowest priority first; within one, heavier weights first (a stable, not random, order). */
function ordered(records: SrvRecord[]): SrvRecord[] {
  return records.slice(0, 4 * MAX_KDCS).sort((a, b) => a.priority - b.priority || b.weight - a.weight);
}
