/**
 * The table of legs `credssp demo` and `credssp rdp-check --verbose` print: who sent each token,
 * the status of the call that made it, its size and what it carries (TLS records, then the
 * TSRequests of MS-CSSP 3.1.5), and how rdp-check collects them from its calls. Sizes and record
 * types only, never a token's bytes.
 */
import { SEC, SECBUFFER, SspiError, type ContextResult } from '../index';
import { describeTlsRecords, type RecordDirection } from './tls-records';

/**
 * What the last five legs of a complete exchange carry, last first (MS-CSSP 3.1.5 steps 1-5):
 * after the TLS handshake it always ends with these TSRequests, whichever TLS version ran before.
 */
const CREDSSP_STEPS_FROM_END = [
  'TSRequest authInfo: the TSCredentials, encrypted for the acceptor',
  'TSRequest pubKeyAuth: the acceptor proves it holds the TLS key',
  'TSRequest negoTokens: NTLM AUTHENTICATE, with pubKeyAuth bound to the TLS key',
  'TSRequest negoTokens: NTLM CHALLENGE',
  'TSRequest negoTokens: NTLM NEGOTIATE',
];

/** One token, as it went over the wire. */
export interface Leg {
  from: 'client' | 'acceptor';
  /** The status of the call that made the token; absent when the peer made it (we cannot know). */
  statusName?: string;
  token: Buffer;
}

/**
 * Print the legs, one line each. `complete` says the exchange reached SEC_E_OK: only then are
 * the last five legs the TSRequests above. After a failure, encrypted legs are shown as records.
 */
export function printLegs(legs: readonly Leg[], line: (text: string) => void, complete: boolean): void {
  const directions: Record<Leg['from'], RecordDirection> = {
    client: { encrypted: false },
    acceptor: { encrypted: false },
  };
  line(' leg  direction            status                   bytes  carries');
  legs.forEach((leg, index) => {
    const records = describeTlsRecords(leg.token, directions[leg.from]);
    const step = complete ? CREDSSP_STEPS_FROM_END[legs.length - 1 - index] : undefined;
    const carries = step
      ? `${step} [TLS: ${records}]`
      : complete
        ? `TLS handshake: ${records}`
        : `TLS: ${records}`;
    const direction = leg.from === 'client' ? 'client -> acceptor' : 'acceptor -> client';
    line(
      `${String(index + 1).padStart(4)}  ${direction.padEnd(19)}  ${(leg.statusName ?? '-').padEnd(22)}  ${String(leg.token.length).padStart(5)}  ${carries}`,
    );
  });
}

/**
 * Note, for an initiator's call over a socket, the server's token it consumed and the token it
 * made (or the error token a failure carries). A call that asks for more bytes consumed nothing
 * yet; bytes left over (SECBUFFER_EXTRA) start the next call and are noted then.
 */
export async function recordInitiatorLegs(
  legs: Leg[],
  input: Buffer | undefined,
  call: Promise<ContextResult>,
): Promise<ContextResult> {
  let result: ContextResult;
  try {
    result = await call;
  } catch (err) {
    if (input && input.length > 0) legs.push({ from: 'acceptor', token: input });
    if (err instanceof SspiError && err.output && err.output.length > 0)
      legs.push({ from: 'client', statusName: err.code, token: err.output });
    throw err;
  }
  if (result.status === SEC.E_INCOMPLETE_MESSAGE) return result;
  if (input && input.length > 0) {
    const extra = result.buffers.find((b) => b.type === SECBUFFER.EXTRA)?.buffer.length ?? 0;
    legs.push({ from: 'acceptor', token: input.subarray(0, input.length - extra) });
  }
  if (result.output.length > 0)
    legs.push({ from: 'client', statusName: result.statusName, token: result.output });
  return result;
}
