/**
 * Our side of an interop exchange, through the public API only: the ISC or ASC loop, relaying
 * each token to a peer and back. Every token either way is kept, so a test can look inside them
 * and a failure can show them.
 */
import {
  ASC_REQ,
  ISC_REQ,
  acceptSecurityContext,
  initializeSecurityContext,
  type ContextResult,
  type CredentialsHandle,
} from '../../../lib';

/** What both ends ask for: a session that signs and seals, in order, without replays. */
export const OUR_ISC_FLAGS =
  ISC_REQ.CONFIDENTIALITY |
  ISC_REQ.INTEGRITY |
  ISC_REQ.SEQUENCE_DETECT |
  ISC_REQ.REPLAY_DETECT |
  ISC_REQ.CONNECTION;
export const OUR_ASC_FLAGS =
  ASC_REQ.CONFIDENTIALITY |
  ASC_REQ.INTEGRITY |
  ASC_REQ.SEQUENCE_DETECT |
  ASC_REQ.REPLAY_DETECT |
  ASC_REQ.CONNECTION;

/** The target our initiator names; the peers used here do not check it. */
export const TARGET_NAME = 'HTTP/localhost';

export interface Exchange {
  /** Our last result (SEC_E_OK when the loop ended normally). */
  ours: ContextResult;
  /** Tokens we produced, in order. */
  sent: Buffer[];
  /** Tokens the peer produced, in order. */
  received: Buffer[];
}

/**
 * Runs our initiator against a peer acceptor. `peerAccept` answers each of our tokens with the
 * peer's (null: the peer finished without a token) and rejects when the peer refuses.
 */
export async function runOurInitiator(
  credential: CredentialsHandle,
  peerAccept: (token: Buffer) => Promise<Buffer | null>,
): Promise<Exchange> {
  const sent: Buffer[] = [];
  const received: Buffer[] = [];
  let ours = await initializeSecurityContext({ credential, targetName: TARGET_NAME, flags: OUR_ISC_FLAGS });
  while (ours.output.length > 0) {
    sent.push(ours.output);
    const reply = await peerAccept(ours.output);
    if (reply === null) break;
    received.push(reply);
    ours = await initializeSecurityContext({
      credential,
      context: ours.context,
      targetName: TARGET_NAME,
      flags: OUR_ISC_FLAGS,
      input: reply,
    });
  }
  return { ours, sent, received };
}

/**
 * Runs our acceptor against a peer initiator, starting from the peer's first token.
 * `peerInitiate` answers each of our tokens (null: the peer finished without a token).
 */
export async function runOurAcceptor(
  credential: CredentialsHandle,
  firstToken: Buffer,
  peerInitiate: (token: Buffer) => Promise<Buffer | null>,
): Promise<Exchange> {
  const sent: Buffer[] = [];
  const received: Buffer[] = [firstToken];
  let ours: ContextResult | undefined;
  let input: Buffer | null = firstToken;
  while (input !== null) {
    ours = await acceptSecurityContext({ credential, context: ours?.context, flags: OUR_ASC_FLAGS, input });
    if (ours.output.length === 0) break;
    sent.push(ours.output);
    input = await peerInitiate(ours.output);
    if (input !== null) received.push(input);
  }
  return { ours: ours!, sent, received };
}
