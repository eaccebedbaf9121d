/**
 * RC4, the stream cipher NTLM seals with (MS-NLMP 3.4.3) and uses for the key exchange
 * (3.1.5.1.2). Node 20's OpenSSL 3 has RC4 only in the legacy provider, so it is here.
 * Stateful: one instance is one keystream, which NTLM keeps per direction for a whole context.
 */
export class Rc4 {
  /**
   * The permutation S of the key-scheduling algorithm, then the running keystream state. From
   * Buffer's shared pool (every byte is set by the constructor) rather than an ArrayBuffer of its
   * own: a context makes several of these per handshake. dispose() zeroes it.
   */
  private readonly state: Uint8Array = Buffer.allocUnsafe(256);
  private i = 0;
  private j = 0;

  /** Run the key-scheduling algorithm over `key` (1 to 256 bytes). */
  constructor(key: Buffer) {
    if (key.length === 0 || key.length > 256) throw new RangeError('RC4 key must be 1 to 256 bytes');
    const s = this.state;
    for (let n = 0; n < 256; n++) s[n] = n;
    let j = 0;
    let k = 0; // n mod key.length, stepped rather than divided
    for (let n = 0; n < 256; n++) {
      j = (j + s[n] + key[k]) & 0xff;
      if (++k === key.length) k = 0;
      const t = s[n];
      s[n] = s[j];
      s[j] = t;
    }
  }

  /** XOR `data` with the next data.length keystream bytes; returns a new Buffer. */
  update(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    this.updateInto(data, out, 0);
    return out;
  }

  /**
   * update() writing into `target` at `targetStart` instead of a new Buffer, so a caller that
   * lays out a message (signature || sealed bytes) allocates it once. In place (`target` is `data`, start 0) works too.
   */
  updateInto(data: Uint8Array, target: Uint8Array, targetStart: number): void {
    if (targetStart < 0 || targetStart + data.length > target.length) {
      throw new RangeError('RC4 output does not fit in the target');
    }
    const s = this.state;
    let { i, j } = this;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]) & 0xff;
      const t = s[i];
      s[i] = s[j];
      s[j] = t;
      target[targetStart + n] = data[n] ^ s[(s[i] + s[j]) & 0xff];
    }
    this.i = i;
    this.j = j;
  }

  /** Zero the keystream state; the instance must not be used afterwards. */
  dispose(): void {
    this.state.fill(0);
    this.i = 0;
    this.j = 0;
  }
}
