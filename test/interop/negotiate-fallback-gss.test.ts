/**
 * SPNEGO's choice between mechanisms against MIT krb5's SPNEGO with gss-ntlmssp, both directions
 * (RFC 4178 5, second case). Our initiator offers a mechanism MIT does not know before NTLM, as
 * it will offer Kerberos before NTLM: MIT answers request-mic with NTLM, we drop the optimistic
 * context, start NTLM over, and both mechListMICs are exchanged. Our acceptor prefers another
 * mechanism to the NTLM that MIT offers: the initiator's order wins, and it asks for the MICs.
 */
import { NtlmAcceptor } from '../../lib/emulated/mechanisms/ntlm/acceptor';
import { NtlmInitiator } from '../../lib/emulated/mechanisms/ntlm/initiator';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import type { MechanismContext } from '../../lib/emulated/mechanisms/mechanism-context';
import { SpnegoAcceptor } from '../../lib/emulated/mechanisms/spnego/acceptor';
import { SpnegoInitiator } from '../../lib/emulated/mechanisms/spnego/initiator';
import {
  NTLMSSP_OID,
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeInitialToken,
  encodeMechTypes,
} from '../../lib/emulated/mechanisms/spnego/tokens';
import { ToyContext } from '../unit/support/toy-mechanism';
import { describeWithPeers } from './peers/availability';
import { JsonPeer, PeerRefused, type PeerStep } from './peers/json-peer';
import { writeUserFile } from './peers/user-file';

const carol = { user: 'carol', domain: 'GSSTEST', password: 'Spnego-Fallback-4' };
const carolHash = (): Buffer => ntHashOf(Buffer.from(carol.password, 'utf16le'));
/** An OID no peer knows (a private arc), standing for a mechanism MIT cannot accept here. */
const UNKNOWN_OID = '1.3.6.1.4.1.55555.1.1';

/** Seal a message each way between our context and the peer's. */
async function sealBothWays(ours: MechanismContext, peer: JsonPeer): Promise<void> {
  const fromUs = Buffer.from('from our SPNEGO');
  expect(await peer.unwrap(ours.wrap(fromUs))).toEqual({ data: fromUs, confidential: true });
  const fromPeer = Buffer.from('from MIT SPNEGO');
  expect(ours.unwrap(await peer.wrap(fromPeer))).toEqual(fromPeer);
}

function ourInitiator(): SpnegoInitiator {
  return new SpnegoInitiator([
    { oids: [UNKNOWN_OID], make: () => new ToyContext('initiator') },
    {
      oids: [NTLMSSP_OID],
      make: () => new NtlmInitiator({ user: carol.user, domain: carol.domain, ntHash: carolHash() }),
    },
  ]);
}

/** Our initiator against MIT's acceptor until one side is done; `tamper` may rewrite what we send. */
async function runAgainstMit(
  initiator: SpnegoInitiator,
  peer: JsonPeer,
  tamper: (leg: number, token: Buffer) => Buffer = (_leg, token) => token,
): Promise<{ sent: Buffer[]; received: Buffer[]; peerDone: PeerStep | undefined }> {
  await peer.start();
  const sent = [initiator.step(null).output];
  const received: Buffer[] = [];
  let peerDone: PeerStep | undefined;
  for (let leg = 0; leg < 4 && !initiator.complete; leg++) {
    const step = await peer.step(tamper(leg, sent[sent.length - 1]));
    if (step.complete) peerDone = step;
    if (!step.token) break;
    received.push(step.token);
    const next = initiator.step(step.token);
    if (next.output.length > 0) sent.push(next.output);
  }
  return { sent, received, peerDone };
}

describeWithPeers(['gss-ntlmssp'], 'SPNEGO fallback: our initiator → MIT SPNEGO acceptor', () => {
  test('offered an unknown mechanism first, MIT picks NTLM; we start NTLM over, MICs both ways', async () => {
    const userFile = writeUserFile([carol]);
    const peer = JsonPeer.gssAcceptor('spnego', userFile.path);
    const initiator = ourInitiator();
    try {
      const { sent, received, peerDone } = await runAgainstMit(initiator, peer);
      expect(decodeInitialToken(sent[0]).mechTypes).toEqual([UNKNOWN_OID, NTLMSSP_OID]);
      const first = decodeNegTokenResp(received[0]);
      expect(first).toEqual({ negState: NegState.RequestMic, supportedMech: NTLMSSP_OID });
      expect(decodeNegTokenResp(sent[1]).responseToken!.readUInt32LE(8)).toBe(1); // NEGOTIATE anew
      expect(decodeNegTokenResp(sent[2]).mechListMIC).toHaveLength(16);
      expect(decodeNegTokenResp(received[2])).toMatchObject({ negState: NegState.AcceptCompleted });
      expect(decodeNegTokenResp(received[2]).mechListMIC).toHaveLength(16);
      expect(initiator.complete).toBe(true);
      expect(initiator.mechanism).toBe('NTLM');
      expect(peerDone?.peer).toBe(`${carol.domain}\\${carol.user}`);
      expect(peerDone?.sessionKey).toEqual(initiator.sessionKey);
      await sealBothWays(initiator, peer);
    } finally {
      initiator.dispose();
      await peer.close();
      userFile.remove();
    }
  });

  test('a mechTypes list stripped to NTLM in transit: MIT finds our mechListMIC does not match', async () => {
    const userFile = writeUserFile([carol]);
    const peer = JsonPeer.gssAcceptor('spnego', userFile.path);
    const initiator = ourInitiator();
    const stripped = (leg: number, token: Buffer): Buffer =>
      leg === 0 ? encodeInitialToken({ mechTypesDer: encodeMechTypes([NTLMSSP_OID]) }) : token;
    try {
      const refusal = await runAgainstMit(initiator, peer, stripped).catch((err: unknown) => err);
      expect(refusal).toBeInstanceOf(PeerRefused);
      // GSS_S_BAD_SIG on our last token, AUTHENTICATE + mechListMIC: the MIC covered the real list.
      expect((refusal as PeerRefused).reason).toMatch(/invalid Message Integrity Check/);
      expect(initiator.complete).toBe(false);
    } finally {
      initiator.dispose();
      await peer.close();
      userFile.remove();
    }
  });
});

describeWithPeers(['gss-ntlmssp'], 'SPNEGO fallback: MIT SPNEGO initiator → our acceptor', () => {
  test('our acceptor prefers another mechanism; MIT’s NTLM wins, with request-mic and MICs both ways', async () => {
    const userFile = writeUserFile([carol]);
    const peer = JsonPeer.gssInitiator('spnego', userFile.path);
    const acceptor = new SpnegoAcceptor([
      { oids: [UNKNOWN_OID], make: () => new ToyContext('acceptor') },
      {
        oids: [NTLMSSP_OID],
        make: () =>
          new NtlmAcceptor({ lookupNtHash: (user) => (user === carol.user ? carolHash() : undefined) }),
      },
    ]);
    try {
      let token = (await peer.start()).token!;
      const replies: Buffer[] = [];
      let peerDone: PeerStep | undefined;
      for (let leg = 0; leg < 4; leg++) {
        const reply = acceptor.step(token);
        if (reply.output.length === 0) break;
        replies.push(reply.output);
        const step = await peer.step(reply.output);
        if (step.complete) peerDone = step;
        if (!step.token) break;
        token = step.token;
      }
      const first = decodeNegTokenResp(replies[0]);
      expect(first).toMatchObject({ negState: NegState.RequestMic, supportedMech: NTLMSSP_OID });
      expect(first.responseToken!.readUInt32LE(8)).toBe(2); // MIT's optimistic NEGOTIATE was used
      expect(decodeNegTokenResp(replies[1])).toMatchObject({ negState: NegState.AcceptCompleted });
      expect(decodeNegTokenResp(replies[1]).mechListMIC).toHaveLength(16);
      expect(acceptor.complete).toBe(true);
      expect(peerDone?.complete).toBe(true);
      expect(acceptor.identity).toMatchObject({ user: carol.user, domain: carol.domain });
      expect(peerDone?.sessionKey).toEqual(acceptor.sessionKey);
      expect(ToyContext.made.filter((context) => context.role === 'acceptor')).toEqual([]);
      await sealBothWays(acceptor, peer);
    } finally {
      acceptor.dispose();
      await peer.close();
      userFile.remove();
    }
  });
});
