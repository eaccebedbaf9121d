/**
 * lib/native/backend.ts and lib/impersonation.ts over a stand-in for the addon, so what the
 * TypeScript side does with the addon's results is pinned on every platform (the addon itself
 * runs under Wine and on the Windows runner).
 */
import { createNativeBackend, type NativeAddon } from '../../lib/native/backend';
import { SecurityContext } from '../../lib/handles';
import { ASC_RET, SEC, credentialsDelegated, impersonateSecurityContext } from '../../lib/index';

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
