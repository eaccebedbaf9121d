/**
 * SPNEGO choosing between mechanisms (RFC 4178 3.2, 5): NTLM and a toy second mechanism that
 * stands in for Kerberos (test/unit/support/toy-mechanism.ts). The optimistic path, the fallback
 * when the acceptor lacks the initiator's first choice with the mechListMICs it makes mandatory,
 * rejects, and no mechanism in common. Downgrade attacks: spnego-downgrade.test.ts.
 */
import { SpnegoAcceptor } from '../../lib/emulated/mechanisms/spnego/acceptor';
import { SpnegoInitiator } from '../../lib/emulated/mechanisms/spnego/initiator';
import {
  KRB5_OID,
  MS_KRB5_OID,
  NTLMSSP_OID,
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeNegTokenResp,
  isRawNtlmssp,
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
  expectSealedBothWays,
} from './support/spnego-harness';
import { ToyContext } from './support/toy-mechanism';

beforeEach(() => {
  ToyContext.made = [];
});

describe('SPNEGO with the initiator’s first mechanism accepted (optimistic)', () => {
  test('offers every OID in order, runs the toy in two legs, and skips the optional MICs', () => {
    const initiator = new SpnegoInitiator([toyInitiator(), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([toyAcceptor(), ntlmAcceptor]);
    const [init, reply, ...rest] = handshake(initiator, acceptor);
    expect(rest).toEqual([]);
    const negTokenInit = decodeInitialToken(init);
    expect(negTokenInit.mechTypes).toEqual([MS_KRB5_OID, KRB5_OID, NTLMSSP_OID]);
    expect(negTokenInit.mechToken!.toString('latin1', 0, 4)).toBe('TOY1');
    const resp = decodeNegTokenResp(reply);
    expect(resp).toMatchObject({ negState: NegState.AcceptCompleted, supportedMech: MS_KRB5_OID });
    expect(resp.responseToken!.toString('latin1', 0, 4)).toBe('TOY2');
    expect(resp.mechListMIC).toBeUndefined();
    expect(initiator.mechanism).toBe('Kerberos');
    expect(acceptor.mechanism).toBe('Kerberos');
    expect(initiator.sessionKey!.equals(acceptor.sessionKey!)).toBe(true);
    expectSealedBothWays(initiator, acceptor);
    expect(ToyContext.made.map((context) => context.role)).toEqual(['initiator', 'acceptor']);
  });

  test('takes supportedMech under the candidate’s other OID as the same mechanism', () => {
    const initiator = new SpnegoInitiator([toyInitiator(), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([toyAcceptor(), ntlmAcceptor]);
    handshake(initiator, acceptor, (leg, token) =>
      leg === 1 ? editResp(token, (resp) => (resp.supportedMech = KRB5_OID)) : token,
    );
    expect(initiator.complete).toBe(true);
    expect(ToyContext.made.filter((context) => context.disposed)).toEqual([]);
    expectSealedBothWays(initiator, acceptor);
  });

  test('an acceptor knowing the mechanism under its other OID only: the initiator starts it again', () => {
    const initiator = new SpnegoInitiator([toyInitiator(), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([toyAcceptor({}, [KRB5_OID]), ntlmAcceptor]);
    const tokens = handshake(initiator, acceptor);
    // MS_KRB5_OID is unknown to it, so the optimistic token is not its to take: request-mic.
    expect(decodeNegTokenResp(tokens[1])).toEqual({ negState: NegState.RequestMic, supportedMech: KRB5_OID });
    expect(decodeNegTokenResp(tokens[2]).responseToken!.toString('latin1', 0, 4)).toBe('TOY1');
    expect(ToyContext.made.map((context) => [context.role, context.disposed])).toEqual([
      ['initiator', true],
      ['acceptor', false],
      ['initiator', false],
    ]);
    expect(initiator.complete && acceptor.complete).toBe(true);
    expectSealedBothWays(initiator, acceptor);
  });

  test('a mechanism demanding the MICs (Kerberos with CFX): the acceptor’s rides its last token', () => {
    const initiator = new SpnegoInitiator([toyInitiator(), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([toyAcceptor({ requireMic: true }), ntlmAcceptor]);
    const [, reply, initiatorMic] = handshake(initiator, acceptor);
    const resp = decodeNegTokenResp(reply);
    expect(resp).toMatchObject({ negState: NegState.RequestMic, supportedMech: MS_KRB5_OID });
    expect(resp.responseToken!.toString('latin1', 0, 4)).toBe('TOY2');
    expect(resp.mechListMIC).toBeDefined();
    expect(decodeNegTokenResp(initiatorMic)).toEqual({ mechListMIC: expect.any(Buffer) });
    expectSealedBothWays(initiator, acceptor);

    const stripped = thrown(() =>
      handshake(
        new SpnegoInitiator([toyInitiator(), ntlmInitiator]),
        new SpnegoAcceptor([toyAcceptor({ requireMic: true }), ntlmAcceptor]),
        (leg, token) => (leg === 2 ? encodeNegTokenResp({}) : token),
      ),
    );
    expect(stripped.code).toBe('SEC_E_INVALID_TOKEN');
  });

  test('a one-leg mechanism completes from the optimistic token alone', () => {
    const initiator = new SpnegoInitiator([toyInitiator({ oneLeg: true }), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([toyAcceptor({ oneLeg: true })]);
    const [, reply] = handshake(initiator, acceptor);
    expect(decodeNegTokenResp(reply)).toEqual({
      negState: NegState.AcceptCompleted,
      supportedMech: MS_KRB5_OID,
    });
    expectSealedBothWays(initiator, acceptor);
  });

  test('the initiator’s order wins; an acceptor preferring another demands the MICs (request-mic)', () => {
    const initiator = new SpnegoInitiator([ntlmInitiator, toyInitiator()]);
    const acceptor = new SpnegoAcceptor([toyAcceptor(), ntlmAcceptor]);
    const [, challenge, authenticate, completed] = handshake(initiator, acceptor);
    const first = decodeNegTokenResp(challenge);
    expect(first).toMatchObject({ negState: NegState.RequestMic, supportedMech: NTLMSSP_OID });
    expect(first.responseToken!.readUInt32LE(8)).toBe(2); // the optimistic NEGOTIATE was used
    expect(decodeNegTokenResp(authenticate).mechListMIC).toHaveLength(16);
    expect(decodeNegTokenResp(completed).mechListMIC).toHaveLength(16);
    expect(acceptor.mechanism).toBe('NTLM');
    expect(ToyContext.made).toEqual([]);
  });
});

describe('SPNEGO falling back from the initiator’s first mechanism (RFC 4178 5, second case)', () => {
  const toNtlm = (): { initiator: SpnegoInitiator; acceptor: SpnegoAcceptor } => ({
    initiator: new SpnegoInitiator([toyInitiator(), ntlmInitiator]),
    acceptor: new SpnegoAcceptor([ntlmAcceptor]),
  });
  const toToy = (): { initiator: SpnegoInitiator; acceptor: SpnegoAcceptor } => ({
    initiator: new SpnegoInitiator([ntlmInitiator, toyInitiator()]),
    acceptor: new SpnegoAcceptor([toyAcceptor()]),
  });

  test('to NTLM: the optimistic context is disposed, NTLM starts over, MICs go both ways', () => {
    const { initiator, acceptor } = toNtlm();
    const [init, requestMic, negotiate, challenge, authenticate, completed] = handshake(initiator, acceptor);
    expect(decodeInitialToken(init).mechTypes).toEqual([MS_KRB5_OID, KRB5_OID, NTLMSSP_OID]);
    expect(decodeNegTokenResp(requestMic)).toEqual({
      negState: NegState.RequestMic,
      supportedMech: NTLMSSP_OID,
    });
    expect(ToyContext.made).toHaveLength(1);
    expect(ToyContext.made[0].disposed).toBe(true);
    expect(isRawNtlmssp(decodeNegTokenResp(negotiate).responseToken!)).toBe(true);
    expect(decodeNegTokenResp(challenge).negState).toBe(NegState.AcceptIncomplete);
    expect(decodeNegTokenResp(authenticate).mechListMIC).toHaveLength(16);
    expect(decodeNegTokenResp(completed)).toMatchObject({ negState: NegState.AcceptCompleted });
    expect(decodeNegTokenResp(completed).mechListMIC).toHaveLength(16);
    expect(initiator.mechanism).toBe('NTLM');
    expect(acceptor.identity).toMatchObject({ user: 'alice', domain: 'LAB' });
    expectSealedBothWays(initiator, acceptor);
  });

  test('to the toy: the acceptor’s MIC rides its last token, the initiator’s answers it', () => {
    const { initiator, acceptor } = toToy();
    const [, requestMic, toy1, toy2, initiatorMic] = handshake(initiator, acceptor);
    expect(decodeNegTokenResp(requestMic)).toEqual({
      negState: NegState.RequestMic,
      supportedMech: MS_KRB5_OID,
    });
    expect(decodeNegTokenResp(toy1).responseToken!.toString('latin1', 0, 4)).toBe('TOY1');
    const last = decodeNegTokenResp(toy2);
    expect(last.negState).toBe(NegState.AcceptIncomplete);
    expect(last.responseToken!.toString('latin1', 0, 4)).toBe('TOY2');
    expect(last.mechListMIC).toBeDefined();
    expect(decodeNegTokenResp(initiatorMic)).toEqual({ mechListMIC: expect.any(Buffer) });
    expect(initiator.mechanism).toBe('Kerberos');
    expectSealedBothWays(initiator, acceptor);
  });

  test.each([
    ['the NTLM acceptor’s', toNtlm, 5],
    ['the toy acceptor’s', toToy, 3],
  ])('%s mechListMIC stripped is refused by the initiator', (_name, make, leg) => {
    const { initiator, acceptor } = make();
    const err = thrown(() =>
      handshake(initiator, acceptor, (n, token) =>
        n === leg ? editResp(token, (resp) => delete resp.mechListMIC) : token,
      ),
    );
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(err.message).toMatch(/mechListMIC/);
    expect(initiator.complete).toBe(false);
  });

  test.each([
    ['NTLM', toNtlm, 4],
    ['the toy', toToy, 4],
  ])('with %s, the initiator’s mechListMIC stripped is refused by the acceptor', (_name, make, leg) => {
    const { initiator, acceptor } = make();
    const err = thrown(() =>
      handshake(initiator, acceptor, (n, token) =>
        n === leg ? editResp(token, (resp) => delete resp.mechListMIC) : token,
      ),
    );
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expectReject(err);
    expect(acceptor.complete).toBe(false);
  });

  test.each([
    ['NTLM', toNtlm, 4],
    ['the toy', toToy, 3],
  ])('with %s, a mechListMIC altered in transit is SEC_E_MESSAGE_ALTERED', (_name, make, leg) => {
    const { initiator, acceptor } = make();
    const err = thrown(() =>
      handshake(initiator, acceptor, (n, token) =>
        n === leg ? editResp(token, (resp) => (resp.mechListMIC![6] ^= 1)) : token,
      ),
    );
    expect(err.code).toBe('SEC_E_MESSAGE_ALTERED');
    expect(initiator.complete).toBe(false);
  });

  test('a request-mic answer carrying a token for the chosen mechanism is refused', () => {
    const { initiator, acceptor } = toNtlm();
    const err = thrown(() =>
      handshake(initiator, acceptor, (n, token) =>
        n === 1 ? editResp(token, (resp) => (resp.responseToken = Buffer.from('TOY2'))) : token,
      ),
    );
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
  });
});

describe('SPNEGO rejects', () => {
  test('a mechanism’s error token rides the reject, and the initiator’s mechanism explains it', () => {
    const initiator = new SpnegoInitiator([toyInitiator(), ntlmInitiator]);
    const acceptor = new SpnegoAcceptor([toyAcceptor({ refuse: true }), ntlmAcceptor]);
    const err = thrown(() => handshake(initiator, acceptor));
    expect(err.code).toBe('SEC_E_WRONG_PRINCIPAL');
    expect(decodeNegTokenResp(err.output!)).toEqual({
      negState: NegState.Reject,
      responseToken: Buffer.from('TOYE'),
    });
    const answer = thrown(() => initiator.step(err.output!));
    expect(answer.code).toBe('SEC_E_WRONG_PRINCIPAL');
    expect(answer.message).toMatch(/TOYE error token/);
  });
});

describe('SPNEGO with nothing in common', () => {
  test('an initiator offering only what the acceptor lacks is refused with SEC_E_INVALID_TOKEN', () => {
    const initiator = new SpnegoInitiator([toyInitiator()]);
    const acceptor = new SpnegoAcceptor([ntlmAcceptor]);
    const err = thrown(() => handshake(initiator, acceptor));
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(err.message).toMatch(/Kerberos.*supports only NTLM/);
    expectReject(err);
    // The initiator, handed the reject, gives up with a message naming what it offered.
    const answer = thrown(() => initiator.step(err.output!));
    expect(answer.code).toBe('SEC_E_LOGON_DENIED');
    expect(answer.message).toMatch(/Kerberos/);
  });

  test('a bare NTLMSSP message is refused by an acceptor without NTLM', () => {
    const err = thrown(() => handshake(ntlmInitiator.make(), new SpnegoAcceptor([toyAcceptor()])));
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expectReject(err);
  });

  test('SPNEGO with no candidates is SEC_E_NO_CREDENTIALS', () => {
    expect(thrown(() => new SpnegoInitiator([])).code).toBe('SEC_E_NO_CREDENTIALS');
    expect(thrown(() => new SpnegoAcceptor([])).code).toBe('SEC_E_NO_CREDENTIALS');
  });
});
