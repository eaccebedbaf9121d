/**
 * acquireCredentialsHandle's options fail closed (issue 13 item 5, issue 11 item 1): every value is
 * checked before a credential exists, and a credential does not change when the caller later
 * mutates what it passed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ISC_REQ,
  acquireCredentialsHandle,
  freeCredentialsHandle,
  initializeSecurityContext,
  deleteSecurityContext,
  type AcquireCredentialsOptions,
} from '../../lib';

const identity = { user: 'alice', domain: 'LAB', password: 'Passw0rd!' };
const afterAllCleanups: Array<() => void> = [];
afterAll(() => afterAllCleanups.forEach((cleanup) => cleanup()));

function credssp(extra: Record<string, unknown>): AcquireCredentialsOptions {
  return { package: 'CredSSP', use: 'outbound', identity, ...extra } as AcquireCredentialsOptions;
}

async function rejection(opts: unknown): Promise<TypeError & { code: string }> {
  const err = await acquireCredentialsHandle(opts as AcquireCredentialsOptions).then(
    async (cred) => {
      await freeCredentialsHandle(cred);
      throw new Error('acquired a credential from bad options');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TypeError);
  return err as TypeError & { code: string };
}

describe('option values', () => {
  it('refuses a misspelt encryptionOracle, naming the option and the accepted values', async () => {
    const err = await rejection(
      credssp({ emulated: { policy: { encryptionOracle: 'force-update-clients' } } }),
    );
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('options.emulated.policy.encryptionOracle');
    expect(err.message).toContain("'force-updated-clients', 'mitigated', 'vulnerable'");
  });

  it('refuses a string where a list of SPN patterns belongs', async () => {
    const err = await rejection(credssp({ emulated: { policy: { allowFreshCredentials: 'TERMSRV/*' } } }));
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(err.message).toContain('options.emulated.policy.allowFreshCredentials');
  });

  it('refuses a pattern that is not an SPN pattern, naming its index', async () => {
    const err = await rejection(
      credssp({ emulated: { policy: { allowFreshCredentialsWhenNTLMOnly: ['TERMSRV/*', 'TERM SRV'] } } }),
    );
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('options.emulated.policy.allowFreshCredentialsWhenNTLMOnly[1]');
  });

  it.each([
    ['emulated', { emulated: null }],
    ['emulated.policy', { emulated: { policy: null } }],
    ['emulated.policy.encryptionOracle', { emulated: { policy: { encryptionOracle: null } } }],
    ['emulated.policy.allowFreshCredentials', { emulated: { policy: { allowFreshCredentials: null } } }],
    ['emulated.credssp', { emulated: { credssp: null } }],
    ['emulated.credssp.version', { emulated: { credssp: { version: null } } }],
  ])('refuses null for options.%s instead of taking the default', async (name, extra) => {
    const err = await rejection(credssp(extra));
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(err.message).toContain(`options.${name}`);
    expect(err.message).toContain('Received null');
  });

  it.each([
    ['inner', 'kerberos', 'ERR_INVALID_ARG_VALUE'],
    ['version', 7, 'ERR_INVALID_ARG_VALUE'],
    ['version', 5.5, 'ERR_INVALID_ARG_VALUE'],
    ['version', '6', 'ERR_INVALID_ARG_TYPE'],
    ['tlsMaxVersion', 'TLSv1.1', 'ERR_INVALID_ARG_VALUE'],
    ['keyType', 'dsa', 'ERR_INVALID_ARG_VALUE'],
    ['ca', [], 'ERR_INVALID_ARG_VALUE'],
    ['ca', 'not a certificate', 'ERR_INVALID_ARG_VALUE'],
    ['ca', [42], 'ERR_INVALID_ARG_TYPE'],
  ])('refuses emulated.credssp.%s = %p with %s', async (key, value, code) => {
    const err = await rejection(credssp({ emulated: { credssp: { [key]: value } } }));
    expect(err.code).toBe(code);
    expect(err.message).toContain(`options.emulated.credssp.${key}`);
  });

  it('refuses an NT hash that is not 16 bytes, and an entry that is neither password nor hash', async () => {
    const short = await rejection({
      package: 'NTLM',
      use: 'inbound',
      emulated: { users: { alice: { ntHash: Buffer.alloc(15) } } },
    });
    expect(short.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(short.message).toContain('options.emulated.users["alice"].ntHash');
    const number = await rejection({ package: 'NTLM', use: 'inbound', emulated: { users: { alice: 1234 } } });
    expect(number.code).toBe('ERR_INVALID_ARG_TYPE');
    // The entry may be a password: its value is never echoed.
    expect(number.message).not.toContain('1234');
  });

  it('refuses an acceptor key that does not belong to its certificate, without echoing the key', async () => {
    const err = await rejection({
      package: 'CredSSP',
      use: 'inbound',
      emulated: { users: {}, tls: { cert: 'not a certificate', key: 'secret key text' } },
    });
    expect(err.message).toContain('options.emulated.tls');
    expect(err.message).not.toContain('secret key text');
  });
});

describe('option names', () => {
  it.each(['users', 'tls', 'policy', 'credsspInner', 'credsspVersion', 'tlsMaxVersion', 'keyType', 'ca'])(
    'refuses the old top-level option %s rather than ignoring it',
    async (key) => {
      const err = await rejection(credssp({ [key]: undefined }));
      expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
      expect(err.message).toContain(`options.${key}`);
    },
  );

  it('refuses a misspelt nested option', async () => {
    const err = await rejection(credssp({ emulated: { credssp: { inne: 'spnego' } } }));
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('options.emulated.credssp.inne');
    expect(err.message).toContain("'inner'");
  });

  it('refuses native options on an emulated credential', async () => {
    const err = await rejection(
      credssp({ backend: 'emulated', native: { tls: { thumbprint: '00'.repeat(20) } } }),
    );
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('options.native');
    expect(err.message).toContain('emulated backend');
  });

  it('refuses emulated options on a native credential, before looking for the binding', async () => {
    const err = await rejection(credssp({ backend: 'native', emulated: { credssp: { inner: 'spnego' } } }));
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('options.emulated');
    expect(err.message).toContain('native backend');
  });

  it('refuses a native certificate that is not a 40-digit thumbprint', async () => {
    const err = await rejection({
      package: 'CredSSP',
      use: 'inbound',
      backend: 'native',
      native: { tls: { thumbprint: 'abc' } },
    });
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('options.native.tls.thumbprint');
  });
});

describe('a credential keeps what it was given', () => {
  it('does not follow a later change to the caller’s policy list', async () => {
    const allowFreshCredentialsWhenNTLMOnly = ['TERMSRV/*'];
    const cred = await acquireCredentialsHandle(
      credssp({ emulated: { policy: { allowFreshCredentialsWhenNTLMOnly } } }),
    );
    try {
      // Widening the caller's array after the fact must not widen the credential's policy.
      allowFreshCredentialsWhenNTLMOnly.push('*');
      await expect(
        initializeSecurityContext({
          credential: cred,
          targetName: 'HTTP/web.example',
          flags: ISC_REQ.DELEGATE,
        }),
      ).rejects.toMatchObject({ code: 'SEC_E_DELEGATION_POLICY' });
      const allowed = await initializeSecurityContext({
        credential: cred,
        targetName: 'TERMSRV/rdp.example',
        flags: ISC_REQ.DELEGATE,
      });
      await deleteSecurityContext(allowed.context);
    } finally {
      await freeCredentialsHandle(cred);
    }
  });
});

describe('emulated.kerberos', () => {
  const kerberos = (k: unknown) => credssp({ emulated: { kerberos: k } });

  it.each([
    ['kdc', 42, 'ERR_INVALID_ARG_TYPE'],
    ['kdc', [], 'ERR_INVALID_ARG_VALUE'],
    ['kdc', 'kdc.example.com:88:88', 'ERR_INVALID_ARG_VALUE'],
    ['kdc', 'http://kdc.example.com', 'ERR_INVALID_ARG_VALUE'],
    ['kdc', { 'EXAMPLE.COM': [7] }, 'ERR_INVALID_ARG_TYPE'],
    ['kdc', { 'BAD REALM': 'kdc' }, 'ERR_INVALID_ARG_VALUE'],
    ['kdc', null, 'ERR_INVALID_ARG_TYPE'],
    ['keytab', 7, 'ERR_INVALID_ARG_TYPE'],
    ['keytab', '', 'ERR_INVALID_ARG_VALUE'],
    ['ccache', Buffer.alloc(0), 'ERR_INVALID_ARG_VALUE'],
    ['allowRc4', 'yes', 'ERR_INVALID_ARG_TYPE'],
    ['allowRc4', null, 'ERR_INVALID_ARG_TYPE'],
    ['clockSkew', '300', 'ERR_INVALID_ARG_TYPE'],
    ['clockSkew', -1, 'ERR_INVALID_ARG_VALUE'],
    ['clockSkew', 1.5, 'ERR_INVALID_ARG_VALUE'],
    ['clockSkew', 86_401, 'ERR_INVALID_ARG_VALUE'],
    ['kdcs', 'kdc.example.com', 'ERR_INVALID_ARG_VALUE'],
    ['salt', Buffer.from('REALMuser'), 'ERR_INVALID_ARG_TYPE'],
    ['salt', '', 'ERR_INVALID_ARG_VALUE'],
    ['delegation', 'never', 'ERR_INVALID_ARG_VALUE'],
    ['delegation', true, 'ERR_INVALID_ARG_TYPE'],
    ['delegation', null, 'ERR_INVALID_ARG_TYPE'],
  ])('refuses kerberos.%s = %p (%s), naming the option', async (key, value, code) => {
    const err = await rejection(kerberos({ [key]: value }));
    expect(err.code).toBe(code);
    expect(err.message).toContain(`options.emulated.kerberos.${key}`);
  });

  it('takes every documented shape', async () => {
    // A keytab path is read at acquireCredentialsHandle: an empty keytab (version 0x502) of our own.
    const dir = mkdtempSync(join(tmpdir(), 'keytab-'));
    const keytabPath = join(dir, 'krb5.keytab');
    writeFileSync(keytabPath, Buffer.from([5, 2]));
    afterAllCleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const k of [
      {},
      { kdc: 'kdc.example.com' },
      { kdc: ['tcp/127.0.0.1:8888', '[::1]:88'] },
      { kdc: { 'example.com': 'kdc1.example.com:88', OTHER: ['a', 'b'] } },
      { keytab: keytabPath, ccache: 'FILE:/tmp/krb5cc_0', allowRc4: true, clockSkew: 0 },
      { keytab: Buffer.from([5, 2]), ccache: Buffer.from([5, 4]) },
      { delegation: 'policy' },
      { delegation: 'always' },
    ]) {
      await freeCredentialsHandle(await acquireCredentialsHandle(kerberos(k)));
    }
  });

  it('takes a salt only where it salts something: an inbound or both credential with identity, not NTLM', async () => {
    const salted = { kerberos: { salt: 'LABHTTPweb.lab' } };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ package: 'Kerberos', use: 'inbound', emulated: salted }, 'needs options.identity'],
      [{ package: 'Kerberos', use: 'outbound', identity, emulated: salted }, "options.use is 'outbound'"],
      [{ package: 'NTLM', use: 'inbound', identity, emulated: salted }, 'options.package is NTLM'],
    ];
    for (const [opts, why] of cases) {
      const err = await rejection(opts);
      expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
      expect(err.message).toContain('options.emulated.kerberos.salt');
      expect(err.message).toContain(why);
    }
    for (const use of ['inbound', 'both'] as const) {
      await freeCredentialsHandle(
        await acquireCredentialsHandle({ package: 'Negotiate', use, identity, emulated: salted }),
      );
    }
  });

  it('is refused on the native backend', async () => {
    const err = await rejection({ ...kerberos({ kdc: 'kdc' }), backend: 'native' });
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message).toContain('options.emulated');
  });
});
