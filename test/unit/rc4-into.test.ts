/**
 * Rc4.updateInto: the same keystream as update(), written where the caller says, so NTLM's wrap()
 * can lay out signature and sealed bytes in one Buffer.
 */
import { Rc4 } from '../../lib/emulated/crypto/rc4';

const key = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const plain = Buffer.from('the quick brown fox jumps over the lazy dog');

describe('Rc4.updateInto', () => {
  it('writes update()’s output at the offset given and leaves the rest alone', () => {
    const expected = new Rc4(key).update(plain);
    const target = Buffer.alloc(16 + plain.length, 0xee);
    new Rc4(key).updateInto(plain, target, 16);
    expect(target.subarray(16).equals(expected)).toBe(true);
    expect(target.subarray(0, 16).equals(Buffer.alloc(16, 0xee))).toBe(true);
  });

  it('continues the same keystream as update() across calls, and works in place', () => {
    const whole = new Rc4(key).update(plain);
    const rc4 = new Rc4(key);
    const first = rc4.update(plain.subarray(0, 10));
    const rest = Buffer.from(plain.subarray(10));
    rc4.updateInto(rest, rest, 0);
    expect(Buffer.concat([first, rest]).equals(whole)).toBe(true);
  });

  it('refuses a target too small, before touching the keystream', () => {
    const rc4 = new Rc4(key);
    expect(() => rc4.updateInto(plain, Buffer.alloc(plain.length), 1)).toThrow(RangeError);
    expect(rc4.update(plain).equals(new Rc4(key).update(plain))).toBe(true);
  });
});
