/**
 * SPNEGO downgrade attacks (RFC 4178 5): a man in the middle who strips the stronger mechanism
 * from the initiator's list, its mechListMIC, or the acceptor's request-mic, is caught by the
 * MICs; and every leg of three negotiation paths survives mutation with SspiError only.
 */
import fc from 'fast-check';
import { SspiError } from '../../lib/errors';
import { SpnegoAcceptor } from '../../lib/emulated/mechanisms/spnego/acceptor';
import { SpnegoInitiator } from '../../lib/emulated/mechanisms/spnego/initiator';
import {
  NTLMSSP_OID,
  NegState,
  encodeInitialToken,
  encodeMechTypes,
} from '../../lib/emulated/mechanisms/spnego/tokens';
import {
  ntlmInitiator,
  ntlmAcceptor,
  toyInitiator,
  toyAcceptor,
  handshake,
  thrown,
  expectReject,
  editResp,
} from './support/spnego-harness';

describe('SPNEGO downgrade attacks (RFC 4178 5: the mechListMIC covers the initiator’s list)', () => {
  /** A man in the middle strips the toy (the stronger mechanism) and its optimistic token. */
  const stripToy = (leg: number, token: Buffer): Buffer =>
    leg === 0 ? encodeInitialToken({ mechTypesDer: encodeMechTypes([NTLMSSP_OID]) }) : token;

  test('mechTypes rewritten to NTLM alone: the acceptor finds the initiator’s MIC does not match', () => {
    const initiator = new SpnegoInitiator([toyInitiator(), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([toyAcceptor(), ntlmAcceptor]);
    const err = thrown(() => handshake(initiator, acceptor, stripToy));
    expect(err.code).toBe('SEC_E_MESSAGE_ALTERED');
    expectReject(err);
    expect(acceptor.complete).toBe(false);
  });

  test('… and with the initiator’s MIC stripped too, the acceptor refuses to go on without it', () => {
    const initiator = new SpnegoInitiator([toyInitiator(), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([toyAcceptor(), ntlmAcceptor]);
    const err = thrown(() =>
      handshake(initiator, acceptor, (leg, token) =>
        leg === 4 ? editResp(token, (resp) => delete resp.mechListMIC) : stripToy(leg, token),
      ),
    );
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(acceptor.complete).toBe(false);
  });

  test('… and an acceptor that does not ask for MICs is still checked by the initiator', () => {
    // The attacker also turns request-mic into accept-incomplete; the initiator knows NTLM was not
    // its first choice and demands the acceptor's MIC, computed over the forged list.
    const initiator = new SpnegoInitiator([toyInitiator(), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([ntlmAcceptor]);
    const err = thrown(() =>
      handshake(initiator, acceptor, (leg, token) => {
        if (leg === 1) return editResp(token, (resp) => (resp.negState = NegState.AcceptIncomplete));
        if (leg === 4) return editResp(token, (resp) => delete resp.mechListMIC);
        return stripToy(leg, token);
      }),
    );
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(initiator.complete).toBe(false);
  });
});

describe('SPNEGO negotiation under fuzzing', () => {
  test.each([
    [
      'fallback to NTLM',
      () => [new SpnegoInitiator([toyInitiator(), ntlmInitiator]), new SpnegoAcceptor([ntlmAcceptor])],
    ],
    [
      'fallback to the toy',
      () => [new SpnegoInitiator([ntlmInitiator, toyInitiator()]), new SpnegoAcceptor([toyAcceptor()])],
    ],
    [
      'optimistic toy',
      () => [
        new SpnegoInitiator([toyInitiator(), ntlmInitiator]),
        new SpnegoAcceptor([toyAcceptor(), ntlmAcceptor]),
      ],
    ],
  ] as const)('%s: a mutated token at any leg raises only SspiError', (_name, make) => {
    const [refInitiator, refAcceptor] = make();
    const reference = handshake(refInitiator, refAcceptor);
    const mutation = fc.record({
      leg: fc.integer({ min: 0, max: reference.length - 1 }),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      cut: fc.nat(),
    });
    fc.assert(
      fc.property(mutation, ({ leg, at, byte, cut }) => {
        const mutate = (n: number, token: Buffer): Buffer => {
          if (n !== leg) return token;
          const copy = Buffer.from(token);
          copy[at % copy.length] = byte;
          return cut % 4 === 0 ? copy.subarray(0, cut % copy.length) : copy;
        };
        const [initiator, acceptor] = make();
        try {
          handshake(initiator, acceptor, mutate);
        } catch (err) {
          if (!(err instanceof SspiError)) throw err;
        }
      }),
      { numRuns: 150 },
    );
  });
});
