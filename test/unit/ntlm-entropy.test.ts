/**
 * ContextEntropy: one context's randomness, drawn from the system CSPRNG in as few calls as an
 * AUTHENTICATE needs, without handing out the same bytes twice or keeping them after dispose().
 */
import { ContextEntropy } from '../../lib/emulated/mechanisms/ntlm/entropy';

describe('ContextEntropy', () => {
  it('hands out independent values of the sizes asked for', () => {
    const entropy = new ContextEntropy();
    const clientChallenge = entropy.randomBytes(8);
    const sessionKey = entropy.randomBytes(16);
    expect(clientChallenge).toHaveLength(8);
    expect(sessionKey).toHaveLength(16);
    // 2^-64 chance of a false failure: the two values never share bytes.
    expect(sessionKey.subarray(0, 8).equals(clientChallenge)).toBe(false);
    expect(sessionKey.subarray(8).equals(clientChallenge)).toBe(false);
    // A value handed out is the caller's: zeroing it does not touch later draws.
    clientChallenge.fill(0);
    expect(entropy.randomBytes(8).equals(Buffer.alloc(8))).toBe(false);
  });

  it('serves a request larger than what it holds', () => {
    const entropy = new ContextEntropy();
    entropy.randomBytes(8);
    const big = entropy.randomBytes(100);
    expect(big).toHaveLength(100);
    expect(big.equals(Buffer.alloc(100))).toBe(false);
  });

  it('gives different values in different contexts', () => {
    expect(new ContextEntropy().randomBytes(16).equals(new ContextEntropy().randomBytes(16))).toBe(false);
  });

  it('still works after dispose() without reusing zeroed bytes', () => {
    const entropy = new ContextEntropy();
    entropy.randomBytes(8);
    entropy.dispose();
    // What was left is zero now; a draw must not return it as "random".
    expect(entropy.randomBytes(16).equals(Buffer.alloc(16))).toBe(false);
  });
});
