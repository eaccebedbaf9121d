/**
 * Keytabs against MIT krb5: the files kadmin.local's ktadd and ktutil's wkt write parse to the
 * keys our string-to-key derives from the password, a removed entry's hole is skipped, and MIT's
 * klist reads the keytab we encode (32-bit kvno included) back to the same keys.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import {
  encodeKeytab,
  keysFor,
  parseKeytab,
  wipeKeytab,
  type KeytabEntry,
} from '../../lib/emulated/mechanisms/kerberos/files/keytab';
import { describeWithPeers } from './peers/availability';
import { startMitRealm, type MitRealm } from './peers/mit-realm';

const REALM = 'KEYTAB.TEST';
const MIT_ENCTYPES: Array<[string, number]> = [
  ['aes256-cts-hmac-sha1-96', Enctype.AES256_CTS_HMAC_SHA1_96],
  ['aes128-cts-hmac-sha1-96', Enctype.AES128_CTS_HMAC_SHA1_96],
  ['aes256-cts-hmac-sha384-192', Enctype.AES256_CTS_HMAC_SHA384_192],
  ['aes128-cts-hmac-sha256-128', Enctype.AES128_CTS_HMAC_SHA256_128],
  ['arcfour-hmac', Enctype.RC4_HMAC],
];

/** Our string-to-key with MIT's default salt: the realm, then the name's components. */
function ourKey(etype: number, password: string, realm: string, components: string[]): string {
  const salt = Buffer.from(realm + components.join(''), 'utf8');
  return enctypeProfile(etype).stringToKey(Buffer.from(password, 'utf8'), salt).toString('hex');
}

function keyOf(entries: KeytabEntry[], etype: number): string {
  const entry = entries.find((e) => e.key.keyType === etype);
  if (!entry) throw new Error(`no entry of enctype ${etype}`);
  return entry.key.keyValue.toString('hex');
}

describeWithPeers(['mit-krb5'], 'keytab files against MIT krb5', () => {
  let realm: MitRealm;
  beforeAll(async () => {
    realm = await startMitRealm({ realm: REALM, enctypes: MIT_ENCTYPES.map(([name]) => name) });
  });
  afterAll(() => realm?.stop());

  test('kadmin.local ktadd: one entry per enctype, the keys string-to-key gives, kvno 1', async () => {
    await realm.addUser('alice', 'Alice-Keytab-1');
    const path = join(realm.dir, 'alice.keytab');
    await realm.ktadd('alice', path);
    const entries = parseKeytab(readFileSync(path));
    try {
      expect(entries.map((e) => e.key.keyType).sort()).toEqual(MIT_ENCTYPES.map(([, n]) => n).sort());
      for (const entry of entries) {
        expect(entry.principal).toEqual({ nameType: 1, nameString: ['alice'] });
        expect(entry.realm).toBe(REALM);
        expect(entry.kvno).toBe(1);
        expect(Math.abs(entry.timestamp.getTime() - Date.now())).toBeLessThan(120_000);
      }
      for (const [, etype] of MIT_ENCTYPES) {
        expect(keyOf(entries, etype)).toBe(ourKey(etype, 'Alice-Keytab-1', REALM, ['alice']));
      }
    } finally {
      wipeKeytab(entries);
    }
  });

  test('ktutil addent -password / wkt: a two-component name, kvno 7, the same keys as ours', async () => {
    const path = join(realm.dir, 'ktutil.keytab');
    const script = MIT_ENCTYPES.map(
      ([name]) => `addent -password -p HTTP/web.keytab.test@${REALM} -k 7 -e ${name}\nWeb-Pass-2\n`,
    ).join('');
    await realm.run('ktutil', [], `${script}wkt ${path}\nquit\n`);
    const entries = parseKeytab(readFileSync(path));
    try {
      expect(entries).toHaveLength(MIT_ENCTYPES.length);
      for (const [, etype] of MIT_ENCTYPES) {
        expect(keyOf(entries, etype)).toBe(ourKey(etype, 'Web-Pass-2', REALM, ['HTTP', 'web.keytab.test']));
      }
      expect(
        entries.every((e) => e.kvno === 7 && e.principal.nameString.join('/') === 'HTTP/web.keytab.test'),
      ).toBe(true);
    } finally {
      wipeKeytab(entries);
    }
  });

  test('ktremove leaves a hole; the entries after it still parse', async () => {
    const path = join(realm.dir, 'holes.keytab');
    await realm.addUser('carol', 'Carol-Keytab-3');
    await realm.ktadd('carol', path);
    await realm.addService('HTTP/holes.keytab.test');
    await realm.ktadd('HTTP/holes.keytab.test', path);
    await realm.kadmin(`ktremove -k ${path} carol all`);
    const file = readFileSync(path);
    expect(file.readInt32BE(2)).toBeLessThan(0); // the first record is now a hole
    const entries = parseKeytab(file);
    try {
      expect(entries.length).toBe(MIT_ENCTYPES.length);
      expect(entries.every((e) => e.principal.nameString.join('/') === 'HTTP/holes.keytab.test')).toBe(true);
    } finally {
      wipeKeytab(entries);
    }
  });

  test('keysFor picks the highest kvno after kadmin re-keys, or the kvno asked for', async () => {
    const path = join(realm.dir, 'rekey.keytab');
    await realm.kadmin('addprinc -randkey HTTP/rekey.keytab.test');
    await realm.ktadd('HTTP/rekey.keytab.test', path, { randomize: true }); // kvno 2
    await realm.ktadd('HTTP/rekey.keytab.test', path, { randomize: true }); // kvno 3
    const entries = parseKeytab(readFileSync(path));
    try {
      const name = { nameType: 1, nameString: ['HTTP', 'rekey.keytab.test'] };
      const newest = keysFor(entries, name, REALM);
      expect(newest).toHaveLength(MIT_ENCTYPES.length);
      expect(newest.every((e) => e.kvno === 3)).toBe(true);
      const older = keysFor(entries, name, REALM, 2, Enctype.AES256_CTS_HMAC_SHA1_96);
      expect(older.map((e) => [e.kvno, e.key.keyType])).toEqual([[2, Enctype.AES256_CTS_HMAC_SHA1_96]]);
      expect(keysFor(entries, name, 'OTHER.TEST')).toEqual([]);
    } finally {
      wipeKeytab(entries);
    }
  });

  test('MIT klist -k -e -K reads the keytab we encode: names, kvnos (32-bit too), enctypes, keys', async () => {
    const entries: KeytabEntry[] = MIT_ENCTYPES.map(([, etype], i) => ({
      principal: { nameType: 3, nameString: ['host', 'ours.keytab.test'] },
      realm: REALM,
      timestamp: new Date(1_700_000_000_000),
      kvno: i === 0 ? 300 : 5,
      key: {
        keyType: etype,
        keyValue: Buffer.from(ourKey(etype, 'Ours-4', REALM, ['host', 'ours.keytab.test']), 'hex'),
      },
    }));
    const path = join(realm.dir, 'ours.keytab');
    writeFileSync(path, encodeKeytab(entries));
    const { stdout } = await realm.run('klist', ['-k', '-e', '-K', `FILE:${path}`]);
    for (const [i, [name]] of MIT_ENCTYPES.entries()) {
      const kvno = i === 0 ? 300 : 5;
      const key = entries[i].key.keyValue.toString('hex');
      expect(stdout).toMatch(
        new RegExp(
          `^\\s*${kvno} host/ours\\.keytab\\.test@${REALM} \\((DEPRECATED:)?${name}\\)\\s+\\(0x${key}\\)$`,
          'm',
        ),
      );
    }
    // And MIT's own parse of it agrees with ours, entry for entry.
    const back = parseKeytab(readFileSync(path));
    expect(back).toEqual(entries);
  });
});
