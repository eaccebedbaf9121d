import {
  ISC_REQ,
  SspiError,
  acceptSecurityContext,
  decryptMessage,
  deleteSecurityContext,
  encryptMessage,
  freeCredentialsHandle,
  initializeSecurityContext,
  queryContextAttributes,
} from '../../lib';
import { credentialPair, handshake } from './helpers';

const FLAGS = ISC_REQ.CONFIDENTIALITY | ISC_REQ.INTEGRITY | ISC_REQ.SEQUENCE_DETECT | ISC_REQ.REPLAY_DETECT;

describe.each(['NTLM', 'Negotiate'] as const)('%s loopback through the public API', (pkg) => {
  it('authenticates a good password: SEC_E_OK on both sides, names gives the user', async () => {
    const { clientCred, serverCred } = await credentialPair(pkg);
    const { client, server } = await handshake(clientCred, serverCred, { flags: FLAGS });
    expect(client.statusName).toBe('SEC_E_OK');
    expect(server.statusName).toBe('SEC_E_OK');
    expect(client.attributes & ISC_REQ.CONFIDENTIALITY).toBeTruthy();
    const names = await queryContextAttributes(server.context, 'names');
    expect(names.user.toLowerCase()).toBe('lab\\alice');
    const sizes = await queryContextAttributes(client.context, 'sizes');
    expect(sizes.maxSignature).toBe(16);

    // Sealed messages both ways, several in a row: sequence numbers advance on both sides.
    for (let i = 0; i < 3; i++) {
      const up = await encryptMessage(client.context, Buffer.from(`to server ${i}`));
      expect(up.includes(Buffer.from(`to server ${i}`))).toBe(false);
      expect((await decryptMessage(server.context, up)).toString()).toBe(`to server ${i}`);
      const down = await encryptMessage(server.context, Buffer.from(`to client ${i}`));
      expect((await decryptMessage(client.context, down)).toString()).toBe(`to client ${i}`);
    }
    // A replayed message no longer verifies.
    const once = await encryptMessage(client.context, Buffer.from('once'));
    await decryptMessage(server.context, once);
    await expect(decryptMessage(server.context, once)).rejects.toMatchObject({
      code: 'SEC_E_MESSAGE_ALTERED',
    });

    await deleteSecurityContext(client.context);
    await deleteSecurityContext(server.context);
    await expect(deleteSecurityContext(server.context)).rejects.toMatchObject({
      code: 'SEC_E_INVALID_HANDLE',
    });
    await freeCredentialsHandle(clientCred);
    await freeCredentialsHandle(serverCred);
  });

  it('refuses a wrong password and an unknown user alike with SEC_E_LOGON_DENIED', async () => {
    const wrong = await credentialPair(pkg, { identity: { user: 'alice', domain: 'LAB', password: 'nope' } });
    const e1 = await handshake(wrong.clientCred, wrong.serverCred).catch((e) => e);
    const unknown = await credentialPair(pkg, {
      identity: { user: 'mallory', domain: 'LAB', password: 'Passw0rd!' },
    });
    const e2 = await handshake(unknown.clientCred, unknown.serverCred).catch((e) => e);
    for (const err of [e1, e2]) {
      expect(err).toBeInstanceOf(SspiError);
      expect(err.code).toBe('SEC_E_LOGON_DENIED');
      expect(err.message).not.toMatch(/nope|Passw0rd/);
    }
    // Which of the two failed is not told.
    expect(e1.message).toBe(e2.message);
  });

  it('rejects a tampered AUTHENTICATE', async () => {
    const { clientCred, serverCred } = await credentialPair(pkg);
    const err = await handshake(clientCred, serverCred, {
      tamper: (leg, token) => {
        if (leg !== 2) return token;
        const copy = Buffer.from(token);
        copy[copy.length - 5] ^= 0x01; // the tail is inside the NTLMv2 response / user / workstation payload
        return copy;
      },
    }).catch((e) => e);
    expect(err).toBeInstanceOf(SspiError);
    expect(['SEC_E_LOGON_DENIED', 'SEC_E_MESSAGE_ALTERED', 'SEC_E_INVALID_TOKEN']).toContain(err.code);
  });

  it('answers garbage with SEC_E_INVALID_TOKEN', async () => {
    const { serverCred } = await credentialPair(pkg);
    await expect(
      acceptSecurityContext({ credential: serverCred, flags: 0, input: Buffer.from('not a token at all') }),
    ).rejects.toMatchObject({ code: 'SEC_E_INVALID_TOKEN' });
    const { clientCred } = await credentialPair(pkg);
    const first = await initializeSecurityContext({ credential: clientCred, flags: 0 });
    await expect(
      initializeSecurityContext({
        credential: clientCred,
        context: first.context,
        flags: 0,
        input: Buffer.alloc(40, 0x41),
      }),
    ).rejects.toMatchObject({ code: 'SEC_E_INVALID_TOKEN' });
    await deleteSecurityContext(first.context);
  });

  it('zeroes the identity secrets when the credential is freed', async () => {
    const { clientCred } = await credentialPair(pkg);
    const ctx = await initializeSecurityContext({ credential: clientCred, flags: 0 });
    // The emulated credential's Buffers, reached through the backend state for this white-box check.
    const { Handle } = await import('../../lib/handles');
    const raw = Handle.stateOf(clientCred, 'credential').raw as {
      identity: { ntHash: Buffer; passwordUtf16: Buffer };
    };
    const { ntHash, passwordUtf16 } = raw.identity;
    await freeCredentialsHandle(clientCred);
    // A live context keeps the credential's secrets until it is deleted.
    expect(ntHash.some((b) => b !== 0)).toBe(true);
    await deleteSecurityContext(ctx.context);
    expect(ntHash.every((b) => b === 0)).toBe(true);
    expect(passwordUtf16.every((b) => b === 0)).toBe(true);
  });
});
