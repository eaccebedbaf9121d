/** krb5.conf as MIT writes and reads it (krb5.conf(5)), and KDC addresses in every spelling it allows. */
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configOf, loadKrb5Config, parseProfile } from '../../lib/emulated/kdc/krb5-conf';
import { locateKdcs, parseKdcAddress } from '../../lib/emulated/kdc/locate';

const SAMPLE = `
# a comment
; another
[libdefaults]
    default_realm = TEST.LOCAL
    udp_preference_limit = 1
    dns_lookup_kdc = false

[realms]
    TEST.LOCAL = {
        kdc = kdc1.test.local:750
        kdc = tcp/[::1]:8888
        admin_server = kdc1.test.local
        auth_to_local = {
            nested = "a value"
        }
    }
    OTHER.REALM = {
        kdc = "other.example"
    }

[domain_realm]
    .test.local = TEST.LOCAL
    host.example = OTHER.REALM
`;

it('reads default_realm, udp_preference_limit, dns_lookup_kdc, kdc lists and domain_realm', () => {
  const config = configOf(parseProfile(SAMPLE));
  expect(config.defaultRealm).toBe('TEST.LOCAL');
  expect(config.udpPreferenceLimit).toBe(1);
  expect(config.dnsLookupKdc).toBe(false);
  expect(config.kdcsOf('TEST.LOCAL')).toEqual(['kdc1.test.local:750', 'tcp/[::1]:8888']);
  expect(config.kdcsOf('OTHER.REALM')).toEqual(['other.example']);
  expect(config.kdcsOf('NONE')).toEqual([]);
  expect(config.realmOfHost('WEB.Test.Local')).toBe('TEST.LOCAL');
  expect(config.realmOfHost('a.b.test.local')).toBe('TEST.LOCAL');
  expect(config.realmOfHost('host.example')).toBe('OTHER.REALM');
  expect(config.realmOfHost('elsewhere.example')).toBeUndefined();
});

it('gives MIT’s defaults when libdefaults says nothing', () => {
  const config = configOf(parseProfile('[realms]\n'));
  expect(config.defaultRealm).toBeUndefined();
  expect(config.udpPreferenceLimit).toBe(1465);
  expect(config.dnsLookupKdc).toBe(true);
});

it.each([
  ['a relation before any section', 'kdc = x\n'],
  ['an unclosed brace', '[realms]\nR = {\n kdc = x\n'],
  ['a stray brace', '[realms]\n}\n'],
  ['a line that means nothing', '[realms]\njust words\n'],
  ['an include where none may be read', 'include /etc/passwd\n'],
])('refuses %s with SEC_E_NO_AUTHENTICATING_AUTHORITY', (_, text) => {
  expect(() => parseProfile(text)).toThrow(
    expect.objectContaining({ code: 'SEC_E_NO_AUTHENTICATING_AUTHORITY' }),
  );
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'krb5conf-'));

  it('reads KRB5_CONFIG’s list in order, skips a missing file, follows include and includedir', () => {
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'realm'), '[realms]\nB.REALM = {\n kdc = b:88\n}\n');
    writeFileSync(join(dir, 'd', 'ignored.txt'), 'not read: the name has a dot and no .conf\n');
    writeFileSync(
      join(dir, 'inc.conf'),
      `[libdefaults]\ndefault_realm = A.REALM\nincludedir ${join(dir, 'd')}\n`,
    );
    writeFileSync(
      join(dir, 'main.conf'),
      `include ${join(dir, 'inc.conf')}\n[realms]\nA.REALM = {\n kdc = a\n}\n`,
    );
    const config = loadKrb5Config({ KRB5_CONFIG: `${join(dir, 'missing.conf')}:${join(dir, 'main.conf')}` });
    expect(config.defaultRealm).toBe('A.REALM');
    expect(config.kdcsOf('A.REALM')).toEqual(['a']);
    expect(config.kdcsOf('B.REALM')).toEqual(['b:88']);
  });

  it('ends an include loop with a clear error instead of recursing forever', () => {
    writeFileSync(join(dir, 'loop.conf'), `include ${join(dir, 'loop.conf')}\n`);
    expect(() => loadKrb5Config({ KRB5_CONFIG: join(dir, 'loop.conf') })).toThrow(
      expect.objectContaining({
        code: 'SEC_E_NO_AUTHENTICATING_AUTHORITY',
        message: expect.stringMatching(/nest deeper/),
      }),
    );
  });

  it('refuses an include of a file that does not exist', () => {
    writeFileSync(join(dir, 'bad.conf'), `include ${join(dir, 'nope.conf')}\n`);
    expect(() => loadKrb5Config({ KRB5_CONFIG: join(dir, 'bad.conf') })).toThrow(/nope\.conf: ENOENT/);
  });
});

describe('KDC addresses', () => {
  it.each([
    ['kdc.example', { host: 'kdc.example', port: 88, transport: 'any' }],
    ['kdc.example:750', { host: 'kdc.example', port: 750, transport: 'any' }],
    ['tcp/kdc.example', { host: 'kdc.example', port: 88, transport: 'tcp' }],
    ['UDP/10.0.0.1:89', { host: '10.0.0.1', port: 89, transport: 'udp' }],
    ['[::1]:8888', { host: '::1', port: 8888, transport: 'any' }],
    ['::1', { host: '::1', port: 88, transport: 'any' }],
  ])('%s', (entry, expected) => {
    expect(parseKdcAddress(entry)).toEqual(expected);
  });

  it.each(['', 'host:', 'host:0', 'host:70000', 'host:port', 'a b:88', '[::1]:x'])('refuses %j', (entry) => {
    expect(() => parseKdcAddress(entry)).toThrow(
      expect.objectContaining({ code: 'SEC_E_NO_AUTHENTICATING_AUTHORITY' }),
    );
  });

  it('prefers the caller’s list, then krb5.conf, then DNS SRV in RFC 2782 order', async () => {
    const config = configOf(parseProfile(SAMPLE));
    const resolveSrv = jest.fn(async (name: string) =>
      name.startsWith('_kerberos._udp.')
        ? [
            { name: 'late', port: 88, priority: 20, weight: 0 },
            { name: 'light', port: 88, priority: 10, weight: 1 },
            { name: 'heavy', port: 88, priority: 10, weight: 50 },
          ]
        : [{ name: 'tcp-kdc', port: 1088, priority: 0, weight: 0 }],
    );
    expect(await locateKdcs('TEST.LOCAL', { configured: ['mine:1'], config, resolveSrv })).toEqual([
      { host: 'mine', port: 1, transport: 'any' },
    ]);
    expect((await locateKdcs('TEST.LOCAL', { config, resolveSrv })).map((k) => k.port)).toEqual([750, 8888]);
    expect(resolveSrv).not.toHaveBeenCalled();
    const found = await locateKdcs('DNS.REALM', { resolveSrv });
    expect(found.map((k) => `${k.transport}:${k.host}`)).toEqual([
      'udp:heavy',
      'udp:light',
      'udp:late',
      'tcp:tcp-kdc',
    ]);
    expect(resolveSrv).toHaveBeenCalledWith('_kerberos._udp.DNS.REALM');
  });

  it('says how to name a KDC when none is known (dns_lookup_kdc off, or nothing in DNS)', async () => {
    const config = configOf(parseProfile('[libdefaults]\ndns_lookup_kdc = false\n'));
    const resolveSrv = jest.fn(async () => {
      throw Object.assign(new Error('queryNotFound'), { code: 'ENOTFOUND' });
    });
    await expect(locateKdcs('X.REALM', { config, resolveSrv })).rejects.toMatchObject({
      code: 'SEC_E_NO_AUTHENTICATING_AUTHORITY',
      message: expect.stringMatching(/kdc option.*krb5\.conf.*_kerberos\._tcp\.X\.REALM/),
    });
    expect(resolveSrv).not.toHaveBeenCalled();
    await expect(locateKdcs('X.REALM', { resolveSrv })).rejects.toMatchObject({
      code: 'SEC_E_NO_AUTHENTICATING_AUTHORITY',
    });
    expect(resolveSrv).toHaveBeenCalledTimes(2);
  });
});
