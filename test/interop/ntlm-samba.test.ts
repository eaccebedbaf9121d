/**
 * Raw NTLM against Samba, both directions: ntlm_auth (squid-2.5-ntlmssp) as the acceptor of our
 * initiator, ntlm_auth (ntlmssp-client-1) and Samba's gensec client as initiators to our acceptor.
 * ntlm_auth cannot seal, so against it the session key is compared (both ends must derive the
 * same ExportedSessionKey, MS-NLMP 3.1.5.1.2 / 3.2.5.1.2); gensec seals both ways.
 */
import {
  acquireCredentialsHandle,
  decryptMessage,
  encryptMessage,
  freeCredentialsHandle,
  queryContextAttributes,
  type CredentialsHandle,
} from '../../lib';
import { describeWithPeers } from './peers/availability';
import { runOurAcceptor, runOurInitiator } from './peers/drive';
import { JsonPeer } from './peers/json-peer';
import { NtlmAuthAcceptor, NtlmAuthClient } from './peers/ntlm-auth';
import { writeSambaConfig } from './peers/samba-config';
import { ntlmMessageType } from './peers/spnego-inspect';

const alice = { user: 'alice', domain: 'SAMBATEST', password: 'Samba-Interop-1' };
const wrongPassword = 'not-alices-password';

let samba: ReturnType<typeof writeSambaConfig>;
beforeAll(() => {
  samba = writeSambaConfig();
});
afterAll(() => samba?.remove());

/** Our acceptor's credentials: alice, in any domain. */
function acceptorCredential(): Promise<CredentialsHandle> {
  return acquireCredentialsHandle({
    package: 'NTLM',
    use: 'inbound',
    emulated: { users: { alice: alice.password } },
  });
}

describeWithPeers(['ntlm_auth'], 'NTLM: our initiator → Samba ntlm_auth acceptor', () => {
  async function logOn(password: string) {
    const credential = await acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user: alice.user, domain: alice.domain, password },
    });
    const peer = new NtlmAuthAcceptor(alice.password, samba.path);
    let verdict: Awaited<ReturnType<NtlmAuthAcceptor['authenticate']>> | undefined;
    try {
      const exchange = await runOurInitiator(credential, async (token) => {
        if (ntlmMessageType(token) === 1) return peer.challenge(token);
        verdict = await peer.authenticate(token);
        return null;
      });
      const peerSession = verdict?.accepted ? await peer.session() : undefined;
      return { exchange, verdict: verdict!, peerSession };
    } finally {
      await peer.close();
      await freeCredentialsHandle(credential);
    }
  }

  test('a good password is accepted, and both ends hold the same session key', async () => {
    const { exchange, verdict, peerSession } = await logOn(alice.password);
    expect(exchange.ours.statusName).toBe('SEC_E_OK');
    expect(exchange.sent.map(ntlmMessageType)).toEqual([1, 3]);
    expect(verdict).toEqual({ accepted: true, user: `${alice.domain}\\${alice.user}` });
    const { sessionKey } = await queryContextAttributes(exchange.ours.context, 'sessionKey');
    expect(sessionKey).toHaveLength(16);
    expect(sessionKey).toEqual(peerSession!.sessionKey);
    // ntlm_auth negotiated signing and sealing with us (MS-NLMP 2.2.2.5: SIGN 0x10, SEAL 0x20).
    expect(peerSession!.flags & 0x30).toBe(0x30);
  });

  test('a wrong password is refused by ntlm_auth', async () => {
    const { verdict } = await logOn(wrongPassword);
    // Samba 4.17 says LOGON_FAILURE; other versions may name the wrong password itself.
    expect(verdict).toEqual({
      accepted: false,
      reason: expect.stringMatching(/^NA NT_STATUS_(LOGON_FAILURE|WRONG_PASSWORD)$/),
    });
  });
});

describeWithPeers(['ntlm_auth'], 'NTLM: Samba ntlm_auth client → our acceptor', () => {
  async function logOn(password: string) {
    const credential = await acceptorCredential();
    const peer = new NtlmAuthClient({ ...alice, password }, samba.path);
    try {
      const exchange = await runOurAcceptor(credential, await peer.negotiate(), (challenge) =>
        peer.authenticate(challenge),
      );
      return { exchange, peer, credential };
    } catch (err) {
      await peer.close();
      await freeCredentialsHandle(credential);
      throw err;
    }
  }

  test('a good password: SEC_E_OK, names gives the user, same session key as ntlm_auth', async () => {
    const { exchange, peer, credential } = await logOn(alice.password);
    try {
      expect(exchange.ours.statusName).toBe('SEC_E_OK');
      expect(exchange.received.map(ntlmMessageType)).toEqual([1, 3]);
      const names = await queryContextAttributes(exchange.ours.context, 'names');
      expect(names.user).toBe(`${alice.domain}\\${alice.user}`);
      const { sessionKey } = await queryContextAttributes(exchange.ours.context, 'sessionKey');
      expect(sessionKey).toEqual((await peer.session()).sessionKey);
    } finally {
      await peer.close();
      await freeCredentialsHandle(credential);
    }
  });

  test('a wrong password: SEC_E_LOGON_DENIED', async () => {
    await expect(logOn(wrongPassword)).rejects.toMatchObject({ code: 'SEC_E_LOGON_DENIED' });
  });
});

/**
 * runOurAcceptor's peer callback: the AUTHENTICATE answers our CHALLENGE, after which the raw
 * NTLM initiator has nothing more to say.
 */
function initiatorAnswers(peer: JsonPeer): (token: Buffer) => Promise<Buffer | null> {
  return async (token) => (await peer.step(token)).token;
}

describeWithPeers(['samba-gensec'], 'NTLM: Samba gensec client → our acceptor, sealed both ways', () => {
  test('logs on, agrees on the session key, and seals messages both ways in sequence', async () => {
    const credential = await acceptorCredential();
    const peer = JsonPeer.sambaInitiator(alice, samba.path);
    try {
      const first = await peer.start();
      let peerSessionKey: Buffer | undefined;
      const exchange = await runOurAcceptor(credential, first.token!, async (token) => {
        const step = await peer.step(token);
        peerSessionKey = step.sessionKey;
        return step.token;
      });
      expect(exchange.ours.statusName).toBe('SEC_E_OK');
      const context = exchange.ours.context;
      expect((await queryContextAttributes(context, 'names')).user).toBe(`${alice.domain}\\${alice.user}`);
      expect((await queryContextAttributes(context, 'sessionKey')).sessionKey).toEqual(peerSessionKey);

      // Several messages each way: both ends must step their sequence numbers and RC4 states alike.
      for (let i = 0; i < 3; i++) {
        const fromSamba = Buffer.from(`samba to us #${i}`);
        expect(await decryptMessage(context, await peer.wrap(fromSamba))).toEqual(fromSamba);
        const fromUs = Buffer.from(`us to samba #${i}`);
        const sealed = await encryptMessage(context, fromUs);
        expect(sealed.includes(fromUs)).toBe(false);
        expect((await peer.unwrap(sealed)).data).toEqual(fromUs);
      }
    } finally {
      await peer.close();
      await freeCredentialsHandle(credential);
    }
  });

  test('a wrong password: SEC_E_LOGON_DENIED', async () => {
    const credential = await acceptorCredential();
    const peer = JsonPeer.sambaInitiator({ ...alice, password: wrongPassword }, samba.path);
    try {
      const first = await peer.start();
      await expect(runOurAcceptor(credential, first.token!, initiatorAnswers(peer))).rejects.toMatchObject({
        code: 'SEC_E_LOGON_DENIED',
      });
    } finally {
      await peer.close();
      await freeCredentialsHandle(credential);
    }
  });
});
