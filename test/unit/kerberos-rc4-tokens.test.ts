/**
 * RFC 4757 7 per-message tokens over an rc4-hmac key: both directions, sealed and signed, the
 * token layout, and every way a token can be wrong. MIT's GSSAPI checks the bytes themselves in
 * test/interop/kerberos-gss.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { MS_KRB5_OID } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  RC4_MAX_WRAP_OVERHEAD,
  RC4_MIC_LENGTH,
  Rc4Protection,
} from '../../lib/emulated/mechanisms/kerberos/rc4-tokens';

/** The GSS framing of a short rc4 token: 60 len 06 09 <1.2.840.113554.1.2.2>. */
const FRAMING_LENGTH = 13;

/**
 * What an altered byte at `i` of a token gives. The checksum does not cover SND_SEQ (RFC 4757
 * 7.2), and RC4 lets a flipped bit through, so an altered sequence number reads as another number:
 * SEC_E_OUT_OF_SEQUENCE, unless it also changed the sealing key. Its direction bytes, the checksum
 * and everything after are SEC_E_MESSAGE_ALTERED; the framing and header may be malformed instead.
 */
function refusalAt(i: number): unknown {
  const token = i - FRAMING_LENGTH;
  if (token >= 8 && token < 12) return expect.stringMatching(/^SEC_E_(MESSAGE_ALTERED|OUT_OF_SEQUENCE)$/);
  if (token >= 12) return 'SEC_E_MESSAGE_ALTERED';
  return expect.stringMatching(/^SEC_E_(MESSAGE_ALTERED|INVALID_TOKEN)$/);
}

function pair(key = randomBytes(16), mechOid?: string) {
  const initiator = new Rc4Protection({
    role: 'initiator',
    key,
    mechOid,
    sendSequence: 7,
    receiveSequence: 900,
  });
  const acceptor = new Rc4Protection({
    role: 'acceptor',
    key,
    mechOid,
    sendSequence: 900,
    receiveSequence: 7,
  });
  return { initiator, acceptor };
}

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('rc4-hmac per-message tokens (RFC 4757 7)', () => {
  it('wraps and unwraps both ways, sealed and signed, in order, for messages of 0 to 300 bytes', () => {
    const { initiator, acceptor } = pair();
    for (let n = 0; n <= 300; n += 13) {
      const message = randomBytes(n);
      expect(acceptor.unwrap(initiator.wrap(message))).toEqual(message);
      expect(initiator.unwrap(acceptor.wrap(message))).toEqual(message);
      expect(initiator.unwrap(acceptor.wrap(message, false))).toEqual(message);
      expect(acceptor.unwrap(initiator.wrap(message, false))).toEqual(message);
    }
  });

  it('signs and verifies MIC tokens both ways, 37 bytes each', () => {
    const { initiator, acceptor } = pair();
    for (let n = 0; n < 5; n++) {
      const message = randomBytes(40 * n);
      const mic = initiator.getMic(message);
      expect(mic.length).toBe(RC4_MIC_LENGTH);
      acceptor.verifyMic(message, mic);
      initiator.verifyMic(message, acceptor.getMic(message));
    }
  });

  it('lays tokens out as RFC 4757 7 says: TOK_ID, SGN_ALG, SEAL_ALG, filler, then one byte of padding', () => {
    const { initiator } = pair();
    const mic = initiator.getMic(Buffer.from('m'));
    expect(mic.subarray(0, FRAMING_LENGTH).toString('hex')).toBe('602306092a864886f712010202');
    expect(mic.subarray(FRAMING_LENGTH, FRAMING_LENGTH + 8).toString('hex')).toBe('01011100ffffffff');
    const sealed = initiator.wrap(Buffer.from('hello'));
    expect(sealed.length).toBe(FRAMING_LENGTH + 32 + 5 + 1);
    expect(sealed.subarray(FRAMING_LENGTH, FRAMING_LENGTH + 8).toString('hex')).toBe('020111001000ffff');
    const signed = initiator.wrap(Buffer.from('hello'), false);
    expect(signed.subarray(FRAMING_LENGTH, FRAMING_LENGTH + 8).toString('hex')).toBe('02011100ffffffff');
    expect(signed.subarray(FRAMING_LENGTH + 32).toString('latin1')).toBe('hello\x01');
    expect(sealed.includes(Buffer.from('hello'))).toBe(false);
  });

  it('frames tokens under the OID the context was set up under, and takes either', () => {
    const ms = pair(randomBytes(16), MS_KRB5_OID);
    const token = ms.initiator.wrap(Buffer.from('x'));
    expect(token.subarray(4, 13).toString('hex')).toBe('2a864882f712010202');
    expect(ms.acceptor.unwrap(token).toString()).toBe('x');
  });

  it('adds no more than the trailer and signature sizes it reports', () => {
    const { initiator } = pair();
    for (const n of [0, 100, 200, 70000]) {
      expect(initiator.wrap(Buffer.alloc(n)).length - n).toBeLessThanOrEqual(RC4_MAX_WRAP_OVERHEAD);
    }
  });
});

describe('rc4-hmac token refusals', () => {
  it.each([true, false])(
    'an altered byte in a Wrap token (sealed: %s) is refused; past the sequence number, SEC_E_MESSAGE_ALTERED',
    (confidential) => {
      const { initiator, acceptor } = pair();
      const original = initiator.wrap(Buffer.from('pay 100 to alice'), confidential);
      for (let i = 0; i < original.length; i++) {
        const altered = Buffer.from(original);
        altered[i] ^= 0x01;
        const code = codeOf(() => acceptor.unwrap(altered));
        expect([i, code]).toEqual([i, refusalAt(i)]);
      }
      // Untouched, it still goes through: none of the refusals above moved the sequence on.
      expect(acceptor.unwrap(original).toString()).toBe('pay 100 to alice');
    },
  );

  it('an altered byte in a MIC token, or in the message, is refused', () => {
    const { initiator, acceptor } = pair();
    const message = Buffer.from('the SPNEGO mechList');
    const mic = initiator.getMic(message);
    for (let i = 0; i < mic.length; i++) {
      const altered = Buffer.from(mic);
      altered[i] ^= 0x80;
      const code = codeOf(() => acceptor.verifyMic(message, altered));
      expect([i, code]).toEqual([i, refusalAt(i)]);
    }
    for (let i = 0; i < message.length; i++) {
      const altered = Buffer.from(message);
      altered[i] ^= 0x01;
      expect(codeOf(() => acceptor.verifyMic(altered, mic))).toBe('SEC_E_MESSAGE_ALTERED');
    }
    acceptor.verifyMic(message, mic);
  });

  it('a replayed or skipped token is SEC_E_OUT_OF_SEQUENCE, Wrap and MIC sharing one sequence', () => {
    const { initiator, acceptor } = pair();
    const first = initiator.wrap(Buffer.from('one'));
    const mic = initiator.getMic(Buffer.from('two'));
    const third = initiator.wrap(Buffer.from('three'), false);
    expect(codeOf(() => acceptor.verifyMic(Buffer.from('two'), mic))).toBe('SEC_E_OUT_OF_SEQUENCE');
    expect(acceptor.unwrap(first).toString()).toBe('one');
    expect(codeOf(() => acceptor.unwrap(first))).toBe('SEC_E_OUT_OF_SEQUENCE');
    acceptor.verifyMic(Buffer.from('two'), mic);
    expect(acceptor.unwrap(third).toString()).toBe('three');
  });

  it('sequence numbers wrap at 32 bits', () => {
    const key = randomBytes(16);
    const initiator = new Rc4Protection({
      role: 'initiator',
      key,
      sendSequence: 0xffffffff,
      receiveSequence: 0,
    });
    const acceptor = new Rc4Protection({
      role: 'acceptor',
      key,
      sendSequence: 0,
      receiveSequence: 0xffffffff,
    });
    expect(acceptor.unwrap(initiator.wrap(Buffer.from('a'))).toString()).toBe('a');
    expect(acceptor.unwrap(initiator.wrap(Buffer.from('b'))).toString()).toBe('b');
  });

  it('a token reflected back to its sender (the wrong direction) is SEC_E_MESSAGE_ALTERED', () => {
    const { initiator, acceptor } = pair();
    for (const side of [initiator, acceptor]) {
      expect(() => side.unwrap(side.wrap(Buffer.from('x')))).toThrow(
        expect.objectContaining({
          code: 'SEC_E_MESSAGE_ALTERED',
          message: expect.stringMatching(/reflected/),
        }),
      );
      expect(() => side.verifyMic(Buffer.from('x'), side.getMic(Buffer.from('x')))).toThrow(
        expect.objectContaining({
          code: 'SEC_E_MESSAGE_ALTERED',
          message: expect.stringMatching(/reflected/),
        }),
      );
    }
  });

  it('a token under another key is SEC_E_MESSAGE_ALTERED', () => {
    const a = pair();
    const b = pair();
    expect(codeOf(() => b.acceptor.unwrap(a.initiator.wrap(Buffer.from('x'))))).toBe('SEC_E_MESSAGE_ALTERED');
    expect(codeOf(() => b.acceptor.verifyMic(Buffer.from('x'), a.initiator.getMic(Buffer.from('x'))))).toBe(
      'SEC_E_MESSAGE_ALTERED',
    );
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['a CFX Wrap token', Buffer.concat([Buffer.from('050402ff', 'hex'), Buffer.alloc(60)])],
    ['a MIC token where a Wrap token is due', pair().initiator.getMic(Buffer.from('x'))],
    ['a Wrap token cut short', pair().initiator.wrap(Buffer.alloc(0)).subarray(0, 40)],
  ])('%s is SEC_E_INVALID_TOKEN', (_, token) => {
    expect(codeOf(() => pair().acceptor.unwrap(token))).toBe('SEC_E_INVALID_TOKEN');
  });
});
