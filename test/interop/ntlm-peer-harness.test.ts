/**
 * The peers against each other, without our code: proves the harness drives each peer correctly,
 * so that a failure in the other interop tests points at our implementation, not at the harness.
 */
import { describeWithPeers } from './peers/availability';
import { JsonPeer, PeerRefused } from './peers/json-peer';
import { NtlmAuthAcceptor, NtlmAuthClient } from './peers/ntlm-auth';
import { writeSambaConfig } from './peers/samba-config';
import { writeUserFile } from './peers/user-file';

const alice = { user: 'alice', domain: 'EXAMPLE', password: 'Peer-Secret-1' };

describeWithPeers(['ntlm_auth', 'gss-ntlmssp'], 'interop harness: the peers agree with each other', () => {
  let samba: ReturnType<typeof writeSambaConfig>;
  let users: ReturnType<typeof writeUserFile>;
  beforeAll(() => {
    samba = writeSambaConfig();
    users = writeUserFile([alice]);
  });
  afterAll(() => {
    samba.remove();
    users.remove();
  });

  test('ntlm_auth client logs on to gss-ntlmssp, and both hold the same session key', async () => {
    const client = new NtlmAuthClient(alice, samba.path);
    const acceptor = JsonPeer.gssAcceptor('ntlm', users.path);
    try {
      await acceptor.start();
      const challenge = await acceptor.step(await client.negotiate());
      const done = await acceptor.step(await client.authenticate(challenge.token!));
      expect(done.complete).toBe(true);
      expect(done.peer).toBe('EXAMPLE\\alice');
      expect((await client.session()).sessionKey).toEqual(done.sessionKey);
    } finally {
      await Promise.all([client.close(), acceptor.close()]);
    }
  });

  test('gss-ntlmssp initiator logs on to ntlm_auth, and a wrong password is refused', async () => {
    for (const [password, accepted] of [
      [alice.password, true],
      ['not-the-password', false],
    ] as const) {
      const identity = writeUserFile([{ ...alice, password }]);
      const initiator = JsonPeer.gssInitiator('ntlm', identity.path);
      const acceptor = new NtlmAuthAcceptor(alice.password, samba.path);
      try {
        const negotiate = await initiator.start();
        const challenge = await acceptor.challenge(negotiate.token!);
        const authenticate = await initiator.step(challenge);
        const verdict = await acceptor.authenticate(authenticate.token!);
        expect(verdict).toEqual(
          accepted
            ? { accepted: true, user: 'EXAMPLE\\alice' }
            : expect.objectContaining({ accepted: false }),
        );
        if (accepted) expect((await acceptor.session()).sessionKey).toEqual(authenticate.sessionKey);
      } finally {
        await Promise.all([initiator.close(), acceptor.close()]);
        identity.remove();
      }
    }
  });

  test.each(['ntlm', 'spnego'] as const)(
    'gss-ntlmssp %s seals messages both ways with itself',
    async (mech) => {
      const initiator = JsonPeer.gssInitiator(mech, users.path);
      const acceptor = JsonPeer.gssAcceptor(mech, users.path);
      try {
        await acceptor.start();
        let step = await initiator.start();
        for (let side = 0; step.token; side ^= 1)
          step = await (side === 0 ? acceptor : initiator).step(step.token);
        const there = await acceptor.unwrap(await initiator.wrap(Buffer.from('to the acceptor')));
        const back = await initiator.unwrap(await acceptor.wrap(Buffer.from('to the initiator')));
        expect(there).toEqual({ data: Buffer.from('to the acceptor'), confidential: true });
        expect(back).toEqual({ data: Buffer.from('to the initiator'), confidential: true });
      } finally {
        await Promise.all([initiator.close(), acceptor.close()]);
      }
    },
  );

  test('gss-ntlmssp acceptor refuses a wrong password', async () => {
    const identity = writeUserFile([{ ...alice, password: 'not-the-password' }]);
    const initiator = JsonPeer.gssInitiator('ntlm', identity.path);
    const acceptor = JsonPeer.gssAcceptor('ntlm', users.path);
    try {
      await acceptor.start();
      const challenge = await acceptor.step((await initiator.start()).token!);
      const authenticate = await initiator.step(challenge.token!);
      await expect(acceptor.step(authenticate.token!)).rejects.toBeInstanceOf(PeerRefused);
    } finally {
      await Promise.all([initiator.close(), acceptor.close()]);
      identity.remove();
    }
  });
});

describeWithPeers(['samba-gensec', 'gss-ntlmssp'], 'interop harness: Samba gensec', () => {
  test('Samba gensec client logs on to gss-ntlmssp and seals both ways', async () => {
    const samba = writeSambaConfig();
    const users = writeUserFile([alice]);
    const initiator = JsonPeer.sambaInitiator(alice, samba.path);
    const acceptor = JsonPeer.gssAcceptor('ntlm', users.path);
    try {
      await acceptor.start();
      const challenge = await acceptor.step((await initiator.start()).token!);
      const authenticate = await initiator.step(challenge.token!);
      const done = await acceptor.step(authenticate.token!);
      expect(done.peer).toBe('EXAMPLE\\alice');
      expect(done.sessionKey).toEqual(authenticate.sessionKey);
      const there = await acceptor.unwrap(await initiator.wrap(Buffer.from('from samba')));
      expect(there.data.toString()).toBe('from samba');
      const back = await initiator.unwrap(await acceptor.wrap(Buffer.from('to samba')));
      expect(back.data.toString()).toBe('to samba');
    } finally {
      await Promise.all([initiator.close(), acceptor.close()]);
      samba.remove();
      users.remove();
    }
  });
});
