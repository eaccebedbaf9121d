/**
 * RC4, the stream cipher NTLM seals with (MS-NLMP 3.4.3) and uses for the key exchange
 * (3.1.5.1.2). Node 20's OpenSSL 3 has RC4 only in the legacy provider, so it is here.
 * Stateful: one instance is one keystream, which NTLM keeps per direction for a whole context.
 */
import { wipe } from '../../secret';

/** The identity permutation the key schedule starts from: one set() instead of 256 stores. */
const IDENTITY = Uint8Array.from({ length: 256 }, (_, n) => n);

/** The key-scheduling algorithm: `s` becomes the permutation `key` (1 to 256 bytes) selects. */
function schedule(s: Uint8Array, key: Uint8Array): void {
  if (key.length === 0 || key.length > 256) throw new RangeError('RC4 key must be 1 to 256 bytes');
  s.set(IDENTITY);
  const keyLength = key.length;
  let j = 0;
  let k = 0; // n mod key.length, stepped rather than divided
  for (let n = 0; n < 256; n++) {
    const sn = s[n];
    j = (j + sn + key[k]) & 0xff;
    if (++k === keyLength) k = 0;
    s[n] = s[j];
    s[j] = sn;
  }
}

/**
 * XOR `length` bytes of `data` with the keystream of `s` from position (i, j) into `target` at
 * `targetStart`; returns the new (i, j) packed as i | j << 8.
 */
function crypt(
  s: Uint8Array,
  i: number,
  j: number,
  data: Uint8Array,
  length: number,
  target: Uint8Array,
  targetStart: number,
): number {
  for (let n = 0; n < length; n++) {
    i = (i + 1) & 0xff;
    const si = s[i];
    j = (j + si) & 0xff;
    const sj = s[j];
    s[i] = sj;
    s[j] = si;
    target[targetStart + n] = data[n] ^ s[(si + sj) & 0xff];
  }
  return i | (j << 8);
}

/** The state of rc4Once(); zeroed after every use. */
const oneShotState = new Uint8Array(256);

/**
 * RC4 of `data` under `key` with a fresh keystream, as a new Buffer (MS-NLMP 6, RC4K). The state
 * lives in one module-level array, zeroed before returning, instead of an Rc4 of its own: the key
 * exchange runs this once per handshake on each side, and the 256 bytes would be a new allocation.
 */
export function rc4Once(key: Uint8Array, data: Uint8Array): Buffer {
  // Memory of its own, not Buffer's shared pool: decrypting gives a key (the acceptor's
  // ExportedSessionKey), and every Buffer cut from a pool slab can read the whole slab.
  const out = Buffer.allocUnsafeSlow(data.length);
  try {
    schedule(oneShotState, key);
    crypt(oneShotState, 0, 0, data, data.length, out, 0);
  } finally {
    wipe(oneShotState);
  }
  return out;
}

export class Rc4 {
  /**
   * The permutation S of the key-scheduling algorithm, then the running keystream state: key
   * material, so in memory of its own rather than a slab of Buffer's shared pool that other
   * Buffers can read through `.buffer`. Every byte is set by the key schedule; dispose() zeroes it.
   */
  private readonly state: Uint8Array = Buffer.allocUnsafeSlow(256);
  private i = 0;
  private j = 0;

  /** Run the key-scheduling algorithm over `key` (1 to 256 bytes). */
  constructor(key: Uint8Array) {
    schedule(this.state, key);
  }

  /** XOR `data` with the next data.length keystream bytes; returns a new Buffer. */
  update(data: Uint8Array): Buffer {
    // Not from the shared pool: unsealing makes plaintext here (a delegated password, for one).
    const out = Buffer.allocUnsafeSlow(data.length);
    this.updateInto(data, out, 0);
    return out;
  }

  /**
   * update() of the first `length` bytes of `data` (all of it by default), written into `target`
   * at `targetStart` instead of a new Buffer, so a caller that lays out a message (signature ||
   * sealed bytes) allocates it once, and needs no view to encrypt part of a digest. In place
   * (`target` is `data`, start 0) works too.
   */
  updateInto(data: Uint8Array, target: Uint8Array, targetStart: number, length = data.length): void {
    if (length < 0 || length > data.length || targetStart < 0 || targetStart + length > target.length) {
      throw new RangeError('RC4 output does not fit in the target');
    }
    const ij = crypt(this.state, this.i, this.j, data, length, target, targetStart);
    this.i = ij & 0xff;
    this.j = ij >>> 8;
  }

  /** Zero the keystream state; the instance must not be used afterwards. */
  dispose(): void {
    wipe(this.state);
    this.i = 0;
    this.j = 0;
  }
}
