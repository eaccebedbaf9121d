/**
 * One logon between our package and gss-ntlmssp, either direction, raw NTLM or SPNEGO, plus a
 * sealed-message round trip. The test files (ntlm-gss, negotiate-gss) assert on the results.
 */
import {
  acquireCredentialsHandle,
  decryptMessage,
  encryptMessage,
  freeCredentialsHandle,
  type CredentialsHandle,
  type SecurityContext,
} from '../../../lib';
import { runOurAcceptor, runOurInitiator, type Exchange } from './drive';
import { JsonPeer, type Identity, type PeerStep } from './json-peer';
import { writeUserFile } from './user-file';

export type OurPackage = 'NTLM' | 'Negotiate';
export type GssMech = 'ntlm' | 'spnego';

/** A finished (or failed) logon; `close()` ends the peer and frees our credentials. */
export interface GssSession {
  exchange: Exchange;
  peer: JsonPeer;
  /** The peer's answer on completion (name, session key), if it completed. */
  peerDone: PeerStep | undefined;
  close(): Promise<void>;
}

/** Closes everything, whichever way the exchange went, and rethrows a failure. */
async function settle(
  run: () => Promise<Omit<GssSession, 'close'>>,
  cleanup: () => Promise<void>,
): Promise<GssSession> {
  try {
    return { ...(await run()), close: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Our initiator (package `pkg`, logging on as `identity`) against gss-ntlmssp accepting `users`. */
export async function ourInitiatorToGss(
  pkg: OurPackage,
  mech: GssMech,
  identity: Identity,
  users: Identity[],
  tamper: (leg: number, token: Buffer) => Buffer = (_, token) => token,
): Promise<GssSession> {
  const userFile = writeUserFile(users);
  const credential = await acquireCredentialsHandle({ package: pkg, use: 'outbound', identity });
  const peer = JsonPeer.gssAcceptor(mech, userFile.path);
  let peerDone: PeerStep | undefined;
  let leg = 0;
  return settle(
    async () => {
      await peer.start();
      const exchange = await runOurInitiator(credential, async (token) => {
        const step = await peer.step(token);
        if (step.complete) peerDone = step;
        return step.token && tamper(leg++, step.token);
      });
      return { exchange, peer, peerDone };
    },
    async () => {
      await peer.close();
      await freeCredentialsHandle(credential);
      userFile.remove();
    },
  );
}

/** gss-ntlmssp's initiator (logging on as `identity`) against our acceptor (package `pkg`). */
export async function gssInitiatorToOurs(
  pkg: OurPackage,
  mech: GssMech,
  identity: Identity,
  acceptor: () => Promise<CredentialsHandle>,
  tamper: (leg: number, token: Buffer) => Buffer = (_, token) => token,
): Promise<GssSession> {
  // gss-ntlmssp's initiator logs on with the one entry of its user file.
  const userFile = writeUserFile([identity]);
  const credential = await acceptor();
  const peer = JsonPeer.gssInitiator(mech, userFile.path);
  let peerDone: PeerStep | undefined;
  let leg = 0;
  return settle(
    async () => {
      const first = await peer.start();
      const exchange = await runOurAcceptor(credential, tamper(leg++, first.token!), async (token) => {
        const step = await peer.step(token);
        if (step.complete) peerDone = step;
        return step.token && tamper(leg++, step.token);
      });
      return { exchange, peer, peerDone };
    },
    async () => {
      await peer.close();
      await freeCredentialsHandle(credential);
      userFile.remove();
    },
  );
}

/**
 * Seals `rounds` messages each way: ours with encryptMessage → the peer's gss_unwrap, and the
 * peer's gss_wrap → our decryptMessage. Both ends must advance sequence numbers and cipher state
 * alike for the later rounds to pass.
 */
export async function sealBothWays(context: SecurityContext, peer: JsonPeer, rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const fromUs = Buffer.from(`from our package, message ${i}`);
    const sealed = await encryptMessage(context, fromUs);
    if (sealed.includes(fromUs)) throw new Error('encryptMessage left the plaintext readable');
    const unwrapped = await peer.unwrap(sealed);
    if (!unwrapped.confidential || !unwrapped.data.equals(fromUs)) {
      throw new Error(`the peer unwrapped message ${i} as ${JSON.stringify(unwrapped.data.toString())}`);
    }
    const fromPeer = Buffer.from(`from gss-ntlmssp, message ${i}`);
    const opened = await decryptMessage(context, await peer.wrap(fromPeer));
    if (!opened.equals(fromPeer))
      throw new Error(`we decrypted message ${i} as ${JSON.stringify(opened.toString())}`);
  }
}
