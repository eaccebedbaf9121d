/**
 * The table of legs `credssp demo` and `credssp rdp-check --verbose` print: who sent each token,
 * the status of the call that made it, its size and what it carries (TLS records, then the
 * TSRequests of MS-CSSP 3.1.5). Sizes and record types only, never a token's bytes.
 */
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
