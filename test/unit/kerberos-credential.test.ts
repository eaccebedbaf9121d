/**
 * A credential handle's Kerberos part (lib/emulated/kerberos-credential.ts): the client realm of
 * an identity, when Negotiate counts Kerberos as configured, the keytab read at acquire (bounded,
 * its keys wiped on dispose, rc4-hmac only with allowRc4), and the tickets released with it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KerberosSettings } from '../../lib/backend/types';
import { secretOfString } from '../../lib/secret';
import { KerberosCredential, clientNameOf } from '../../lib/emulated/kerberos-credential';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { encodeKeytab } from '../../lib/emulated/mechanisms/kerberos/files/keytab';
import { accountSalt, acceptorEnctypes } from '../../lib/emulated/mechanisms/kerberos/password-keys';
import { NameType } from '../../lib/emulated/mechanisms/kerberos/messages/constants';

const settings = (extra: Partial<KerberosSettings> = {}): KerberosSettings => ({
  kdc: new Map(),
  keytab: undefined,
  ccache: undefined,
  allowRc4: false,
  clockSkewMs: 300_000,
  salt: undefined,
  delegation: 'policy',
  ...extra,
});
const identity = (user: string, domain: string) => ({
  user,
  domain,
  passwordUtf16: secretOfString('secret', 'utf16le'),
});
const SNAME = { nameType: NameType.SRV_INST, nameString: ['HTTP', 'web.test'] };

function keytabOf(...keys: Array<{ keyType: number; keyValue: Buffer }>): Buffer {
  return encodeKeytab(
    keys.map((key) => ({ principal: SNAME, realm: 'WEB.TEST', timestamp: new Date(0), kvno: 3, key })),
  );
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'krb-credential-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('clientNameOf', () => {
  it.each([
    ['alice', 'corp.example', { user: 'alice', realm: 'CORP.EXAMPLE' }],
    ['alice@corp.example', '', { user: 'alice', realm: 'CORP.EXAMPLE' }],
    ['alice', '', undefined],
    ['alice@', '', undefined],
    ['@corp', '', undefined],
  ])('%p in %p', (user, domain, expected) => {
    expect(clientNameOf(identity(user, domain))).toEqual(expected);
  });
});

describe('configured (Negotiate tries Kerberos)', () => {
  const env = { KRB5_CONFIG: process.env.KRB5_CONFIG, KRB5CCNAME: process.env.KRB5CCNAME };
  beforeAll(() => {
    process.env.KRB5_CONFIG = join(dir, 'none.conf'); // no krb5.conf: nothing configured by it
    process.env.KRB5CCNAME = `FILE:${join(dir, 'no-ccache')}`;
  });
  afterAll(() => {
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it('by KDCs for the realm or for every realm, not for another realm', () => {
    const one = new Map([['CORP.EXAMPLE', ['kdc']]]);
    const all = new Map([['*', ['kdc']]]);
    const other = new Map([['OTHER', ['kdc']]]);
    const id = identity('alice', 'corp.example');
    expect(new KerberosCredential(settings({ kdc: one }), id, 'outbound', 'Kerberos').configured).toBe(true);
    expect(new KerberosCredential(settings({ kdc: all }), id, 'outbound', 'Kerberos').configured).toBe(true);
    expect(new KerberosCredential(settings({ kdc: other }), id, 'outbound', 'Kerberos').configured).toBe(
      false,
    );
    expect(new KerberosCredential(settings(), id, 'outbound', 'Kerberos').configured).toBe(false);
    // No realm to be had ('alice' without a domain): never.
    expect(
      new KerberosCredential(settings({ kdc: all }), identity('alice', ''), 'outbound', 'Kerberos')
        .configured,
    ).toBe(false);
  });

  it('by a krb5.conf [realms] entry for the realm', () => {
    const conf = join(dir, 'krb5.conf');
    writeFileSync(conf, '[realms]\n CORP.EXAMPLE = {\n  kdc = kdc.corp.example\n }\n');
    process.env.KRB5_CONFIG = conf;
    try {
      expect(
        new KerberosCredential(settings(), identity('alice', 'corp.example'), 'outbound', 'Kerberos')
          .configured,
      ).toBe(true);
      expect(
        new KerberosCredential(settings(), identity('alice', 'other'), 'outbound', 'Kerberos').configured,
      ).toBe(false);
    } finally {
      process.env.KRB5_CONFIG = join(dir, 'none.conf');
    }
  });

  it('without identity: by a ccache named, or a client keytab', () => {
    expect(new KerberosCredential(settings(), undefined, 'outbound', 'Kerberos').configured).toBe(true); // KRB5CCNAME
    delete process.env.KRB5CCNAME;
    try {
      expect(
        new KerberosCredential(settings({ ccache: Buffer.from([5, 4]) }), undefined, 'outbound', 'Kerberos')
          .configured,
      ).toBe(true);
      const keytab = keytabOf({ keyType: Enctype.AES256_CTS_HMAC_SHA1_96, keyValue: Buffer.alloc(32, 1) });
      expect(new KerberosCredential(settings({ keytab }), undefined, 'outbound', 'Kerberos').configured).toBe(
        true,
      );
    } finally {
      process.env.KRB5CCNAME = `FILE:${join(dir, 'no-ccache')}`;
    }
  });
});

describe('the keytab', () => {
  const aes = () => ({ keyType: Enctype.AES256_CTS_HMAC_SHA1_96, keyValue: Buffer.alloc(32, 7) });
  const rc4 = () => ({ keyType: Enctype.RC4_HMAC, keyValue: Buffer.alloc(16, 9) });

  it('is read from its path at once; its keys serve the acceptor and are wiped on dispose', () => {
    const path = join(dir, 'service.keytab');
    writeFileSync(path, keytabOf(aes()));
    const krb = new KerberosCredential(
      settings({ keytab: `FILE:${path}` }),
      undefined,
      'inbound',
      'Kerberos',
    );
    rmSync(path); // read at construction: the file is no longer needed
    expect(krb.hasServiceKeys).toBe(true);
    const key = krb.serviceKeys(SNAME, 'WEB.TEST', 3, Enctype.AES256_CTS_HMAC_SHA1_96)!;
    expect(key.keyValue).toEqual(Buffer.alloc(32, 7));
    krb.dispose();
    expect(key.keyValue).toEqual(Buffer.alloc(32));
    expect(krb.serviceKeys(SNAME, 'WEB.TEST', 3, Enctype.AES256_CTS_HMAC_SHA1_96)).toBeUndefined();
  });

  it('serves no keys to an outbound-only credential, and rc4-hmac keys only with allowRc4', () => {
    const keytab = keytabOf(aes(), rc4());
    expect(
      new KerberosCredential(settings({ keytab }), undefined, 'outbound', 'Kerberos').hasServiceKeys,
    ).toBe(false);
    const strict = new KerberosCredential(settings({ keytab }), undefined, 'inbound', 'Kerberos');
    expect(strict.serviceKeys(SNAME, 'WEB.TEST', 3, Enctype.RC4_HMAC)).toBeUndefined();
    const lax = new KerberosCredential(
      settings({ keytab, allowRc4: true }),
      undefined,
      'inbound',
      'Kerberos',
    );
    expect(lax.serviceKeys(SNAME, 'WEB.TEST', 3, Enctype.RC4_HMAC)?.keyValue).toEqual(Buffer.alloc(16, 9));
  });

  it('refuses a missing or oversized file with SEC_E_NO_CREDENTIALS, a corrupt one with SEC_E_INVALID_TOKEN', () => {
    const make = (keytab: string | Buffer) => () =>
      new KerberosCredential(settings({ keytab }), undefined, 'inbound', 'Kerberos');
    expect(make(join(dir, 'missing.keytab'))).toThrow(
      expect.objectContaining({ code: 'SEC_E_NO_CREDENTIALS' }),
    );
    const big = join(dir, 'big.keytab');
    writeFileSync(big, Buffer.alloc((1 << 20) + 1, 5));
    expect(make(big)).toThrow(expect.objectContaining({ code: 'SEC_E_NO_CREDENTIALS' }));
    expect(make(Buffer.from([5, 2, 0, 0, 0, 40, 1]))).toThrow(
      expect.objectContaining({ code: 'SEC_E_INVALID_TOKEN' }),
    );
  });
});

describe('an acceptor’s keys from its identity’s password', () => {
  const SECRET = Buffer.from('secret');
  const keyOf = (etype: number, salt: string) => enctypeProfile(etype).stringToKey(SECRET, Buffer.from(salt));

  it.each([
    ['HTTP/web.example.test', 'EXAMPLE.TEST', 'EXAMPLE.TESTHTTPweb.example.test'],
    ['svc-web', 'EXAMPLE.TEST', 'EXAMPLE.TESTsvc-web'],
    ['WEB01$', 'EXAMPLE.TEST', 'EXAMPLE.TESThostweb01.example.test'],
  ])('salts %p in %p with %p', (user, realm, salt) => {
    expect(accountSalt(user, realm)).toBe(salt);
  });

  it('are every AES key of the account’s salt, for any service name and kvno the ticket names', () => {
    const krb = new KerberosCredential(
      settings(),
      identity('HTTP/web.test', 'web.test'),
      'inbound',
      'Kerberos',
    );
    expect(krb.hasServiceKeys).toBe(true);
    for (const etype of acceptorEnctypes(false)) {
      const expected = keyOf(etype, 'WEB.TESTHTTPweb.test');
      expect(krb.serviceKeys(SNAME, 'WEB.TEST', 7, etype)?.keyValue).toEqual(expected);
      const other = { nameType: NameType.SRV_INST, nameString: ['HOST', 'alias.test'] };
      expect(krb.serviceKeys(other, 'OTHER.TEST', undefined, etype)?.keyValue).toEqual(expected);
    }
    expect(krb.serviceKeys(SNAME, 'WEB.TEST', 7, Enctype.RC4_HMAC)).toBeUndefined();
    const key = krb.serviceKeys(SNAME, 'WEB.TEST', 7, Enctype.AES256_CTS_HMAC_SHA1_96)!.keyValue;
    krb.dispose();
    expect(key.equals(Buffer.alloc(32))).toBe(true);
  });

  it('use the salt option over the account’s, and make rc4-hmac only with allowRc4', () => {
    const krb = new KerberosCredential(
      settings({ salt: 'HTTPweb.test', allowRc4: true }),
      identity('HTTP/web.test', 'web.test'),
      'both',
      'Negotiate',
    );
    expect(krb.serviceKeys(SNAME, 'WEB.TEST', 1, Enctype.AES128_CTS_HMAC_SHA1_96)?.keyValue).toEqual(
      keyOf(Enctype.AES128_CTS_HMAC_SHA1_96, 'HTTPweb.test'),
    );
    expect(krb.serviceKeys(SNAME, 'WEB.TEST', 1, Enctype.RC4_HMAC)?.keyValue).toEqual(
      keyOf(Enctype.RC4_HMAC, ''),
    );
    krb.dispose();
  });

  it('are not made outbound, for NTLM, or without a realm or salt to salt them with', () => {
    const id = identity('HTTP/web.test', 'web.test');
    expect(new KerberosCredential(settings(), id, 'outbound', 'Kerberos').hasServiceKeys).toBe(false);
    expect(new KerberosCredential(settings(), id, 'inbound', 'NTLM').hasServiceKeys).toBe(false);
    const noRealm = identity('svc', '');
    expect(new KerberosCredential(settings(), noRealm, 'inbound', 'Kerberos').hasServiceKeys).toBe(false);
    const salted = settings({ salt: 'Xsvc' });
    expect(new KerberosCredential(salted, noRealm, 'inbound', 'Kerberos').hasServiceKeys).toBe(true);
  });
});

describe('the tickets', () => {
  it('are refused once the credential is released', async () => {
    const krb = new KerberosCredential(
      settings({ kdc: new Map([['*', ['127.0.0.1:9']]]) }),
      identity('a', 'R'),
      'outbound',
      'Kerberos',
    );
    krb.dispose();
    await expect(krb.tickets()).rejects.toMatchObject({ code: 'SEC_E_NO_CREDENTIALS' });
  });

  it('from a ccache that does not exist: SEC_E_NO_CREDENTIALS, and the next try reads again', async () => {
    const path = join(dir, 'later.ccache');
    const krb = new KerberosCredential(
      settings({ ccache: `FILE:${path}` }),
      undefined,
      'outbound',
      'Kerberos',
    );
    await expect(krb.tickets()).rejects.toMatchObject({ code: 'SEC_E_NO_CREDENTIALS' });
    writeFileSync(path, Buffer.from([5, 4, 0, 0]));
    // Read again (not the first failure kept): now a corrupt file, SEC_E_INVALID_TOKEN.
    await expect(krb.tickets()).rejects.toMatchObject({ code: 'SEC_E_INVALID_TOKEN' });
    krb.dispose();
  });
});
