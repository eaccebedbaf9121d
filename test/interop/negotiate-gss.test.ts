/**
 * Negotiate (SPNEGO, RFC 4178 / MS-SPNG) against gss-ntlmssp under MIT krb5's SPNEGO, both
 * directions. NTLM is the mechanism, so both final NegTokenResps carry a mechListMIC
 * (MS-SPNG 3.1.5.1), and each side must verify the other's: a flipped bit there is refused.
 * Our Negotiate acceptor also takes raw NTLMSSP, as Windows' does.
 */
import {
  SspiError,
  acquireCredentialsHandle,
  freeCredentialsHandle,
  queryContextAttributes,
} from '../../lib';
import { describeWithPeers } from './peers/availability';
import { gssInitiatorToOurs, ourInitiatorToGss, sealBothWays } from './peers/gss-exchange';
import { runOurAcceptor } from './peers/drive';
import { JsonPeer, PeerRefused } from './peers/json-peer';
import { NEG_STATE, negTokenResp, ntlmMessageType } from './peers/spnego-inspect';
import { writeUserFile } from './peers/user-file';

const carol = { user: 'carol', domain: 'GSSTEST', password: 'Spnego-Interop-3' };
const wrongPassword = 'not-carols-password';

/** The NTLMSSP OID (MS-NLMP) as DER content bytes. */
const NTLMSSP_OID = Buffer.from('2b06010401823702020a', 'hex');

const ourAcceptor = () =>
  acquireCredentialsHandle({
    package: 'Negotiate',
    use: 'inbound',
    emulated: { users: { carol: carol.password } },
  });

/** A copy of a NegTokenResp with one bit of its mechListMIC's checksum flipped. */
function flipMechListMic(token: Buffer): Buffer {
  const mic = negTokenResp(token).mechListMIC;
  if (!mic) throw new Error('the token has no mechListMIC to tamper with');
  const copy = Buffer.from(token);
  copy[mic.byteOffset - token.byteOffset + 8] ^= 0x01; // inside the NTLM signature's checksum
  return copy;
}

describeWithPeers(['gss-ntlmssp'], 'Negotiate: our initiator → gss-ntlmssp SPNEGO acceptor', () => {
  test('logs on with NTLM, mechListMIC both ways, same session key, sealed both ways', async () => {
    const session = await ourInitiatorToGss('Negotiate', 'spnego', carol, [carol]);
    try {
      const { exchange, peerDone } = session;
      expect(exchange.ours.statusName).toBe('SEC_E_OK');
      expect(peerDone?.peer).toBe(`${carol.domain}\\${carol.user}`);
      // Legs: NegTokenInit(NEGOTIATE) → NegTokenResp(CHALLENGE) → NegTokenResp(AUTHENTICATE + MIC)
      //       → NegTokenResp(accept-completed + MIC).
      expect(exchange.sent[0][0]).toBe(0x60);
      const challenge = negTokenResp(exchange.received[0]);
      expect(challenge.supportedMech).toEqual(NTLMSSP_OID);
      expect(ntlmMessageType(challenge.responseToken!)).toBe(2);
      const ourLast = negTokenResp(exchange.sent[1]);
      expect(ntlmMessageType(ourLast.responseToken!)).toBe(3);
      expect(ourLast.mechListMIC).toHaveLength(16);
      const theirLast = negTokenResp(exchange.received[1]);
      expect(theirLast.negState).toBe(NEG_STATE.acceptCompleted);
      expect(theirLast.mechListMIC).toHaveLength(16);

      const { sessionKey } = await queryContextAttributes(exchange.ours.context, 'sessionKey');
      expect(sessionKey).toEqual(peerDone?.sessionKey);
      await sealBothWays(exchange.ours.context, session.peer);
    } finally {
      await session.close();
    }
  });

  test("refuses the acceptor's final token when its mechListMIC is altered: SEC_E_MESSAGE_ALTERED", async () => {
    await expect(
      ourInitiatorToGss('Negotiate', 'spnego', carol, [carol], (leg, token) =>
        leg === 1 ? flipMechListMic(token) : token,
      ),
    ).rejects.toMatchObject({ code: 'SEC_E_MESSAGE_ALTERED' });
  });

  test('a wrong password is refused by gss-ntlmssp', async () => {
    await expect(
      ourInitiatorToGss('Negotiate', 'spnego', { ...carol, password: wrongPassword }, [carol]),
    ).rejects.toBeInstanceOf(PeerRefused);
  });
});

describeWithPeers(['gss-ntlmssp'], 'Negotiate: gss-ntlmssp SPNEGO initiator → our acceptor', () => {
  test('logs on with NTLM, mechListMIC both ways, names gives carol, sealed both ways', async () => {
    const session = await gssInitiatorToOurs('Negotiate', 'spnego', carol, ourAcceptor);
    try {
      const { exchange, peerDone } = session;
      expect(exchange.ours.statusName).toBe('SEC_E_OK');
      // The peer completes only after verifying the mechListMIC of our final token.
      expect(peerDone?.complete).toBe(true);
      expect(exchange.received[0][0]).toBe(0x60);
      const theirLast = negTokenResp(exchange.received[1]);
      expect(ntlmMessageType(theirLast.responseToken!)).toBe(3);
      expect(theirLast.mechListMIC).toHaveLength(16);
      const ourFirst = negTokenResp(exchange.sent[0]);
      expect(ourFirst.negState).toBe(NEG_STATE.acceptIncomplete);
      expect(ourFirst.supportedMech).toEqual(NTLMSSP_OID);
      expect(ntlmMessageType(ourFirst.responseToken!)).toBe(2);
      const ourLast = negTokenResp(exchange.sent[1]);
      expect(ourLast.negState).toBe(NEG_STATE.acceptCompleted);
      expect(ourLast.mechListMIC).toHaveLength(16);

      expect((await queryContextAttributes(exchange.ours.context, 'names')).user).toBe(
        `${carol.domain}\\${carol.user}`,
      );
      const { sessionKey } = await queryContextAttributes(exchange.ours.context, 'sessionKey');
      expect(sessionKey).toEqual(peerDone?.sessionKey);
      await sealBothWays(exchange.ours.context, session.peer);
    } finally {
      await session.close();
    }
  });

  test("refuses the initiator's final token when its mechListMIC is altered: SEC_E_MESSAGE_ALTERED", async () => {
    await expect(
      gssInitiatorToOurs('Negotiate', 'spnego', carol, ourAcceptor, (leg, token) =>
        leg === 1 ? flipMechListMic(token) : token,
      ),
    ).rejects.toMatchObject({ code: 'SEC_E_MESSAGE_ALTERED' });
  });

  test('a wrong password: SEC_E_LOGON_DENIED, with an SPNEGO reject the peer understands', async () => {
    const identity = writeUserFile([{ ...carol, password: wrongPassword }]);
    const credential = await ourAcceptor();
    const peer = JsonPeer.gssInitiator('spnego', identity.path);
    try {
      const first = await peer.start();
      const err = await runOurAcceptor(
        credential,
        first.token!,
        async (token) => (await peer.step(token)).token,
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SspiError);
      expect((err as SspiError).code).toBe('SEC_E_LOGON_DENIED');
      // The reject token (RFC 4178 4.2.2 negState reject) goes back so the peer learns it failed.
      const reject = (err as SspiError).output!;
      expect(negTokenResp(reject).negState).toBe(NEG_STATE.reject);
      await expect(peer.step(reject)).rejects.toBeInstanceOf(PeerRefused);
    } finally {
      await peer.close();
      await freeCredentialsHandle(credential);
      identity.remove();
    }
  });

  test('takes a raw NTLMSSP exchange too, answering in raw NTLMSSP (as Windows does)', async () => {
    const session = await gssInitiatorToOurs('Negotiate', 'ntlm', carol, ourAcceptor);
    try {
      const { exchange, peerDone } = session;
      expect(exchange.ours.statusName).toBe('SEC_E_OK');
      expect(exchange.sent.map(ntlmMessageType)).toEqual([2]);
      expect((await queryContextAttributes(exchange.ours.context, 'names')).user).toBe(
        `${carol.domain}\\${carol.user}`,
      );
      await sealBothWays(exchange.ours.context, session.peer, 1);
      expect(peerDone?.complete).toBe(true);
    } finally {
      await session.close();
    }
  });
});
