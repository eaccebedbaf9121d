/**
 * NTLM session security between an established NtlmInitiator and NtlmAcceptor: wrap, unwrap, sign,
 * verify, the SPNEGO RC4 reset, and dispose.
 */
import { PASSWORD_HASH, errorOf, established, initiator } from '../fixtures/ntlm/pair';

describe('NTLM session security', () => {
  it('wraps and unwraps several messages both ways, with sequence numbers advancing', () => {
    const { client, server } = established();
    for (let i = 0; i < 4; i++) {
      const toServer = Buffer.from(`client message ${i}`);
      const wrapped = client.wrap(toServer);
      expect(wrapped).toHaveLength(16 + toServer.length);
      expect(wrapped.readUInt32LE(0)).toBe(1);
      expect(wrapped.readUInt32LE(12)).toBe(i);
      expect(wrapped.subarray(16).equals(toServer)).toBe(false);
      expect(server.unwrap(wrapped).equals(toServer)).toBe(true);

      const toClient = Buffer.from(`server reply ${i}`.repeat(i + 1));
      expect(client.unwrap(server.wrap(toClient)).equals(toClient)).toBe(true);
    }
  });

  it('uses different keys per direction', () => {
    const { client, server } = established();
    const data = Buffer.from('same plaintext');
    expect(client.wrap(data).equals(server.wrap(data))).toBe(false);
  });

  it('rejects a replayed, an altered, a reordered and a self-addressed message', () => {
    const { client, server } = established();
    const first = client.wrap(Buffer.from('one'));
    server.unwrap(first);
    expect(errorOf(() => server.unwrap(first)).code).toBe('SEC_E_MESSAGE_ALTERED');

    const pair2 = established();
    const altered = pair2.client.wrap(Buffer.from('pay 100'));
    altered[altered.length - 1] ^= 0x01;
    expect(errorOf(() => pair2.server.unwrap(altered)).code).toBe('SEC_E_MESSAGE_ALTERED');

    const pair3 = established();
    pair3.client.wrap(Buffer.from('first'));
    const second = pair3.client.wrap(Buffer.from('second'));
    expect(errorOf(() => pair3.server.unwrap(second)).code).toBe('SEC_E_MESSAGE_ALTERED');

    const pair4 = established();
    expect(errorOf(() => pair4.client.unwrap(pair4.client.wrap(Buffer.from('echo')))).code).toBe(
      'SEC_E_MESSAGE_ALTERED',
    );
  });

  it('rejects a message shorter than a signature as SEC_E_INVALID_TOKEN', () => {
    const { server } = established();
    expect(errorOf(() => server.unwrap(Buffer.alloc(15))).code).toBe('SEC_E_INVALID_TOKEN');
  });

  it('signs and verifies, sharing the sequence with wrap', () => {
    const { client, server } = established();
    const message = Buffer.from('integrity only');
    const signature = client.sign(message);
    expect(signature).toHaveLength(16);
    server.verify(message, signature);
    const wrapped = client.wrap(Buffer.from('next'));
    expect(wrapped.readUInt32LE(12)).toBe(1);
    expect(server.unwrap(wrapped).toString()).toBe('next');
    const bad = client.sign(message);
    expect(errorOf(() => server.verify(Buffer.from('integrity onlY'), bad)).code).toBe(
      'SEC_E_MESSAGE_ALTERED',
    );
  });

  it('resetRc4State restarts the keystream for SPNEGO but keeps the sequence number', () => {
    const { client, server } = established();
    const mechList = Buffer.from('3018060a2b06010401823702020a', 'hex');
    // The mechListMIC exchange of MS-SPNG: client signs, server verifies, both reset that direction.
    server.verify(mechList, client.sign(mechList));
    client.resetRc4State('outbound');
    server.resetRc4State('inbound');
    client.verify(mechList, server.sign(mechList));
    server.resetRc4State('outbound');
    client.resetRc4State('inbound');

    const wrapped = client.wrap(Buffer.from('credentials'));
    expect(wrapped.readUInt32LE(12)).toBe(1);
    expect(server.unwrap(wrapped).toString()).toBe('credentials');
    expect(client.unwrap(server.wrap(Buffer.from('ok'))).toString()).toBe('ok');
  });

  it('fails the first message when only one side resets its RC4 state', () => {
    const { client, server } = established();
    const mic = client.sign(Buffer.from('mechs'));
    server.verify(Buffer.from('mechs'), mic);
    client.resetRc4State('outbound');
    expect(errorOf(() => server.unwrap(client.wrap(Buffer.from('x')))).code).toBe('SEC_E_MESSAGE_ALTERED');
  });

  it('refuses wrap before the context is established', () => {
    const client = initiator();
    client.step(null);
    expect(errorOf(() => client.wrap(Buffer.from('too early'))).code).toBe('SEC_E_INVALID_HANDLE');
  });

  it('zeroes the session key on dispose and refuses use afterwards', () => {
    const { client, server } = established();
    const clientKey = client.sessionKey!;
    const serverKey = server.sessionKey!;
    expect(clientKey.equals(Buffer.alloc(16))).toBe(false);
    client.dispose();
    server.dispose();
    client.dispose();
    expect(clientKey.equals(Buffer.alloc(16))).toBe(true);
    expect(serverKey.equals(Buffer.alloc(16))).toBe(true);
    expect(errorOf(() => client.wrap(Buffer.from('x'))).code).toBe('SEC_E_INVALID_HANDLE');
  });

  it('does not zero the NT hash the caller passed in', () => {
    const hash = Buffer.from(PASSWORD_HASH);
    const client = initiator({ ntHash: hash });
    client.dispose();
    expect(hash.equals(PASSWORD_HASH)).toBe(true);
  });
});
