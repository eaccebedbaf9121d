/**
 * SpnegoInitiator ↔ SpnegoAcceptor over the real NTLM contexts: the handshake, mechListMIC both
 * ways with the RC4 reset of MS-SPNG 3.3.5.1, failures and the tokens they leave for the peer.
 */
import fc from 'fast-check';
import { SspiError } from '../../lib/errors';
import { rc4k, sealKey, ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { NtlmAcceptor } from '../../lib/emulated/mechanisms/ntlm/acceptor';
import { NtlmInitiator } from '../../lib/emulated/mechanisms/ntlm/initiator';
import type { MechanismContext } from '../../lib/emulated/mechanisms/mechanism-context';
import { SpnegoAcceptor } from '../../lib/emulated/mechanisms/spnego/acceptor';
import { SpnegoInitiator } from '../../lib/emulated/mechanisms/spnego/initiator';
import { signMechList, verifyMechList } from '../../lib/emulated/mechanisms/spnego/mech-list-mic';
import {
  NTLMSSP_OID,
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeInitialToken,
  encodeMechTypes,
  encodeNegTokenResp,
  isRawNtlmssp,
} from '../../lib/emulated/mechanisms/spnego/tokens';

const KRB5 = '1.2.840.113554.1.2.2';
const hashOf = (password: string): Buffer => ntHashOf(Buffer.from(password, 'utf16le'));

function ntlmInitiator(password = 'Passw0rd!'): NtlmInitiator {
  return new NtlmInitiator({ user: 'alice', domain: 'LAB', ntHash: hashOf(password), workstation: 'WS1' });
}

function spnegoInitiator(password?: string): SpnegoInitiator {
  return new SpnegoInitiator([{ oids: [NTLMSSP_OID], make: () => ntlmInitiator(password) }]);
}

function spnegoAcceptor(): SpnegoAcceptor {
  return new SpnegoAcceptor([
    {
      oids: [NTLMSSP_OID],
      make: () =>
        new NtlmAcceptor({ lookupNtHash: (user) => (user === 'alice' ? hashOf('Passw0rd!') : undefined) }),
    },
  ]);
}

/** Run both sides to completion; `tamper` may rewrite token n (0-based, both directions). */
function handshake(
  initiator: MechanismContext,
  acceptor: MechanismContext,
  tamper: (leg: number, token: Buffer) => Buffer = (_leg, token) => token,
): Buffer[] {
  const tokens: Buffer[] = [];
  const send = (token: Buffer): Buffer => {
    const sent = tamper(tokens.length, token);
    tokens.push(sent);
    return sent;
  };
  let toAcceptor = send(initiator.step(null).output);
  for (let legs = 0; legs < 5; legs++) {
    const reply = acceptor.step(toAcceptor);
    const toInitiator = send(reply.output);
    const next = initiator.step(toInitiator);
    if (next.complete && next.output.length === 0) return tokens;
    toAcceptor = send(next.output);
    // Plain NTLM: the initiator finishes with AUTHENTICATE, which the acceptor still has to take.
    if (next.complete) {
      expect(acceptor.step(toAcceptor)).toMatchObject({ complete: true, output: Buffer.alloc(0) });
      return tokens;
    }
  }
  throw new Error('the handshake did not finish');
}

function thrown(fn: () => unknown): SspiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SspiError) return err;
    throw err;
  }
  throw new Error('expected an SspiError');
}

function expectReject(err: SspiError): void {
  expect(err.output).toBeDefined();
  expect(decodeNegTokenResp(err.output!)).toEqual({ negState: NegState.Reject });
}

/** Rewrite one NegTokenResp field. */
function editResp(token: Buffer, edit: (resp: ReturnType<typeof decodeNegTokenResp>) => void): Buffer {
  const resp = decodeNegTokenResp(token);
  edit(resp);
  return encodeNegTokenResp(resp);
}

describe('SPNEGO loopback over NTLM', () => {
  test('completes with mechListMICs both ways, in the legs RFC 4178 describes', () => {
    const initiator = spnegoInitiator();
    const acceptor = spnegoAcceptor();
    const [init, challenge, authenticate, completed] = handshake(initiator, acceptor);

    const negTokenInit = decodeInitialToken(init);
    expect(negTokenInit.mechTypes).toEqual([NTLMSSP_OID]);
    expect(isRawNtlmssp(negTokenInit.mechToken!)).toBe(true);
    const reply = decodeNegTokenResp(challenge);
    expect(reply.negState).toBe(NegState.AcceptIncomplete);
    expect(reply.supportedMech).toBe(NTLMSSP_OID);
    expect(reply.responseToken!.readUInt32LE(8)).toBe(2);
    const auth = decodeNegTokenResp(authenticate);
    expect(auth.responseToken!.readUInt32LE(8)).toBe(3);
    expect(auth.mechListMIC!.length).toBe(16);
    expect(auth.mechListMIC!.readUInt32LE(12)).toBe(0); // the MIC takes SeqNum 0
    const final = decodeNegTokenResp(completed);
    expect(final.negState).toBe(NegState.AcceptCompleted);
    expect(final.mechListMIC!.length).toBe(16);

    expect(initiator.complete && acceptor.complete).toBe(true);
    expect(acceptor.identity).toMatchObject({ user: 'alice', domain: 'LAB' });
    expect(initiator.sessionKey!.equals(acceptor.sessionKey!)).toBe(true);
    expect(initiator.mechanism).toBe('NTLM');
  });

  test('wrap/unwrap and sign/verify work both ways after completion', () => {
    const initiator = spnegoInitiator();
    const acceptor = spnegoAcceptor();
    handshake(initiator, acceptor);
    for (let i = 0; i < 3; i++) {
      const up = Buffer.from(`client message ${i}`);
      expect(acceptor.unwrap(initiator.wrap(up))).toEqual(up);
      const down = Buffer.from(`server message ${i}`);
      expect(initiator.unwrap(acceptor.wrap(down))).toEqual(down);
    }
    const data = Buffer.from('signed');
    acceptor.verify(data, initiator.sign(data));
    initiator.verify(data, acceptor.sign(data));
  });

  test('the first sealed message restarts RC4 but continues at SeqNum 1 (MS-SPNG 3.3.5.1)', () => {
    const initiator = spnegoInitiator();
    const acceptor = spnegoAcceptor();
    handshake(initiator, acceptor);
    const plaintext = Buffer.from('first application message');
    const wrapped = initiator.wrap(plaintext);
    expect(wrapped.readUInt32LE(12)).toBe(1);
    // Sealed from the start of the client-to-server keystream, as if the MIC had never used it.
    const clientSealKey = sealKey(initiator.sessionKey!, 'client');
    expect(wrapped.subarray(16)).toEqual(rc4k(clientSealKey, plaintext));
    const reply = acceptor.wrap(plaintext);
    expect(reply.readUInt32LE(12)).toBe(1);
    expect(reply.subarray(16)).toEqual(rc4k(sealKey(acceptor.sessionKey!, 'server'), plaintext));
  });

  test('a wrong password is refused with SEC_E_LOGON_DENIED and a reject token the initiator understands', () => {
    const initiator = spnegoInitiator('wrong');
    const err = thrown(() => handshake(initiator, spnegoAcceptor()));
    expect(err.code).toBe('SEC_E_LOGON_DENIED');
    expectReject(err);
    expect(thrown(() => initiator.step(err.output!)).code).toBe('SEC_E_LOGON_DENIED');
  });

  test('a tampered client mechListMIC is SEC_E_MESSAGE_ALTERED', () => {
    const acceptor = spnegoAcceptor();
    const err = thrown(() =>
      handshake(spnegoInitiator(), acceptor, (leg, token) =>
        leg === 2 ? editResp(token, (resp) => (resp.mechListMIC![5] ^= 1)) : token,
      ),
    );
    expect(err.code).toBe('SEC_E_MESSAGE_ALTERED');
    expectReject(err);
    expect(acceptor.complete).toBe(false);
  });

  test('a tampered server mechListMIC is SEC_E_MESSAGE_ALTERED', () => {
    const initiator = spnegoInitiator();
    const err = thrown(() =>
      handshake(initiator, spnegoAcceptor(), (leg, token) =>
        leg === 3 ? editResp(token, (resp) => (resp.mechListMIC![4] ^= 0x80)) : token,
      ),
    );
    expect(err.code).toBe('SEC_E_MESSAGE_ALTERED');
    expect(initiator.complete).toBe(false);
    expect(() => initiator.wrap(Buffer.from('x'))).toThrow(SspiError);
  });

  test('a mechTypes list rewritten in transit is caught by the mechListMIC', () => {
    const err = thrown(() =>
      handshake(spnegoInitiator(), spnegoAcceptor(), (leg, token) => {
        if (leg !== 0) return token;
        const init = decodeInitialToken(token);
        return encodeInitialToken({
          mechTypesDer: encodeMechTypes([NTLMSSP_OID, KRB5]),
          mechToken: init.mechToken,
        });
      }),
    );
    expect(err.code).toBe('SEC_E_MESSAGE_ALTERED');
  });

  test('the acceptor insists on the mechListMIC when NTLM carried a MIC (MS-SPNG 3.1.5.1)', () => {
    const err = thrown(() =>
      handshake(spnegoInitiator(), spnegoAcceptor(), (leg, token) =>
        leg === 2 ? editResp(token, (resp) => delete resp.mechListMIC) : token,
      ),
    );
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expectReject(err);
  });

  test('the initiator insists on the server mechListMIC after request-mic', () => {
    const err = thrown(() =>
      handshake(spnegoInitiator(), spnegoAcceptor(), (leg, token) => {
        if (leg === 1) return editResp(token, (resp) => (resp.negState = NegState.RequestMic));
        if (leg === 3) return editResp(token, (resp) => delete resp.mechListMIC);
        return token;
      }),
    );
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
  });

  test('the initiator refuses a mechanism it did not offer', () => {
    const err = thrown(() =>
      handshake(spnegoInitiator(), spnegoAcceptor(), (leg, token) =>
        leg === 1 ? editResp(token, (resp) => (resp.supportedMech = KRB5)) : token,
      ),
    );
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(err.message).toMatch(/Kerberos/);
  });

  test('the initiator accepts a server NegTokenInit2 hint as its first input', () => {
    const hint = Buffer.from(
      '604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa32a3028a0261b246e6f745f646566696e65645f696e5f5246433431373840706c656173655f69676e6f7265',
      'hex',
    );
    const initiator = spnegoInitiator();
    const acceptor = spnegoAcceptor();
    const first = initiator.step(hint);
    acceptor.step(first.output);
    expect(decodeInitialToken(first.output).mechTypes).toEqual([NTLMSSP_OID]);
  });

  test('calls out of order are SEC_E_OUT_OF_SEQUENCE', () => {
    const initiator = spnegoInitiator();
    initiator.step(null);
    expect(thrown(() => initiator.wrap(Buffer.from('early'))).code).toBe('SEC_E_OUT_OF_SEQUENCE');
    const done = spnegoInitiator();
    const acceptor = spnegoAcceptor();
    const tokens = handshake(done, acceptor);
    expect(thrown(() => done.step(tokens[3])).code).toBe('SEC_E_OUT_OF_SEQUENCE');
    expect(thrown(() => acceptor.step(tokens[2])).code).toBe('SEC_E_OUT_OF_SEQUENCE');
  });
});

describe('SPNEGO acceptor inputs', () => {
  test('takes raw NTLMSSP as Windows’ Negotiate does, and stays plain NTLM', () => {
    const initiator = ntlmInitiator();
    const acceptor = spnegoAcceptor();
    const tokens = handshake(initiator, acceptor);
    expect(tokens.length).toBe(3);
    for (const token of tokens) expect(isRawNtlmssp(token)).toBe(true);
    expect(acceptor.complete).toBe(true);
    expect(acceptor.identity).toMatchObject({ user: 'alice' });
    const message = Buffer.from('no mechListMIC, so SeqNum 0 and no RC4 reset');
    const wrapped = initiator.wrap(message);
    expect(wrapped.readUInt32LE(12)).toBe(0);
    expect(acceptor.unwrap(wrapped)).toEqual(message);
    expect(initiator.unwrap(acceptor.wrap(message))).toEqual(message);
  });

  test.each([
    ['garbage', Buffer.from('hello, world')],
    ['an empty token', Buffer.alloc(0)],
    ['a NegTokenResp first', encodeNegTokenResp({ negState: NegState.AcceptIncomplete })],
    ['a Kerberos-only NegTokenInit', encodeInitialToken({ mechTypesDer: encodeMechTypes([KRB5]) })],
  ])('refuses %s with SEC_E_INVALID_TOKEN and a reject token', (_name, token) => {
    const err = thrown(() => spnegoAcceptor().step(token));
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expectReject(err);
  });

  test('when NTLM is not the client’s first choice: request-mic, then NTLM from the start', () => {
    const mechTypesDer = encodeMechTypes([KRB5, NTLMSSP_OID]);
    const run = (withMic: boolean): { acceptor: SpnegoAcceptor; final: Buffer; ntlm: NtlmInitiator } => {
      const acceptor = spnegoAcceptor();
      const ntlm = ntlmInitiator();
      const first = acceptor.step(
        encodeInitialToken({ mechTypesDer, mechToken: Buffer.from('optimistic AP-REQ') }),
      );
      expect(decodeNegTokenResp(first.output)).toEqual({
        negState: NegState.RequestMic,
        supportedMech: NTLMSSP_OID,
      });
      const negotiate = ntlm.step(null).output;
      const challenge = acceptor.step(encodeNegTokenResp({ responseToken: negotiate }));
      const resp = decodeNegTokenResp(challenge.output);
      expect(resp.negState).toBe(NegState.AcceptIncomplete);
      const authenticate = ntlm.step(resp.responseToken!).output;
      const mechListMIC = withMic ? signMechList(ntlm, mechTypesDer) : undefined;
      const final = acceptor.step(encodeNegTokenResp({ responseToken: authenticate, mechListMIC }));
      return { acceptor, final: final.output, ntlm };
    };
    const { acceptor, final, ntlm } = run(true);
    const completed = decodeNegTokenResp(final);
    expect(completed.negState).toBe(NegState.AcceptCompleted);
    verifyMechList(ntlm, mechTypesDer, completed.mechListMIC!);
    expect(acceptor.unwrap(ntlm.wrap(Buffer.from('ok')))).toEqual(Buffer.from('ok'));
    expect(thrown(() => run(false)).code).toBe('SEC_E_INVALID_TOKEN');
  });
});

describe('SPNEGO state machines under fuzzing', () => {
  test('a mutated token at any leg raises only SspiError', () => {
    const reference = handshake(spnegoInitiator(), spnegoAcceptor());
    const mutation = fc.record({
      leg: fc.integer({ min: 0, max: reference.length - 1 }),
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      cut: fc.nat(),
      random: fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }), { freq: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ leg, at, byte, cut, random }) => {
        const mutate = (n: number, token: Buffer): Buffer => {
          if (n !== leg) return token;
          if (random) return Buffer.from(random);
          const copy = Buffer.from(token);
          copy[at % copy.length] = byte;
          return cut % 4 === 0 ? copy.subarray(0, cut % copy.length) : copy;
        };
        try {
          handshake(spnegoInitiator(), spnegoAcceptor(), mutate);
        } catch (err) {
          if (!(err instanceof SspiError)) throw err;
        }
      }),
      { numRuns: 300 },
    );
  });
});
