/**
 * n-fold (RFC 3961 5.1): stretches or shrinks a constant to a cipher's block size before DR() encrypts
 * it. The input is repeated until its length is the least common multiple of the input and output
 * lengths, each repetition rotated right by 13 bits more than the one before, and the repetitions
 * are cut into output-sized pieces that are added with one's-complement (end-around carry) addition.
 * Its inputs are public constants ("kerberos", a usage number and a purpose byte), never secrets.
 */

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Bit `index` of `bytes`, counting from the most significant bit of bytes[0]. */
function bitAt(bytes: Uint8Array, index: number): number {
  return (bytes[index >> 3] >> (7 - (index & 7))) & 1;
}

/**
 * n-folds already made, by output length and input. Every key derivation n-folds its constant
 * (RFC 3961 5.3: a usage number and a purpose byte), and a bit at a time that was a tenth of an AP
 * exchange's CPU time; the constants are few and public, and past MEMO_LIMIT the table stops growing.
 */
const memo = new Map<string, Buffer>();
const MEMO_LIMIT = 1024;

/** The `outputLength`-byte n-fold of `input` (RFC 3961 5.1), a Buffer of the caller's; `input` must not be empty. */
export function nfold(input: Uint8Array, outputLength: number): Buffer {
  const key = `${outputLength}:${Buffer.from(input.buffer, input.byteOffset, input.length).toString('hex')}`;
  const known = memo.get(key);
  if (known) return Buffer.from(known);
  const folded = computeNfold(input, outputLength);
  if (memo.size < MEMO_LIMIT) memo.set(key, Buffer.from(folded));
  return folded;
}

function computeNfold(input: Uint8Array, outputLength: number): Buffer {
  const inputLength = input.length;
  if (inputLength === 0 || outputLength <= 0)
    throw new RangeError('n-fold needs a non-empty input and output');
  const inputBits = inputLength * 8;
  const lcm = (inputLength * outputLength) / gcd(inputLength, outputLength);

  // Column sums: every repetition's byte at `i` is added into sums[i mod outputLength] first, and
  // the carries are settled afterwards, which is the same one's-complement sum.
  const sums = new Array<number>(outputLength).fill(0);
  for (let repetition = 0; repetition < lcm / inputLength; repetition++) {
    // Rotating right by r bits puts input bit (j - r) mod n at position j.
    const rotation = (13 * repetition) % inputBits;
    for (let byte = 0; byte < inputLength; byte++) {
      let value = 0;
      for (let bit = 0; bit < 8; bit++) {
        const position = byte * 8 + bit;
        value = (value << 1) | bitAt(input, (position - rotation + inputBits) % inputBits);
      }
      sums[(repetition * inputLength + byte) % outputLength] += value;
    }
  }

  // End-around carry: what overflows the most significant byte is added back at the least.
  let carry = 0;
  do {
    for (let i = outputLength - 1; i >= 0; i--) {
      const total = sums[i] + carry;
      sums[i] = total & 0xff;
      carry = total >>> 8;
    }
  } while (carry !== 0);
  return Buffer.from(sums);
}
