/**
 * lib/native/backend.ts and lib/impersonation.ts over a stand-in for the addon, so what the
 * TypeScript side does with the addon's results is pinned on every platform (the addon itself
 * runs under Wine and on the Windows runner).
 */
import { createNativeBackend, type NativeAddon } from '../../lib/native/backend';
import { SecurityContext } from '../../lib/handles';
import {
  ASC_RET,
  AccessToken,
  SEC,
  credentialsDelegated,
  impersonateSecurityContext,
  querySecurityContextToken,
} from '../../lib/index';

function fakeAddon(overrides: Partial<NativeAddon>): NativeAddon {
  return {
    napiVersion: 8,
    acquireCredentialsHandle: async () => ({ status: 0, credential: {}, expiry: 0 }),
    release: () => undefined,
    ...overrides,
  } as NativeAddon;
}

describe('acquireCredentialsHandle', () => {
  test('the password reaches the addon as the very Buffer given: no string or copy on the way', async () => {
    const password = Buffer.from('pässwörd', 'utf8');
    let seen: unknown;
    const backend = createNativeBackend(
      fakeAddon({
        acquireCredentialsHandle: async (_p, _u, identity) => {
          seen = identity?.password;
          return { status: 0, credential: {}, expiry: 0 };
        },
      }),
    );
    await backend.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user: 'u', password },
      backend: 'native',
      tls: undefined,
    });
    expect(seen).toBe(password);
  });

  test('a Buffer password that is not UTF-8 is ERR_INVALID_ARG_VALUE, without the bytes in the message', async () => {
    const backend = createNativeBackend(fakeAddon({}));
    const password = Buffer.from([0x73, 0xff, 0xfe]);
    await expect(
      backend.acquireCredentialsHandle({
        package: 'NTLM',
        use: 'outbound',
        identity: { user: 'u', password },
        backend: 'native',
        tls: undefined,
      }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: expect.not.stringContaining('ÿ') });
  });

  test('native.tls is passed on for an inbound CredSSP credential and refused for anything else', async () => {
    let seen: unknown;
    const backend = createNativeBackend(
      fakeAddon({
        acquireCredentialsHandle: async (_p, _u, _i, tls) => {
          seen = tls;
          return { status: 0, credential: {}, expiry: 0 };
        },
      }),
    );
    const tls = { store: 'My', location: 'LocalMachine' as const, thumbprint: 'AB'.repeat(20) };
    const request = { backend: 'native' as const, tls: { kind: 'store' as const, ...tls } };
    await backend.acquireCredentialsHandle({ package: 'CredSSP', use: 'inbound', ...request });
    expect(seen).toEqual(tls);
    for (const [pkg, use] of [
      ['NTLM', 'inbound'],
      ['CredSSP', 'outbound'],
    ] as const) {
      await expect(backend.acquireCredentialsHandle({ package: pkg, use, ...request })).rejects.toMatchObject(
        {
          code: 'ERR_INVALID_ARG_VALUE',
        },
      );
    }
  });
});

describe('decryptMessage on a stream context', () => {
  const decryptWith = (result: Awaited<ReturnType<NativeAddon['decryptMessage']>>) =>
    createNativeBackend(fakeAddon({ decryptMessage: async () => result })).decryptMessage(
      {},
      Buffer.alloc(1),
    );

  test('an input ending mid-record keeps the plaintext before it, with consumed and missing', async () => {
    await expect(
      decryptWith({ status: SEC.E_INCOMPLETE_MESSAGE, data: Buffer.from('first'), missing: 7, consumed: 40 }),
    ).rejects.toMatchObject({
      code: 'SEC_E_INCOMPLETE_MESSAGE',
      data: Buffer.from('first'),
      consumed: 40,
      missing: 7,
    });
  });

  test("the peer's close_notify is SEC_E_CONTEXT_EXPIRED with the plaintext before it", async () => {
    await expect(
      decryptWith({ status: SEC.E_OK, data: Buffer.from('last words'), closed: true, consumed: 60 }),
    ).rejects.toMatchObject({ code: 'SEC_E_CONTEXT_EXPIRED', data: Buffer.from('last words'), consumed: 60 });
  });

  test('a renegotiation the addon could not absorb is a clear failure, not an empty success', async () => {
    await expect(decryptWith({ status: SEC.I_RENEGOTIATE, data: Buffer.alloc(0) })).rejects.toMatchObject({
      code: 'SEC_E_UNSUPPORTED_FUNCTION',
    });
  });

  test('complete records resolve with their plaintext', async () => {
    await expect(decryptWith({ status: SEC.E_OK, data: Buffer.from('ab') })).resolves.toEqual(
      Buffer.from('ab'),
    );
  });
});

describe('impersonateSecurityContext', () => {
  const acceptorOf = (addon: NativeAddon) =>
    new SecurityContext(createNativeBackend(addon), {}, { role: 'acceptor', package: 'Negotiate' });

  test('runs the callback through the addon and resolves with its value', async () => {
    const context = acceptorOf(
      fakeAddon({ impersonate: (_c, callback) => ({ status: 0, value: callback() }) }),
    );
    await expect(impersonateSecurityContext(context, () => 42)).resolves.toBe(42);
  });

  test('an impersonation Windows refuses rejects with its status', async () => {
    const context = acceptorOf(fakeAddon({ impersonate: () => ({ status: SEC.E_NO_IMPERSONATION }) }));
    await expect(impersonateSecurityContext(context, () => 1)).rejects.toMatchObject({
      code: 'SEC_E_NO_IMPERSONATION',
    });
  });

  test('an asynchronous callback is refused (its async part would run as the service)', async () => {
    const context = acceptorOf(
      fakeAddon({ impersonate: (_c, callback) => ({ status: 0, value: callback() }) }),
    );
    await expect(impersonateSecurityContext(context, async () => 1)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });

  test('arguments: a context of the acceptor, and a function', async () => {
    const addon = fakeAddon({ impersonate: () => ({ status: 0 }) });
    const initiator = new SecurityContext(
      createNativeBackend(addon),
      {},
      { role: 'initiator', package: 'NTLM' },
    );
    await expect(impersonateSecurityContext(initiator, () => 1)).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
    await expect(impersonateSecurityContext(acceptorOf(addon), 1 as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  test('the emulated backend rejects SEC_E_UNSUPPORTED_FUNCTION', async () => {
    const { emulatedBackend } = await import('../../lib/emulated/backend');
    const context = new SecurityContext(emulatedBackend, {}, { role: 'acceptor', package: 'NTLM' });
    await expect(impersonateSecurityContext(context, () => 1)).rejects.toMatchObject({
      code: 'SEC_E_UNSUPPORTED_FUNCTION',
    });
  });
});

test('credentialsDelegated reads ASC_RET_DELEGATE', () => {
  expect(credentialsDelegated({ attributes: ASC_RET.DELEGATE | 0x10 })).toBe(true);
  expect(credentialsDelegated({ attributes: 0x10 })).toBe(false);
});

describe('querySecurityContextToken', () => {
  const rawToken = { kind: 'token' };
  const reading = {
    status: 0,
    token: rawToken,
    user: { sid: 'S-1-5-21-1-2-3-1001', name: 'alice', domain: 'CORP', use: 1 },
    groups: [
      { sid: 'S-1-1-0', name: 'Everyone', domain: '', use: 5, attributes: 0x7 },
      { sid: 'S-1-5-32-544', name: 'Administrators', domain: 'BUILTIN', use: 4, attributes: 0x10 },
      { sid: 'S-1-5-5-0-99', name: null, domain: null, use: 0, attributes: 0xc0000007 },
    ],
    type: 2,
    level: 3,
  };
  function tokenAddon(overrides: Partial<NativeAddon> = {}) {
    const calls: Array<[string, ...unknown[]]> = [];
    const addon = fakeAddon({
      querySecurityContextToken: async (context) => {
        calls.push(['query', context]);
        return reading;
      },
      tokenIsMember: async (token, sid) => {
        calls.push(['isMember', token, sid]);
        return { status: 0, member: sid === 'S-1-1-0' };
      },
      closeToken: async (token) => {
        calls.push(['close', token]);
        return 0;
      },
      ...overrides,
    });
    return { addon, calls };
  }
  const rawContext = { kind: 'context' };
  const acceptorOf = (addon: NativeAddon) =>
    new SecurityContext(createNativeBackend(addon), rawContext, { role: 'acceptor', package: 'NTLM' });

  test("reads the client's user, groups, type and level into an AccessToken", async () => {
    const { addon, calls } = tokenAddon();
    const token = await querySecurityContextToken(acceptorOf(addon));
    expect(token).toBeInstanceOf(AccessToken);
    expect(calls).toEqual([['query', rawContext]]);
    expect(token.user).toEqual({ sid: 'S-1-5-21-1-2-3-1001', name: 'alice', domain: 'CORP', type: 'user' });
    expect(token.groups).toEqual([
      {
        sid: 'S-1-1-0',
        name: 'Everyone',
        domain: '',
        type: 'wellKnownGroup',
        attributes: 7,
        enabled: true,
        denyOnly: false,
        logonId: false,
      },
      {
        sid: 'S-1-5-32-544',
        name: 'Administrators',
        domain: 'BUILTIN',
        type: 'alias',
        attributes: 0x10,
        enabled: false,
        denyOnly: true,
        logonId: false,
      },
      {
        sid: 'S-1-5-5-0-99',
        name: null,
        domain: null,
        type: 'unknown',
        attributes: 0xc0000007,
        enabled: true,
        denyOnly: false,
        logonId: true,
      },
    ]);
    expect(token.tokenType).toBe('impersonation');
    expect(token.impersonationLevel).toBe('delegation');
    expect(Object.isFrozen(token.groups)).toBe(true);
  });

  test('a primary token has no impersonation level', async () => {
    const { addon } = tokenAddon({
      querySecurityContextToken: async () => ({ ...reading, type: 1, level: -1 }),
    });
    const token = await querySecurityContextToken(acceptorOf(addon));
    expect([token.tokenType, token.impersonationLevel]).toEqual(['primary', null]);
  });

  test('isMember asks the addon with the token and the SID; a malformed SID never reaches it', async () => {
    const { addon, calls } = tokenAddon();
    const token = await querySecurityContextToken(acceptorOf(addon));
    await expect(token.isMember('S-1-1-0')).resolves.toBe(true);
    await expect(token.isMember('S-1-5-32-544')).resolves.toBe(false);
    await expect(token.isMember('Administrators')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(token.isMember(544 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(calls.slice(1)).toEqual([
      ['isMember', rawToken, 'S-1-1-0'],
      ['isMember', rawToken, 'S-1-5-32-544'],
    ]);
  });

  test('close() closes the handle once; after it, calls reject SEC_E_INVALID_HANDLE without the addon', async () => {
    const { addon, calls } = tokenAddon();
    const token = await querySecurityContextToken(acceptorOf(addon));
    expect(token.isValid).toBe(true);
    await token.close();
    expect(token.isValid).toBe(false);
    await expect(token.close()).rejects.toMatchObject({ code: 'SEC_E_INVALID_HANDLE' });
    await expect(token.isMember('S-1-1-0')).rejects.toMatchObject({ code: 'SEC_E_INVALID_HANDLE' });
    expect(calls.filter(([op]) => op !== 'query')).toEqual([['close', rawToken]]);
  });

  test('await using closes the token', async () => {
    const { addon, calls } = tokenAddon();
    const token = await querySecurityContextToken(acceptorOf(addon));
    const dispose = (token as unknown as Record<symbol, () => Promise<void>>)[
      Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')
    ];
    await dispose.call(token);
    await dispose.call(token); // a second dispose is a no-op
    expect(calls.filter(([op]) => op === 'close')).toEqual([['close', rawToken]]);
  });

  test('a status Windows refuses rejects as SspiError with it, naming the call and the Win32 error', async () => {
    const { addon } = tokenAddon({
      querySecurityContextToken: async () => ({ status: SEC.E_INTERNAL_ERROR, win32Error: 1312 }),
    });
    await expect(querySecurityContextToken(acceptorOf(addon))).rejects.toMatchObject({
      name: 'SspiError',
      code: 'SEC_E_INTERNAL_ERROR',
      message: expect.stringMatching(/^QuerySecurityContextToken: .*\(Win32 error 1312\)$/),
    });
    const { addon: unsupported } = tokenAddon({
      querySecurityContextToken: async () => ({ status: SEC.E_UNSUPPORTED_FUNCTION }),
    });
    await expect(querySecurityContextToken(acceptorOf(unsupported))).rejects.toMatchObject({
      code: 'SEC_E_UNSUPPORTED_FUNCTION',
    });
  });

  test('arguments: an acceptor SecurityContext that is still valid', async () => {
    const { addon, calls } = tokenAddon();
    const initiator = new SecurityContext(
      createNativeBackend(addon),
      {},
      { role: 'initiator', package: 'NTLM' },
    );
    await expect(querySecurityContextToken(initiator)).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
    await expect(querySecurityContextToken({} as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    const deleted = acceptorOf(fakeAddon({ deleteSecurityContext: async () => 0 }));
    await deleted[Symbol.asyncDispose ?? Symbol.for('nodejs.asyncDispose')]();
    await expect(querySecurityContextToken(deleted)).rejects.toMatchObject({ code: 'SEC_E_INVALID_HANDLE' });
    expect(calls).toEqual([]);
  });

  test('the emulated backend rejects SEC_E_UNSUPPORTED_FUNCTION, saying why', async () => {
    const { emulatedBackend } = await import('../../lib/emulated/backend');
    const context = new SecurityContext(emulatedBackend, {}, { role: 'acceptor', package: 'NTLM' });
    await expect(querySecurityContextToken(context)).rejects.toMatchObject({
      name: 'SspiError',
      code: 'SEC_E_UNSUPPORTED_FUNCTION',
      message: expect.stringMatching(
        /^The emulated backend cannot read an access token: there is no Windows logon/,
      ),
    });
  });
});
