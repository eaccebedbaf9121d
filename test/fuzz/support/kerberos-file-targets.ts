/**
 * The Kerberos file parsers (MIT keytab and FILE: ccache) as fuzz targets: a keytab or ccache is
 * read from disk where another user, a broken tool or an attacker may have written it, so it gets
 * the same property as a peer's token. Seeds come from our own encoders, in every version and
 * shape the parsers read (0x0501 keytabs, holes, version 3 caches, configuration entries).
 */
import {
  encodeCcache,
  parseCcache,
  type CcacheCredential,
} from '../../../lib/emulated/mechanisms/kerberos/files/ccache';
import {
  encodeKeytab,
  parseKeytab,
  type KeytabEntry,
} from '../../../lib/emulated/mechanisms/kerberos/files/keytab';
import { isInvalidToken, type ParserTarget } from './parser-property';

const keytabEntry = (
  kvno: number,
  keyType: number,
  keyLength: number,
  nameString: string[],
): KeytabEntry => ({
  principal: { nameType: nameString.length > 1 ? 3 : 1, nameString },
  realm: 'EXAMPLE.COM',
  timestamp: new Date(1_700_000_000_000),
  kvno,
  key: { keyType, keyValue: Buffer.alloc(keyLength, kvno) },
});

function keytabSeeds(): Buffer[] {
  const two = encodeKeytab([
    keytabEntry(2, 18, 32, ['HTTP', 'web.example.com']),
    keytabEntry(300, 23, 16, ['alice']),
  ]);
  const hole = Buffer.alloc(4 + 24);
  hole.writeInt32BE(-24);
  const withHole = Buffer.concat([two.subarray(0, 2), hole, two.subarray(2), Buffer.alloc(4)]);
  // Version 0x0501: little-endian, the count including the realm, no name type, no 32-bit kvno.
  const le16 = (n: number) => Buffer.from([n & 0xff, n >> 8]);
  const text = (s: string) => Buffer.concat([le16(s.length), Buffer.from(s)]);
  const v1body = Buffer.concat([
    le16(2),
    text('EXAMPLE.COM'),
    text('bob'),
    Buffer.alloc(4, 1),
    Buffer.from([4]),
    le16(17),
    le16(16),
    Buffer.alloc(16, 9),
  ]);
  const v1size = Buffer.alloc(4);
  v1size.writeInt32LE(v1body.length);
  return [two, withHole, Buffer.concat([Buffer.from([5, 1]), v1size, v1body]), Buffer.from([5, 2])];
}

const alice = { realm: 'EXAMPLE.COM', name: { nameType: 1, nameString: ['alice'] } };

const ccacheCredential = (server: CcacheCredential['server'], ticket: Buffer): CcacheCredential => ({
  client: alice,
  server,
  key: { keyType: 18, keyValue: Buffer.alloc(32, 7) },
  authtime: new Date(1_700_000_000_000),
  starttime: new Date(1_700_000_000_000),
  endtime: new Date(1_700_036_000_000),
  isSkey: false,
  ticketFlags: 0x40e00000,
  addresses: [{ addrType: 2, address: Buffer.from([10, 0, 0, 1]) }],
  authData: [{ adType: 1, adData: Buffer.from('3000', 'hex') }],
  ticket,
  secondTicket: Buffer.alloc(0),
});

function ccacheSeeds(): Buffer[] {
  const tgt = ccacheCredential(
    { realm: 'EXAMPLE.COM', name: { nameType: 2, nameString: ['krbtgt', 'EXAMPLE.COM'] } },
    Buffer.from('6103020105', 'hex'),
  );
  const config = ccacheCredential(
    {
      realm: 'X-CACHECONF:',
      name: {
        nameType: 0,
        nameString: ['krb5_ccache_conf_data', 'fast_avail', 'krbtgt/EXAMPLE.COM@EXAMPLE.COM'],
      },
    },
    Buffer.from('yes'),
  );
  const full = encodeCcache({
    version: 4,
    kdcTimeOffset: { seconds: 1, microseconds: 5 },
    defaultPrincipal: alice,
    credentials: [tgt],
    configEntries: [config],
  });
  const bare = encodeCcache({ version: 4, defaultPrincipal: alice, credentials: [tgt], configEntries: [] });
  // Version 3: no header, the enctype written twice.
  const keyAt = bare.indexOf(Buffer.from('0012', 'hex'), 4 + 32 + 48);
  const v3 = Buffer.concat([Buffer.from([5, 3]), bare.subarray(4, keyAt + 2), bare.subarray(keyAt)]);
  return [full, bare, v3];
}

export const kerberosFileTargets: ParserTarget[] = [
  { name: 'kerberos-keytab', parse: parseKeytab, allowed: isInvalidToken, seeds: keytabSeeds },
  { name: 'kerberos-ccache', parse: parseCcache, allowed: isInvalidToken, seeds: ccacheSeeds },
];
