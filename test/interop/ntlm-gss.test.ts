/**
 * Raw NTLM against gss-ntlmssp (through python3-gssapi), both directions: logon, the user's name,
 * the session key both ends derive, sealed messages both ways, and wrong passwords refused.
 */
import { acquireCredentialsHandle, queryContextAttributes } from '../../lib';
import { describeWithPeers } from './peers/availability';
import { gssInitiatorToOurs, ourInitiatorToGss, sealBothWays } from './peers/gss-exchange';
import { PeerRefused } from './peers/json-peer';
import { ntlmMessageType } from './peers/spnego-inspect';

const bob = { user: 'bob', domain: 'GSSTEST', password: 'Gss-Interop-2' };
const wrongPassword = 'not-bobs-password';

/** Our acceptor takes bob in his domain only ('DOMAIN\\user' key). */
const ourAcceptor = () =>
  acquireCredentialsHandle({
    package: 'NTLM',
    use: 'inbound',
    emulated: { users: { [`${bob.domain}\\${bob.user}`]: bob.password } },
  });

describeWithPeers(['gss-ntlmssp'], 'NTLM: our initiator → gss-ntlmssp acceptor', () => {
  test('logs on: SEC_E_OK, the peer names bob, same session key, sealed both ways', async () => {
    const session = await ourInitiatorToGss('NTLM', 'ntlm', bob, [bob]);
    try {
      const { exchange, peerDone } = session;
      expect(exchange.ours.statusName).toBe('SEC_E_OK');
      expect(exchange.sent.map(ntlmMessageType)).toEqual([1, 3]);
      expect(exchange.received.map(ntlmMessageType)).toEqual([2]);
      expect(peerDone?.peer).toBe(`${bob.domain}\\${bob.user}`);
      const { sessionKey } = await queryContextAttributes(exchange.ours.context, 'sessionKey');
      expect(sessionKey).toEqual(peerDone?.sessionKey);
      await sealBothWays(exchange.ours.context, session.peer);
    } finally {
      await session.close();
    }
  });

  test('a wrong password is refused by gss-ntlmssp', async () => {
    await expect(
      ourInitiatorToGss('NTLM', 'ntlm', { ...bob, password: wrongPassword }, [bob]),
    ).rejects.toBeInstanceOf(PeerRefused);
  });
});

describeWithPeers(['gss-ntlmssp'], 'NTLM: gss-ntlmssp initiator → our acceptor', () => {
  test('logs on: SEC_E_OK, names gives bob, same session key, sealed both ways', async () => {
    const session = await gssInitiatorToOurs('NTLM', 'ntlm', bob, ourAcceptor);
    try {
      const { exchange, peerDone } = session;
      expect(exchange.ours.statusName).toBe('SEC_E_OK');
      expect(exchange.received.map(ntlmMessageType)).toEqual([1, 3]);
      expect(exchange.sent.map(ntlmMessageType)).toEqual([2]);
      expect((await queryContextAttributes(exchange.ours.context, 'names')).user).toBe(
        `${bob.domain}\\${bob.user}`,
      );
      const { sessionKey } = await queryContextAttributes(exchange.ours.context, 'sessionKey');
      expect(sessionKey).toEqual(peerDone?.sessionKey);
      await sealBothWays(exchange.ours.context, session.peer);
    } finally {
      await session.close();
    }
  });

  test('a wrong password: SEC_E_LOGON_DENIED', async () => {
    await expect(
      gssInitiatorToOurs('NTLM', 'ntlm', { ...bob, password: wrongPassword }, ourAcceptor),
    ).rejects.toMatchObject({
      code: 'SEC_E_LOGON_DENIED',
    });
  });

  test('bob from another domain: SEC_E_LOGON_DENIED (the key names his domain)', async () => {
    await expect(
      gssInitiatorToOurs('NTLM', 'ntlm', { ...bob, domain: 'ELSEWHERE' }, ourAcceptor),
    ).rejects.toMatchObject({
      code: 'SEC_E_LOGON_DENIED',
    });
  });
});
