/**
 * Rc4.updateInto: the same keystream as update(), written where the caller says, so NTLM's wrap()
 * can lay out signature and sealed bytes in one Buffer.
 */
import { Rc4, rc4Once } from '../../lib/emulated/crypto/rc4';

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

  it('with a length, encrypts only that many bytes of the input and advances the keystream by as many', () => {
    const whole = new Rc4(key).update(plain);
    const rc4 = new Rc4(key);
    const target = Buffer.alloc(12, 0xee);
    rc4.updateInto(plain, target, 2, 8);
    expect(target.subarray(2, 10).equals(whole.subarray(0, 8))).toBe(true);
    expect([...target.subarray(0, 2), ...target.subarray(10)]).toEqual([0xee, 0xee, 0xee, 0xee]);
    expect(rc4.update(plain.subarray(8)).equals(whole.subarray(8))).toBe(true);
    expect(() => rc4.updateInto(plain, target, 0, plain.length + 1)).toThrow(RangeError);
  });
});

describe('rc4Once', () => {
  // RFC 6229 section 2, key 0x0102030405 (40 bits): keystream bytes at offset 0.
  it('gives the RFC 6229 keystream for a 40-bit key', () => {
    const out = rc4Once(Buffer.from('0102030405', 'hex'), Buffer.alloc(16));
    expect(out.toString('hex')).toBe('b2396305f03dc027ccc3524a0a1118a8');
  });

  it('equals a fresh Rc4 every time, whatever ran before it, and leaves its input alone', () => {
    const input = Buffer.from(plain);
    const first = rc4Once(key, input);
    rc4Once(Buffer.from('ff', 'hex'), Buffer.alloc(300));
    expect(rc4Once(key, input).equals(first)).toBe(true);
    expect(first.equals(new Rc4(key).update(plain))).toBe(true);
    expect(input.equals(plain)).toBe(true);
    expect(() => rc4Once(Buffer.alloc(0), plain)).toThrow(RangeError);
  });
});

describe('RC4 output memory', () => {
  // Decrypting with RC4 yields secrets (the acceptor's ExportedSessionKey, unsealed plaintext):
  // they must not sit in a slab of Buffer's shared pool, which every Buffer cut from it exposes
  // through `.buffer`.
  it('gives rc4Once and Rc4.update results an ArrayBuffer of their own', () => {
    const pooled = Buffer.allocUnsafe(16);
    expect(pooled.buffer.byteLength).toBeGreaterThan(16); // the pool is in use in this process
    const exchanged = rc4Once(Buffer.alloc(16, 1), Buffer.alloc(16, 2));
    expect(exchanged.buffer.byteLength).toBe(16);
    expect(exchanged.byteOffset).toBe(0);
    const unsealed = new Rc4(Buffer.alloc(16, 3)).update(Buffer.alloc(40, 4));
    expect(unsealed.buffer.byteLength).toBe(40);
    expect(unsealed.byteOffset).toBe(0);
  });
});
