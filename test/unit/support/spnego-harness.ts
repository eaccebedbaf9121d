/**
 * Shared by the SPNEGO negotiation tests: NTLM and toy candidates for both sides, a handshake
 * driver that may tamper with any token, and small assertions.
 */
import { SspiError } from '../../../lib/errors';
import { NtlmAcceptor } from '../../../lib/emulated/mechanisms/ntlm/acceptor';
import { NtlmInitiator } from '../../../lib/emulated/mechanisms/ntlm/initiator';
import { ntHashOf } from '../../../lib/emulated/mechanisms/ntlm/keys';
import type { MechanismContext } from '../../../lib/emulated/mechanisms/mechanism-context';
import type { SpnegoCandidate } from '../../../lib/emulated/mechanisms/spnego/candidates';
import {
  KRB5_OID,
  MS_KRB5_OID,
  NTLMSSP_OID,
  NegState,
  decodeNegTokenResp,
  encodeNegTokenResp,
} from '../../../lib/emulated/mechanisms/spnego/tokens';
import { ToyContext, type ToyOptions } from './toy-mechanism';

const hashOf = (password: string): Buffer => ntHashOf(Buffer.from(password, 'utf16le'));
export const KERBEROS_OIDS = [MS_KRB5_OID, KRB5_OID];

export const ntlmInitiator: SpnegoCandidate = {
  oids: [NTLMSSP_OID],
  make: () =>
    new NtlmInitiator({ user: 'alice', domain: 'LAB', ntHash: hashOf('Passw0rd!'), workstation: 'WS1' }),
};
export const ntlmAcceptor: SpnegoCandidate = {
  oids: [NTLMSSP_OID],
  make: () =>
    new NtlmAcceptor({ lookupNtHash: (user) => (user === 'alice' ? hashOf('Passw0rd!') : undefined) }),
};
export const toyInitiator = (options?: ToyOptions): SpnegoCandidate => ({
  oids: KERBEROS_OIDS,
  make: () => new ToyContext('initiator', options),
});
export const toyAcceptor = (options?: ToyOptions, oids = KERBEROS_OIDS): SpnegoCandidate => ({
  oids,
  make: () => new ToyContext('acceptor', options),
});

type Resp = ReturnType<typeof decodeNegTokenResp>;

/**
 * Run both sides to completion; `tamper` may rewrite token n (0-based, both directions). Untampered,
 * both sides must end complete. Tampered, only what the sides throw counts: negState is not
 * covered by the mechListMIC (RFC 4178 5), so an accept-incomplete rewritten to accept-completed
 * ends the initiator while the acceptor still waits for its MIC (fuzzing found it) — the acceptor
 * never completes on it, which is what protects the acceptor.
 */
export function handshake(
  initiator: MechanismContext,
  acceptor: MechanismContext,
  tamper?: (leg: number, token: Buffer) => Buffer,
): Buffer[] {
  const strict = tamper === undefined;
  const tokens: Buffer[] = [];
  const send = (token: Buffer): Buffer => {
    const sent = tamper ? tamper(tokens.length, token) : token;
    tokens.push(sent);
    return sent;
  };
  let toAcceptor = send(initiator.step(null).output);
  for (let legs = 0; legs < 5; legs++) {
    const reply = acceptor.step(toAcceptor);
    const toInitiator = send(reply.output);
    const next = initiator.step(toInitiator);
    if (next.complete && next.output.length === 0) {
      if (strict) expect(acceptor.complete).toBe(true);
      return tokens;
    }
    toAcceptor = send(next.output);
    if (next.complete) {
      // The initiator's last token (its mechListMIC) ends the acceptor's side with nothing to say.
      const last = acceptor.step(toAcceptor);
      if (strict) expect(last).toMatchObject({ complete: true, output: Buffer.alloc(0) });
      return tokens;
    }
  }
  throw new Error('the handshake did not finish');
}

export function thrown(fn: () => unknown): SspiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SspiError) return err;
    throw err;
  }
  throw new Error('expected an SspiError');
}

export function expectReject(err: SspiError): void {
  expect(decodeNegTokenResp(err.output!)).toEqual({ negState: NegState.Reject });
}

export function editResp(token: Buffer, edit: (resp: Resp) => void): Buffer {
  const resp = decodeNegTokenResp(token);
  edit(resp);
  return encodeNegTokenResp(resp);
}

export function expectSealedBothWays(initiator: MechanismContext, acceptor: MechanismContext): void {
  const up = Buffer.from('to the acceptor');
  expect(acceptor.unwrap(initiator.wrap(up))).toEqual(up);
  const down = Buffer.from('to the initiator');
  expect(initiator.unwrap(acceptor.wrap(down))).toEqual(down);
}
