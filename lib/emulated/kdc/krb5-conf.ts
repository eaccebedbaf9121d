/**
 * MIT's profile format (krb5.conf(5)), read for what locating a KDC needs: `[libdefaults]`
 * default_realm, udp_preference_limit and dns_lookup_kdc, `[realms]` kdc entries and
 * `[domain_realm]`. The files are KRB5_CONFIG's colon-separated list, else /etc/krb5.conf; a file
 * that does not exist is skipped, as MIT does.
 *
 * The files are the machine's, not a peer's, but they are still bounded: a file is read up to
 * MAX_FILE_BYTES, `include`/`includedir` nest at most MAX_INCLUDE_DEPTH deep and read at most
 * MAX_FILES files, so a loop of includes ends with a clear error instead of a hang. A file that
 * cannot be read or parsed is SEC_E_NO_AUTHENTICATING_AUTHORITY: without it no KDC can be found.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SspiError, sspiError } from '../../errors';

/** A section or subsection: each tag's values in file order (a string, or a nested section). */
export type ProfileSection = Map<string, Array<string | ProfileSection>>;
/** The whole profile: top-level sections by name. */
export type Profile = Map<string, ProfileSection>;

export const MAX_FILE_BYTES = 1 << 20;
export const MAX_INCLUDE_DEPTH = 5;
export const MAX_FILES = 64;

/** RFC 4120 7.2.1 and MIT's default: larger requests go over TCP first. */
export const DEFAULT_UDP_PREFERENCE_LIMIT = 1465;

/** What KDC location reads from krb5.conf. */
export interface Krb5Config {
  /** libdefaults default_realm. */
  defaultRealm: string | undefined;
  /** libdefaults udp_preference_limit: requests larger than this try TCP first (1 = TCP only). */
  udpPreferenceLimit: number;
  /** libdefaults dns_lookup_kdc (MIT's default: true). */
  dnsLookupKdc: boolean;
  /** The `kdc` entries of `[realms] REALM = { ... }`, as written ("host", "host:port", "tcp/host"). */
  kdcsOf(realm: string): string[];
  /** `[domain_realm]`: the realm of a host name (".example.com" matches every host below it). */
  realmOfHost(host: string): string | undefined;
}

/** Parse one file's text into `into`; `include`/`includedir` lines read further files through `read`. */
export function parseProfile(
  text: string,
  into: Profile = new Map(),
  read: IncludeReader = noIncludes,
): Profile {
  const stack: ProfileSection[] = [];
  let section: ProfileSection | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const directive = /^(include|includedir)\s+(.+)$/.exec(line);
    if (directive && !/=/.test(line)) {
      read(directive[1] as 'include' | 'includedir', directive[2].trim(), into);
      continue;
    }
    const header = /^\[([^\]]+)\]\s*\*?$/.exec(line);
    if (header) {
      if (stack.length > 0) throw badProfile(i, 'a section header inside an open { }');
      const name = header[1].trim();
      section = into.get(name) ?? new Map();
      into.set(name, section);
      continue;
    }
    if (!section) throw badProfile(i, 'a relation before any [section]');
    const current = stack.length > 0 ? stack[stack.length - 1] : section;
    if (/^}\s*\*?$/.test(line)) {
      if (stack.length === 0) throw badProfile(i, 'a } without its {');
      stack.pop();
      continue;
    }
    const relation = /^([^=\s]+)\s*\*?\s*=\s*(.*)$/.exec(line);
    if (!relation) throw badProfile(i, 'a line that is neither a relation, a section nor a comment');
    const [, tag, rawValue] = relation;
    if (rawValue === '{') {
      const child: ProfileSection = new Map();
      append(current, tag, child);
      stack.push(child);
    } else {
      append(current, tag, unquote(rawValue.trim()));
    }
  }
  if (stack.length > 0) throw badProfile(lines.length - 1, 'a { that is never closed');
  return into;
}

export type IncludeReader = (kind: 'include' | 'includedir', path: string, into: Profile) => void;

const noIncludes: IncludeReader = (kind) => {
  throw configError(`an ${kind} line where no files may be read`);
};

/** Read KRB5_CONFIG (or /etc/krb5.conf) with its includes. */
export function loadKrb5Config(env: NodeJS.ProcessEnv = process.env): Krb5Config {
  const paths = (env.KRB5_CONFIG ?? '/etc/krb5.conf').split(':').filter((p) => p !== '');
  const profile: Profile = new Map();
  let files = 0;
  const readFile = (path: string, depth: number, mustExist: boolean): void => {
    let text: string;
    try {
      if (statSync(path).size > MAX_FILE_BYTES)
        throw configError(`${path} is larger than ${MAX_FILE_BYTES} bytes`);
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if (err instanceof SspiError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (!mustExist && code === 'ENOENT') return;
      throw configError(`${path}: ${code ?? (err as Error).message}`);
    }
    if (++files > MAX_FILES) throw configError(`more than ${MAX_FILES} files are included`);
    parseProfile(text, profile, (kind, target) => {
      if (depth >= MAX_INCLUDE_DEPTH)
        throw configError(`includes nest deeper than ${MAX_INCLUDE_DEPTH} (a loop?)`);
      if (kind === 'include') return readFile(target, depth + 1, true);
      // MIT reads the names made of letters, digits, '-' and '_', or ending in .conf, in order.
      let entries: string[];
      try {
        entries = readdirSync(target);
      } catch (err) {
        throw configError(
          `includedir ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        );
      }
      const names = entries.filter((n) => /^[A-Za-z0-9_-]+$/.test(n) || /\.conf$/.test(n)).sort();
      for (const name of names) readFile(join(target, name), depth + 1, true);
    });
  };
  for (const path of paths) readFile(path, 0, false);
  return configOf(profile);
}

/** The figures KDC location needs, from a parsed profile. */
export function configOf(profile: Profile): Krb5Config {
  const libdefaults = profile.get('libdefaults');
  const first = (tag: string) => {
    const value = libdefaults?.get(tag)?.[0];
    return typeof value === 'string' ? value : undefined;
  };
  const limit = Number.parseInt(first('udp_preference_limit') ?? '', 10);
  const dns = first('dns_lookup_kdc') ?? first('dns_fallback');
  const realms = profile.get('realms');
  const domainRealm = profile.get('domain_realm');
  return {
    defaultRealm: first('default_realm'),
    udpPreferenceLimit: Number.isFinite(limit) && limit > 0 ? limit : DEFAULT_UDP_PREFERENCE_LIMIT,
    dnsLookupKdc: dns === undefined ? true : /^(1|true|yes|on)$/i.test(dns),
    kdcsOf(realm) {
      const out: string[] = [];
      for (const entry of realms?.get(realm) ?? []) {
        if (typeof entry === 'string') continue;
        for (const kdc of entry.get('kdc') ?? []) if (typeof kdc === 'string') out.push(kdc);
      }
      return out;
    },
    realmOfHost(host) {
      if (!domainRealm) return undefined;
      const name = host.toLowerCase();
      const exact = domainRealm.get(name)?.[0];
      if (typeof exact === 'string') return exact;
      // The longest ".domain" that ends the host name wins.
      for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
        const value = domainRealm.get(name.slice(dot))?.[0];
        if (typeof value === 'string') return value;
      }
      return undefined;
    },
  };
}

function append(section: ProfileSection, tag: string, value: string | ProfileSection): void {
  const values = section.get(tag);
  if (values) values.push(value);
  else section.set(tag, [value]);
}

/** A double-quoted value takes \n, \t, \b and \\ escapes (krb5.conf(5)); others are verbatim. */
function unquote(value: string): string {
  if (!(value.length >= 2 && value.startsWith('"') && value.endsWith('"'))) return value;
  const escapes: Record<string, string> = { n: '\n', t: '\t', b: '\b', '\\': '\\', '"': '"' };
  return value.slice(1, -1).replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
}

function badProfile(line: number, what: string): SspiError {
  return configError(`line ${line + 1} has ${what}`);
}

function configError(what: string): SspiError {
  return sspiError(
    'SEC_E_NO_AUTHENTICATING_AUTHORITY',
    `The Kerberos configuration (krb5.conf) cannot be read: ${what}.`,
  );
}
