/**
 * acquireCredentialsHandle's options, checked once and turned into the typed request one backend
 * reads (docs/API.md lists every option). Options fail closed: an unknown key, a value outside
 * the accepted ones, `null` where an option belongs, or an option of the other backend is a
 * TypeError naming the option's path, never a silent default. Code below trusts the request.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type {
  AcquireRequest,
  CredsspSettings,
  DelegationPolicy,
  EmulatedAcquireRequest,
  KerberosSettings,
  NativeAcquireRequest,
  NativeTlsRequest,
  UsersOption,
} from './backend/types';
import type { PackageName } from './constants';
import { invalidArgType, invalidArgValue, sspiError } from './errors';
import { optionalString, requireObject, requireOneOf } from './validate';

export type BackendName = AcquireRequest['backend'];

const PACKAGES: readonly PackageName[] = ['CredSSP', 'Negotiate', 'NTLM', 'Kerberos'];
const USES = ['outbound', 'inbound', 'both'] as const;
const BACKENDS: readonly BackendName[] = ['native', 'emulated'];

/**
 * Validate `opts` and fill in defaults. `defaultBackend` is asked only when `opts.backend` is
 * absent, so an explicit choice never probes for the native binding.
 */
export function acquireRequest(opts: unknown, defaultBackend: () => BackendName): AcquireRequest {
  const o = knownKeys('options', requireObject('options', opts), [
    'package',
    'use',
    'identity',
    'backend',
    'emulated',
    'native',
  ]);
  if (typeof o.package !== 'string') throw invalidArgType('options.package', 'of type string', o.package);
  const wanted = o.package.toLowerCase();
  const pkg = PACKAGES.find((p) => p.toLowerCase() === wanted);
  if (!pkg) {
    throw sspiError(
      'SEC_E_SECPKG_NOT_FOUND',
      `There is no security package named ${JSON.stringify(o.package)}; use CredSSP, Negotiate or NTLM.`,
    );
  }
  const base = {
    package: pkg,
    use: requireOneOf('options.use', o.use, USES),
    ...(o.identity === undefined ? {} : { identity: identityOf(o.identity) }),
  };
  const backend =
    o.backend === undefined ? defaultBackend() : requireOneOf('options.backend', o.backend, BACKENDS);
  const foreign = backend === 'native' ? 'emulated' : 'native';
  if (o[foreign] !== undefined) {
    throw invalidArgValue(
      `options.${foreign}`,
      o[foreign],
      `is read by the ${foreign} backend only, and this credential uses the ${backend} backend` +
        (o.backend === undefined ? ' (the process default; set options.backend to choose)' : ''),
    );
  }
  return backend === 'native' ? nativeRequest(base, o.native) : emulatedRequest(base, o.emulated);
}

type RequestBase = Pick<AcquireRequest, 'package' | 'use' | 'identity'>;

function identityOf(value: unknown): NonNullable<AcquireRequest['identity']> {
  const id = knownKeys('options.identity', requireObject('options.identity', value), [
    'user',
    'domain',
    'password',
  ]);
  if (typeof id.user !== 'string') throw invalidArgType('options.identity.user', 'of type string', id.user);
  const domain = optionalString('options.identity.domain', id.domain);
  if (typeof id.password !== 'string' && !Buffer.isBuffer(id.password)) {
    // Never echo the value: it is meant to be a password.
    throw invalidArgType(
      'options.identity.password',
      'of type string or an instance of Buffer',
      typeof id.password,
    );
  }
  return { user: id.user, ...(domain === undefined ? {} : { domain }), password: id.password };
}

function emulatedRequest(base: RequestBase, value: unknown): EmulatedAcquireRequest {
  const e =
    value === undefined
      ? {}
      : knownKeys('options.emulated', requireObject('options.emulated', value), [
          'users',
          'tls',
          'policy',
          'credssp',
          'kerberos',
        ]);
  const kerberos = kerberosOf(e.kerberos);
  if (kerberos.salt !== undefined) saltNeedsAcceptorIdentity(base);
  return {
    ...base,
    backend: 'emulated',
    users: e.users === undefined ? undefined : usersOf(e.users),
    tls: e.tls === undefined ? undefined : acceptorTlsOf(e.tls),
    policy: policyOf(e.policy),
    credssp: credsspOf(e.credssp),
    kerberos,
  };
}

/**
 * `kerberos.salt` salts the keys an acceptor derives from its identity's password: without an
 * identity, on an outbound-only credential or for NTLM it would salt nothing, so it is refused
 * rather than ignored.
 */
function saltNeedsAcceptorIdentity(base: RequestBase): void {
  const why =
    base.identity === undefined
      ? 'needs options.identity (the service account whose password the keys come from)'
      : base.use === 'outbound'
        ? "is read by an inbound or both credential only, and options.use is 'outbound'"
        : base.package === 'NTLM'
          ? 'is read by Kerberos only, and options.package is NTLM'
          : undefined;
  if (why) throw invalidArgValue('options.emulated.kerberos.salt', 'a salt', why);
}

function nativeRequest(base: RequestBase, value: unknown): NativeAcquireRequest {
  const n =
    value === undefined ? {} : knownKeys('options.native', requireObject('options.native', value), ['tls']);
  return { ...base, backend: 'native', tls: n.tls === undefined ? undefined : nativeTlsOf(n.tls) };
}

/** `emulated.users`: a lookup function, `{ samFile }`, or a record of passwords and NT hashes. */
function usersOf(value: unknown): UsersOption {
  const name = 'options.emulated.users';
  if (typeof value === 'function') return value as UsersOption;
  const record = requireObject(name, value);
  if ('samFile' in record) {
    knownKeys(name, record, ['samFile']);
    if (typeof record.samFile !== 'string') {
      throw invalidArgType(`${name}.samFile`, 'of type string', record.samFile);
    }
    if (record.samFile === '') throw invalidArgValue(`${name}.samFile`, '', 'must name a file');
    return { samFile: record.samFile };
  }
  const users: Record<string, string | { ntHash: Buffer }> = {};
  for (const [key, entry] of Object.entries(record)) {
    const at = `${name}[${JSON.stringify(key)}]`;
    const slash = key.indexOf('\\');
    if (key.slice(slash + 1) === '' || key.indexOf('\\', slash + 1) >= 0) {
      throw invalidArgValue(name, key, "must have keys 'user' or 'DOMAIN\\user' with a user name");
    }
    if (typeof entry === 'string') {
      users[key] = entry;
      continue;
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      // The value may be a password: say its type only.
      throw invalidArgType(at, 'a password string or { ntHash: Buffer }', typeof entry);
    }
    const hash = knownKeys(at, entry as Record<string, unknown>, ['ntHash']).ntHash;
    if (!Buffer.isBuffer(hash)) throw invalidArgType(`${at}.ntHash`, 'an instance of Buffer', typeof hash);
    if (hash.length !== 16) {
      throw invalidArgValue(`${at}.ntHash`, `${hash.length} bytes`, 'must be 16 bytes (an NT hash)');
    }
    users[key] = { ntHash: hash };
  }
  return users;
}

/** `emulated.tls`: a PEM certificate and its private key, checked to belong together. */
function acceptorTlsOf(value: unknown): NonNullable<EmulatedAcquireRequest['tls']> {
  const name = 'options.emulated.tls';
  const tls = knownKeys(name, requireObject(name, value), ['cert', 'key']);
  for (const key of ['cert', 'key'] as const) {
    if (typeof tls[key] !== 'string' && !Buffer.isBuffer(tls[key])) {
      throw invalidArgType(
        `${name}.${key}`,
        'of type string or an instance of Buffer',
        key === 'key' ? typeof tls[key] : tls[key],
      );
    }
  }
  const cert = tls.cert as string | Buffer;
  const key = tls.key as string | Buffer;
  const certificate = certificateOf(`${name}.cert`, cert);
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    // Never echo the value: it is a private key.
    throw invalidArgValue(`${name}.key`, 'the key given', 'must be an unencrypted PEM private key');
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw invalidArgValue(
      `${name}.key`,
      'the key given',
      'must be the private key of options.emulated.tls.cert',
    );
  }
  return { cert, key };
}

function certificateOf(name: string, pem: string | Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw invalidArgValue(
      name,
      typeof pem === 'string' ? pem.slice(0, 40) : 'a Buffer',
      'must be a PEM certificate',
    );
  }
}

const ORACLE = ['force-updated-clients', 'mitigated', 'vulnerable'] as const;

function policyOf(value: unknown): Readonly<Required<DelegationPolicy>> {
  const name = 'options.emulated.policy';
  const p =
    value === undefined
      ? {}
      : knownKeys(name, requireObject(name, value), [
          'allowFreshCredentials',
          'allowFreshCredentialsWhenNTLMOnly',
          'encryptionOracle',
        ]);
  return Object.freeze({
    allowFreshCredentials: spnPatterns(`${name}.allowFreshCredentials`, p.allowFreshCredentials),
    allowFreshCredentialsWhenNTLMOnly: spnPatterns(
      `${name}.allowFreshCredentialsWhenNTLMOnly`,
      p.allowFreshCredentialsWhenNTLMOnly,
    ),
    encryptionOracle:
      p.encryptionOracle === undefined
        ? 'mitigated'
        : requireOneOf(`${name}.encryptionOracle`, p.encryptionOracle, ORACLE),
  });
}

/**
 * The patterns the delegation policies take (their Group Policy help text): '*', or SERVICE/HOST
 * where SERVICE is a service class or '*', and HOST a host name, '*', or '*.dns.suffix'.
 */
const SPN_PATTERN = /^(?:\*|(?:\*|[^\s/*]+)\/(?:\*|\*\.[^\s/*]+|[^\s/*]+))$/;

function spnPatterns(name: string, value: unknown): string[] {
  // The default of both policies: Remote Desktop servers (Windows' own default is none configured).
  if (value === undefined) return Object.freeze(['TERMSRV/*']) as string[];
  if (!Array.isArray(value)) throw invalidArgType(name, 'an array of SPN patterns', value);
  value.forEach((pattern: unknown, i) => {
    if (typeof pattern !== 'string') throw invalidArgType(`${name}[${i}]`, 'of type string', pattern);
    if (!SPN_PATTERN.test(pattern)) {
      throw invalidArgValue(
        `${name}[${i}]`,
        pattern,
        "must be an SPN pattern: '*', or SERVICE/HOST where HOST is a name, '*' or '*.suffix'",
      );
    }
  });
  return Object.freeze([...value]) as string[];
}

function credsspOf(value: unknown): Readonly<CredsspSettings> {
  const name = 'options.emulated.credssp';
  const c =
    value === undefined
      ? {}
      : knownKeys(name, requireObject(name, value), ['inner', 'version', 'tlsMaxVersion', 'keyType', 'ca']);
  return Object.freeze({
    // Raw NTLMSSP by default: what Windows' Negotiate sends when NTLM is its only mechanism
    // (MS-CSSP 2.2.1 lets negoTokens carry either), and all NTLM-only servers such as FreeRDP 2.x take.
    inner: c.inner === undefined ? 'ntlm' : requireOneOf(`${name}.inner`, c.inner, ['ntlm', 'spnego']),
    version: c.version === undefined ? 6 : versionOf(`${name}.version`, c.version),
    tlsMaxVersion:
      c.tlsMaxVersion === undefined
        ? 'TLSv1.3'
        : requireOneOf(`${name}.tlsMaxVersion`, c.tlsMaxVersion, ['TLSv1.2', 'TLSv1.3']),
    keyType: c.keyType === undefined ? 'rsa' : requireOneOf(`${name}.keyType`, c.keyType, ['rsa', 'ecdsa']),
    ca: c.ca === undefined ? undefined : caOf(`${name}.ca`, c.ca),
  });
}

/** 2..6: the TSRequest versions MS-CSSP defines; 6 is what Windows sends. */
function versionOf(name: string, value: unknown): CredsspSettings['version'] {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 2 || value > 6) {
    throw invalidArgValue(name, value, 'must be an integer from 2 to 6');
  }
  return value as CredsspSettings['version'];
}

function caOf(name: string, value: unknown): NonNullable<CredsspSettings['ca']> {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalidArgValue(name, value, 'must hold at least one certificate');
  list.forEach((pem: unknown, i) => {
    const at = Array.isArray(value) ? `${name}[${i}]` : name;
    if (typeof pem !== 'string' && !Buffer.isBuffer(pem)) {
      throw invalidArgType(at, 'of type string or an instance of Buffer', pem);
    }
    certificateOf(at, pem);
  });
  return Array.isArray(value)
    ? (Object.freeze([...value]) as Array<string | Buffer>)
    : (value as string | Buffer);
}

/** A KDC address as the kdc option and krb5.conf take it: [tcp/|udp/]host[:port], host a name, IPv4 or [IPv6]. */
const KDC_ADDRESS = /^(?:(?:tcp|udp)\/)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

function kerberosOf(value: unknown): Readonly<KerberosSettings> {
  const name = 'options.emulated.kerberos';
  const k =
    value === undefined
      ? {}
      : knownKeys(name, requireObject(name, value), [
          'kdc',
          'keytab',
          'ccache',
          'allowRc4',
          'clockSkew',
          'salt',
          'delegation',
        ]);
  for (const key of ['keytab', 'ccache'] as const) {
    const v = k[key];
    if (v !== undefined && typeof v !== 'string' && !Buffer.isBuffer(v)) {
      throw invalidArgType(`${name}.${key}`, 'of type string or an instance of Buffer', v);
    }
    if (v === '' || (Buffer.isBuffer(v) && v.length === 0)) {
      throw invalidArgValue(`${name}.${key}`, v, 'must name a file or hold its bytes');
    }
  }
  if (k.allowRc4 !== undefined && typeof k.allowRc4 !== 'boolean') {
    throw invalidArgType(`${name}.allowRc4`, 'of type boolean', k.allowRc4);
  }
  let clockSkewMs = 300_000;
  if (k.clockSkew !== undefined) {
    if (typeof k.clockSkew !== 'number')
      throw invalidArgType(`${name}.clockSkew`, 'of type number', k.clockSkew);
    if (!Number.isInteger(k.clockSkew) || k.clockSkew < 0 || k.clockSkew > 86_400) {
      throw invalidArgValue(
        `${name}.clockSkew`,
        k.clockSkew,
        'must be a whole number of seconds from 0 to 86400',
      );
    }
    clockSkewMs = k.clockSkew * 1000;
  }
  if (k.salt !== undefined && typeof k.salt !== 'string')
    throw invalidArgType(`${name}.salt`, 'of type string', k.salt);
  if (k.salt === '') throw invalidArgValue(`${name}.salt`, k.salt, 'must be a salt, not empty');
  return Object.freeze({
    kdc: kdcListsOf(`${name}.kdc`, k.kdc),
    keytab: k.keytab as string | Buffer | undefined,
    ccache: k.ccache as string | Buffer | undefined,
    allowRc4: k.allowRc4 === true,
    clockSkewMs,
    salt: k.salt as string | undefined,
    delegation:
      k.delegation === undefined
        ? 'policy'
        : requireOneOf(`${name}.delegation`, k.delegation, ['policy', 'always'] as const),
  });
}

/** `kerberos.kdc`: one address or a list for every realm ('*'), or a record realm → address(es). */
function kdcListsOf(name: string, value: unknown): ReadonlyMap<string, readonly string[]> {
  const lists = new Map<string, readonly string[]>();
  if (value === undefined) return lists;
  const addresses = (at: string, v: unknown): readonly string[] => {
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) throw invalidArgValue(at, v, 'must hold at least one KDC address');
    list.forEach((address: unknown, i) => {
      const where = Array.isArray(v) ? `${at}[${i}]` : at;
      if (typeof address !== 'string') throw invalidArgType(where, 'of type string', address);
      if (!KDC_ADDRESS.test(address)) {
        throw invalidArgValue(where, address, "must be 'host', 'host:port' or 'tcp/host:port'");
      }
    });
    return Object.freeze([...(list as string[])]);
  };
  if (typeof value === 'string' || Array.isArray(value)) {
    lists.set('*', addresses(name, value));
    return lists;
  }
  for (const [realm, v] of Object.entries(requireObject(name, value))) {
    if (realm === '' || /[\s/@]/.test(realm))
      throw invalidArgValue(name, realm, 'must have realm names as keys');
    lists.set(realm.toUpperCase(), addresses(`${name}[${JSON.stringify(realm)}]`, v));
  }
  return lists;
}

function nativeTlsOf(value: unknown): NativeTlsRequest {
  const name = 'options.native.tls';
  const tls = requireObject(name, value);
  if ('pfx' in tls) {
    knownKeys(name, tls, ['pfx', 'password']);
    if (!Buffer.isBuffer(tls.pfx)) throw invalidArgType(`${name}.pfx`, 'an instance of Buffer', tls.pfx);
    if (tls.password !== undefined && typeof tls.password !== 'string' && !Buffer.isBuffer(tls.password)) {
      throw invalidArgType(
        `${name}.password`,
        'of type string or an instance of Buffer',
        typeof tls.password,
      );
    }
    return { kind: 'pfx', pfx: tls.pfx, password: tls.password as string | Buffer | undefined };
  }
  knownKeys(name, tls, ['store', 'location', 'thumbprint']);
  if (typeof tls.thumbprint !== 'string') {
    throw invalidArgType(`${name}.thumbprint`, 'of type string', tls.thumbprint);
  }
  if (!/^[0-9a-fA-F]{40}$/.test(tls.thumbprint)) {
    throw invalidArgValue(`${name}.thumbprint`, tls.thumbprint, 'must be 40 hex digits (a SHA-1 thumbprint)');
  }
  const store = tls.store === undefined ? 'MY' : optionalString(`${name}.store`, tls.store)!;
  if (store === '') throw invalidArgValue(`${name}.store`, store, 'must name a certificate store');
  const location =
    tls.location === undefined
      ? 'CurrentUser'
      : requireOneOf(`${name}.location`, tls.location, ['CurrentUser', 'LocalMachine']);
  return { kind: 'store', store, location, thumbprint: tls.thumbprint.toUpperCase() };
}

/** Fail closed: a key we do not read is a typo or an option of another version, never ignored. */
function knownKeys(
  name: string,
  value: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw invalidArgValue(
        `${name}.${key}`,
        value[key] === undefined ? undefined : typeof value[key],
        `is not an option; ${name} takes ${keys.map((k) => `'${k}'`).join(', ')}`,
      );
    }
  }
  return value;
}
