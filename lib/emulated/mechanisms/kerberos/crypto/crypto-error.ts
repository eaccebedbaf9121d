/**
 * The one exception the Kerberos cryptosystem throws. The protocol layer maps it to an SSPI status
 * (lib/errors.ts): `integrity` to SEC_E_MESSAGE_ALTERED (a wrap token) or SEC_E_INVALID_TOKEN (a
 * ticket, an authenticator, a KDC reply), `malformed` to SEC_E_INVALID_TOKEN; the others are a
 * caller's or a configuration's mistake (a keytab key of the wrong length, an enctype we do not
 * implement) and say so. Messages never contain key or plaintext bytes.
 */

/** Why a cryptosystem operation refused its input. */
export type KerberosCryptoFailure =
  /** The checksum or the ciphertext's integrity check did not verify: tampered, or the wrong key. */
  | 'integrity'
  /** The ciphertext or checksum cannot be one this enctype produced (too short, wrong length). */
  | 'malformed'
  /** A key whose length is not the enctype's key length (RFC 3961 3: keys are keyLength bytes). */
  | 'bad-key'
  /** A key usage number outside 0..2^32-1 (RFC 3961 3: usages are unsigned 32-bit). */
  | 'bad-usage'
  /** An enctype or checksum type number this cryptosystem does not implement. */
  | 'unsupported'
  /** string-to-key parameters (s2kparams) this enctype cannot take, or an iteration count out of bounds. */
  | 'bad-params'
  /** A password that is not well-formed UTF-8 where the enctype needs its characters (RFC 4757 5). */
  | 'bad-password';

/** A refused Kerberos cryptosystem operation; `reason` says which kind, for the caller to map. */
export class KerberosCryptoError extends Error {
  override name = 'KerberosCryptoError';
  /** Which kind of refusal this is; `integrity` is the only one a peer's tampering produces. */
  readonly reason: KerberosCryptoFailure;

  constructor(reason: KerberosCryptoFailure, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** True for a KerberosCryptoError, of the given reason when one is named. */
export function isKerberosCryptoError(
  err: unknown,
  reason?: KerberosCryptoFailure,
): err is KerberosCryptoError {
  return err instanceof KerberosCryptoError && (reason === undefined || err.reason === reason);
}
