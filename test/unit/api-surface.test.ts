import {
  ASC_REQ,
  ISC_REQ,
  SEC,
  SECBUFFER,
  SspiError,
  acceptSecurityContext,
  acquireCredentialsHandle,
  backend,
  deleteSecurityContext,
  encryptMessage,
  freeCredentialsHandle,
  initializeSecurityContext,
  queryContextAttributes,
  statusName,
} from '../../lib';

describe('constants', () => {
  it('carries the winerror.h values of the statuses the reference lists', () => {
    expect(SEC.E_OK).toBe(0);
    expect(SEC.I_CONTINUE_NEEDED).toBe(0x00090312);
    expect(SEC.I_COMPLETE_NEEDED).toBe(0x00090313);
    expect(SEC.I_COMPLETE_AND_CONTINUE).toBe(0x00090314);
    expect(SEC.I_INCOMPLETE_CREDENTIALS).toBe(0x00090320);
    expect(SEC.E_INCOMPLETE_MESSAGE).toBe(0x80090318);
    expect(SEC.E_LOGON_DENIED).toBe(0x8009030c);
    expect(SEC.E_INVALID_TOKEN).toBe(0x80090308);
    expect(SEC.E_DELEGATION_POLICY).toBe(0x8009035e);
    expect(SEC.E_POLICY_NLTM_ONLY).toBe(0x8009035f);
    expect(SEC.E_MUTUAL_AUTH_FAILED).toBe(0x80090363);
    expect(SEC.E_WRONG_PRINCIPAL).toBe(0x80090322);
  });

  it('has the sspi.h flag values of the reference table', () => {
    expect(ISC_REQ.DELEGATE).toBe(0x1);
    expect(ISC_REQ.MUTUAL_AUTH).toBe(0x2);
    expect(ISC_REQ.SEQUENCE_DETECT).toBe(0x8);
    expect(ISC_REQ.USE_SUPPLIED_CREDS).toBe(0x80);
    expect(ISC_REQ.ALLOCATE_MEMORY).toBe(0x100);
    expect(ISC_REQ.CONNECTION).toBe(0x800);
    expect(ISC_REQ.EXTENDED_ERROR).toBe(0x4000);
    expect(ISC_REQ.STREAM).toBe(0x8000);
    expect(ISC_REQ.MANUAL_CRED_VALIDATION).toBe(0x80000);
    expect(ASC_REQ.EXTENDED_ERROR).toBe(0x8000);
    expect(SECBUFFER.MISSING).toBe(4);
    expect(SECBUFFER.EXTRA).toBe(5);
  });

  it('maps statuses back to names, unsigned and signed alike', () => {
    expect(statusName(0x8009030c)).toBe('SEC_E_LOGON_DENIED');
    expect(statusName(0x8009030c | 0)).toBe('SEC_E_LOGON_DENIED');
    expect(statusName(0x00090312)).toBe('SEC_I_CONTINUE_NEEDED');
    expect(statusName(0x80090317)).toBe('SEC_E_CONTEXT_EXPIRED');
    expect(statusName(0x00090317)).toBe('SEC_I_CONTEXT_EXPIRED');
    expect(statusName(0x12345678)).toBe('0x12345678');
  });
});

describe('backend choice', () => {
  it('is emulated off Windows', () => {
    if (process.platform !== 'win32' || process.env.CREDSSP_BACKEND === 'emulated')
      expect(backend).toBe('emulated');
  });
});

describe('argument checking', () => {
  it('rejects wrong types with Node error codes', async () => {
    await expect(acquireCredentialsHandle(undefined as never)).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(
      acquireCredentialsHandle({ package: 'NTLM', use: 'sideways' } as never),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    const cred = await acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user: 'u', password: 'p' },
    });
    await expect(initializeSecurityContext({ credential: cred, flags: -1 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await expect(initializeSecurityContext({ credential: 'cred' as never, flags: 0 })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(
      initializeSecurityContext({ credential: cred, flags: 0, targetDataRep: 7 }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await freeCredentialsHandle(cred);
  });

  it('never echoes a password of the wrong type', async () => {
    const err = await acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user: 'u', password: 12345678 as never },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(TypeError);
    expect(String(err.message)).not.toContain('12345678');
  });

  it('rejects an unknown package with SEC_E_SECPKG_NOT_FOUND and accepts any case', async () => {
    await expect(
      acquireCredentialsHandle({ package: 'WDigest' as never, use: 'outbound' }),
    ).rejects.toMatchObject({
      code: 'SEC_E_SECPKG_NOT_FOUND',
      status: SEC.E_SECPKG_NOT_FOUND,
    });
    const cred = await acquireCredentialsHandle({
      package: 'ntlm' as never,
      use: 'inbound',
      emulated: { users: {} },
    });
    expect(cred.package).toBe('NTLM');
    await freeCredentialsHandle(cred);
    const kerberos = await acquireCredentialsHandle({ package: 'kerberos' as never, use: 'outbound' });
    expect(kerberos.package).toBe('Kerberos');
    await freeCredentialsHandle(kerberos);
  });
});

describe('handles', () => {
  it('rejects a second free and later use with SEC_E_INVALID_HANDLE', async () => {
    const cred = await acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user: 'u', password: 'p' },
    });
    await freeCredentialsHandle(cred);
    expect(cred.isValid).toBe(false);
    await expect(freeCredentialsHandle(cred)).rejects.toMatchObject({ code: 'SEC_E_INVALID_HANDLE' });
    await expect(initializeSecurityContext({ credential: cred, flags: 0 })).rejects.toBeInstanceOf(SspiError);
    await expect(initializeSecurityContext({ credential: cred, flags: 0 })).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
  });

  it('rejects a handle of the wrong kind with SEC_E_INVALID_HANDLE', async () => {
    const cred = await acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user: 'u', password: 'p' },
    });
    const first = await initializeSecurityContext({ credential: cred, flags: 0 });
    await expect(
      initializeSecurityContext({ credential: first.context as never, flags: 0 }),
    ).rejects.toMatchObject({ code: 'SEC_E_INVALID_HANDLE' });
    await expect(deleteSecurityContext(cred as never)).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
    // An initiator context is not an acceptor's.
    const inbound = await acquireCredentialsHandle({
      package: 'NTLM',
      use: 'inbound',
      emulated: { users: { u: 'p' } },
    });
    await expect(
      acceptSecurityContext({ credential: inbound, context: first.context, flags: 0, input: first.output }),
    ).rejects.toMatchObject({ code: 'SEC_E_INVALID_HANDLE' });
    await deleteSecurityContext(first.context);
    await expect(deleteSecurityContext(first.context)).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
    await expect(encryptMessage(first.context, Buffer.from('x'))).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
    await expect(queryContextAttributes(first.context, 'sizes')).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
    await freeCredentialsHandle(cred);
    await freeCredentialsHandle(inbound);
  });

  it('frees on `await using`', async () => {
    let kept: { isValid: boolean } | undefined;
    {
      await using cred = await acquireCredentialsHandle({
        package: 'Negotiate',
        use: 'outbound',
        identity: { user: 'u', password: 'p' },
      });
      kept = cred;
      expect(cred.isValid).toBe(true);
    }
    expect(kept.isValid).toBe(false);
  });

  it('refuses an outbound-only credential on the accepting side', async () => {
    const cred = await acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user: 'u', password: 'p' },
    });
    await expect(
      acceptSecurityContext({ credential: cred, flags: 0, input: Buffer.from('NTLMSSP\0') }),
    ).rejects.toMatchObject({ code: 'SEC_E_NO_CREDENTIALS' });
    await freeCredentialsHandle(cred);
  });

  it('says SEC_E_NO_CREDENTIALS for an outbound call without identity on the emulated backend', async () => {
    const cred = await acquireCredentialsHandle({ package: 'NTLM', use: 'outbound' });
    const err = await initializeSecurityContext({ credential: cred, flags: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(SspiError);
    expect(err.code).toBe('SEC_E_NO_CREDENTIALS');
    await freeCredentialsHandle(cred);
  });
});
