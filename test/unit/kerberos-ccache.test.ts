/**
 * The ccache codec on hand-built caches (round trips, version 3, header fields, configuration
 * entries, bounds) and KRB5CCNAME resolution. kinit's and kvno's own caches are in
 * test/interop/ccache-mit.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SspiError } from '../../lib/errors';
import {
  CCACHE_CONFIG_REALM,
  CCACHE_LIMITS,
  ccachePathFromEnv,
  encodeCcache,
  findCredential,
  parseCcache,
  wipeCcache,
  type Ccache,
  type CcacheCredential,
} from '../../lib/emulated/mechanisms/kerberos/files/ccache';

const alice = { realm: 'EXAMPLE.COM', name: { nameType: 1, nameString: ['alice'] } };
const krbtgt = { realm: 'EXAMPLE.COM', name: { nameType: 2, nameString: ['krbtgt', 'EXAMPLE.COM'] } };

const credential = (over: Partial<CcacheCredential> = {}): CcacheCredential => ({
  client: alice,
  server: krbtgt,
  key: { keyType: 18, keyValue: Buffer.alloc(32, 0x5a) },
  authtime: new Date(1_700_000_000_000),
  starttime: new Date(1_700_000_010_000),
  endtime: new Date(1_700_036_000_000),
  renewTill: new Date(1_700_600_000_000),
  isSkey: false,
  ticketFlags: 0xc0e10000,
  addresses: [{ addrType: 2, address: Buffer.from([127, 0, 0, 1]) }],
  authData: [{ adType: -1, adData: Buffer.from('ad') }],
  ticket: Buffer.from('6103020100', 'hex'),
  secondTicket: Buffer.alloc(0),
  ...over,
});

const config: CcacheCredential = credential({
  server: {
    realm: CCACHE_CONFIG_REALM,
    name: {
      nameType: 0,
      nameString: ['krb5_ccache_conf_data', 'fast_avail', 'krbtgt/EXAMPLE.COM@EXAMPLE.COM'],
    },
  },
  key: { keyType: 0, keyValue: Buffer.alloc(0) },
  authtime: new Date(0),
  starttime: undefined,
  endtime: new Date(0),
  renewTill: undefined,
  ticketFlags: 0,
  addresses: [],
  authData: [],
  ticket: Buffer.from('yes'),
});

const cache = (over: Partial<Ccache> = {}): Ccache => ({
  version: 4,
  kdcTimeOffset: { seconds: -3, microseconds: 250 },
  defaultPrincipal: alice,
  credentials: [credential()],
  configEntries: [config],
  ...over,
});

function expectMalformed(file: Buffer, pattern: RegExp): void {
  let caught: unknown;
  try {
    parseCcache(file);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SspiError);
  expect((caught as SspiError).code).toBe('SEC_E_INVALID_TOKEN');
  expect((caught as SspiError).message).toMatch(pattern);
}

describe('parseCcache / encodeCcache', () => {
  test('round-trips a cache: header offset, tickets, configuration entries kept apart', () => {
    const original = cache({
      credentials: [credential(), credential({ isSkey: true, secondTicket: Buffer.from('61', 'hex') })],
    });
    const parsed = parseCcache(encodeCcache(original));
    expect(parsed).toEqual(original);
    const key = parsed.credentials[0].key.keyValue;
    expect([key.byteOffset, key.buffer.byteLength]).toEqual([0, 32]); // memory of its own
    wipeCcache(parsed);
    expect(parsed.credentials[0].key.keyValue.every((b) => b === 0)).toBe(true);
  });

  test('times of 0 read as absent starttime and renew_till', () => {
    const parsed = parseCcache(
      encodeCcache(cache({ credentials: [credential({ starttime: undefined, renewTill: undefined })] })),
    );
    expect(parsed.credentials[0]).not.toHaveProperty('starttime');
    expect(parsed.credentials[0]).not.toHaveProperty('renewTill');
  });

  test('no header offset writes an empty header; unknown header tags are skipped', () => {
    const plain = encodeCcache(cache({ kdcTimeOffset: undefined }));
    expect(plain.readUInt16BE(2)).toBe(0);
    expect(parseCcache(plain).kdcTimeOffset).toBeUndefined();
    // header: length 6; tag 7, length 2, value abcd
    const withTag = Buffer.concat([Buffer.from('0504000600070002abcd', 'hex'), plain.subarray(4)]);
    expect(parseCcache(withTag).credentials).toHaveLength(1);
  });

  test('reads version 3: no header, the enctype written twice', () => {
    const v4 = encodeCcache(cache({ kdcTimeOffset: undefined, configEntries: [] }));
    const principalBytes = 4 + 4 + 4 + 11 + 4 + 5;
    const defaultEnd = 4 + principalBytes;
    const keyAt = defaultEnd + principalBytes + 4 + 4 + 4 + 11 + 4 + 6 + 4 + 11;
    const v3 = Buffer.concat([
      Buffer.from([5, 3]),
      v4.subarray(4, keyAt + 2),
      v4.subarray(keyAt, keyAt + 2),
      v4.subarray(keyAt + 2),
    ]);
    const parsed = parseCcache(v3);
    expect(parsed.version).toBe(3);
    expect(parsed.credentials).toEqual(cache().credentials);
  });

  test('findCredential matches realm and components, not the name type', () => {
    const parsed = cache();
    expect(
      findCredential(parsed, {
        realm: 'EXAMPLE.COM',
        name: { nameType: 1, nameString: ['krbtgt', 'EXAMPLE.COM'] },
      }),
    ).toBe(parsed.credentials[0]);
    expect(findCredential(parsed, { realm: 'OTHER', name: krbtgt.name })).toBeUndefined();
    expect(findCredential(parsed, { realm: CCACHE_CONFIG_REALM, name: config.server.name })).toBeUndefined();
  });

  test.each([
    ['an empty file', Buffer.alloc(0), /version/],
    ['version 0x0502', Buffer.from([5, 2, 0, 0]), /version/],
    ['a header longer than the file', Buffer.from([5, 4, 0, 20, 0]), /runs past the end/],
    ['a KDC offset field of 4 bytes', Buffer.from('0504000800010004000000000000', 'hex'), /not 8 bytes/],
  ])('refuses %s with SEC_E_INVALID_TOKEN', (_name, file, pattern) => expectMalformed(file, pattern));

  test('refuses a truncated credential, is_skey 2, text not UTF-8, and counts past the bounds', () => {
    const file = encodeCcache(cache({ configEntries: [] }));
    expectMalformed(file.subarray(0, file.length - 3), /runs past the end/);
    const skeyAt = file.indexOf(Buffer.from('c0e10000', 'hex')) - 1; // is_skey, then the ticket flags
    expect(file[skeyAt]).toBe(0);
    const badSkey = Buffer.from(file);
    badSkey[skeyAt] = 2;
    expectMalformed(badSkey, /is_skey is 2/);
    const badText = Buffer.from(file);
    badText[4 + 12 + 12] = 0xff; // inside the default principal's realm
    expectMalformed(badText, /not UTF-8/);
    const manyComponents = Buffer.from(file);
    manyComponents.writeUInt32BE(CCACHE_LIMITS.components + 1, 4 + 12 + 4);
    expectMalformed(manyComponents, /over the limit/);
    const hugeTicket = encodeCcache(
      cache({ configEntries: [], credentials: [credential({ ticket: Buffer.alloc(0) })] }),
    );
    hugeTicket.writeUInt32BE(0xffffffff, hugeTicket.length - 8);
    expectMalformed(hugeTicket, /over the limit/);
  });

  test('bounds the file size and the number of credentials', () => {
    expectMalformed(Buffer.alloc(CCACHE_LIMITS.fileBytes + 1, 5), /over the limit/);
    const many = encodeCcache(
      cache({
        credentials: Array.from({ length: CCACHE_LIMITS.credentials + 1 }, () => credential()),
        configEntries: [],
      }),
    );
    expectMalformed(many, /more than 4096 credentials/);
  });

  test('encodeCcache refuses what the format cannot hold, with SEC_E_INVALID_PARAMETER', () => {
    for (const bad of [
      cache({ credentials: [credential({ key: { keyType: 0x8000, keyValue: Buffer.alloc(16) } })] }),
      cache({ credentials: [credential({ endtime: new Date(2 ** 33 * 1000) })] }),
      cache({ credentials: [credential({ addresses: [{ addrType: -1, address: Buffer.alloc(4) }] })] }),
    ]) {
      expect(() => encodeCcache(bad)).toThrow(expect.objectContaining({ code: 'SEC_E_INVALID_PARAMETER' }));
    }
  });
});

describe('ccachePathFromEnv: KRB5CCNAME as MIT resolves it', () => {
  test.each([
    ['FILE:/tmp/cc_alice', '/tmp/cc_alice'],
    ['file:/tmp/cc_lower', '/tmp/cc_lower'],
    ['/var/tmp/krb5cc_1000', '/var/tmp/krb5cc_1000'],
    ['relative-cache', 'relative-cache'],
    ['C:\\Users\\alice\\krb5cc', 'C:\\Users\\alice\\krb5cc'],
  ])('%s is the file %s', (name, path) => {
    expect(ccachePathFromEnv({ KRB5CCNAME: name }, 1000)).toBe(path);
  });

  test('unset or empty: /tmp/krb5cc_<uid>', () => {
    expect(ccachePathFromEnv({}, 1234)).toBe('/tmp/krb5cc_1234');
    expect(ccachePathFromEnv({ KRB5CCNAME: '' }, 0)).toBe('/tmp/krb5cc_0');
  });

  test('DIR: a collection’s primary cache, as its primary file names it, else tkt; DIR:: one cache of it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcc-'));
    try {
      expect(ccachePathFromEnv({ KRB5CCNAME: `DIR:${dir}` }, 1000)).toBe(join(dir, 'tkt'));
      writeFileSync(join(dir, 'primary'), 'tktAbC123\n');
      expect(ccachePathFromEnv({ KRB5CCNAME: `DIR:${dir}` }, 1000)).toBe(join(dir, 'tktAbC123'));
      expect(ccachePathFromEnv({ KRB5CCNAME: `DIR::${dir}/tkt7` }, 1000)).toBe(`${dir}/tkt7`);
      for (const bad of ['../elsewhere\n', '\n', '..\n', 'a/b\n']) {
        writeFileSync(join(dir, 'primary'), bad);
        expect(() => ccachePathFromEnv({ KRB5CCNAME: `DIR:${dir}` }, 1000)).toThrow(
          expect.objectContaining({ code: 'SEC_E_NO_CREDENTIALS' }),
        );
      }
      for (const bad of ['DIR:', 'DIR::', 'DIR::tkt']) {
        expect(() => ccachePathFromEnv({ KRB5CCNAME: bad }, 1000)).toThrow(
          expect.objectContaining({ code: 'SEC_E_NO_CREDENTIALS' }),
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each(['KEYRING:persistent:1000', 'KCM:1000', 'MEMORY:x', 'API:'])(
    '%s is refused with SEC_E_NO_CREDENTIALS naming its type',
    (name) => {
      const type = name.slice(0, name.indexOf(':'));
      expect(() => ccachePathFromEnv({ KRB5CCNAME: name }, 1000)).toThrow(
        expect.objectContaining({
          code: 'SEC_E_NO_CREDENTIALS',
          message: expect.stringContaining(`${type}:`),
        }),
      );
    },
  );

  test('an unknown type, FILE: with no path, and no uid for a default are refused too', () => {
    expect(() => ccachePathFromEnv({ KRB5CCNAME: 'NOPE:x' }, 1)).toThrow(/does not know/);
    expect(() => ccachePathFromEnv({ KRB5CCNAME: 'FILE:' }, 1)).toThrow(/no path/);
    expect(() => ccachePathFromEnv({}, null)).toThrow(
      expect.objectContaining({ code: 'SEC_E_NO_CREDENTIALS' }),
    );
  });
});
