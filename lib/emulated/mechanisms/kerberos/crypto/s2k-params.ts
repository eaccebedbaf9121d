/**
 * The string-to-key parameters of the AES enctypes (RFC 3962 4, RFC 8009 4): four bytes, the PBKDF2
 * iteration count as an unsigned big-endian number. They come from the KDC's ETYPE-INFO2 before any
 * key authenticates it, so the count is bounded here: a peer must not make us spend minutes.
 */
import { KerberosCryptoError } from './crypto-error';

/** s2kparams are exactly four bytes (RFC 3962 4). */
const S2K_PARAMS_LENGTH = 4;

/**
 * The most iterations we run: 2^24, MIT krb5's bound too. RFC 3962 4 reads a count of zero as 2^32,
 * which we refuse with everything above the bound.
 */
export const MAX_ITERATION_COUNT = 0x1000000;

/** The PBKDF2 iteration count that `s2kParams` names, or `defaultCount` when there are none. */
export function iterationCount(s2kParams: Uint8Array | undefined, defaultCount: number): number {
  if (s2kParams === undefined) return defaultCount;
  if (s2kParams.length !== S2K_PARAMS_LENGTH)
    throw new KerberosCryptoError(
      'bad-params',
      `AES s2kparams are ${S2K_PARAMS_LENGTH} bytes, not ${s2kParams.length}`,
    );
  const count = Buffer.from(s2kParams.buffer, s2kParams.byteOffset, S2K_PARAMS_LENGTH).readUInt32BE(0);
  if (count === 0 || count > MAX_ITERATION_COUNT)
    throw new KerberosCryptoError(
      'bad-params',
      `a PBKDF2 iteration count of ${count === 0 ? '2^32' : count} is above our bound of ${MAX_ITERATION_COUNT}`,
    );
  return count;
}
