/**
 * HMAC-MD5 (RFC 2104) on node:crypto. NTLMv2 computes it for NTOWFv2, NTProofStr, the LMv2
 * response and SessionBaseKey (MS-NLMP 3.3.2), the MIC (3.1.5.1.2) and every message signature
 * (MAC, 3.4.4.2). A TypeScript MD5 with precomputed pad midstates used to stand here; it saved
 * about 2% of a CredSSP handshake, less than the bench's run-to-run spread (issue 11 item 7), so
 * OpenSSL's, which cleanses its key schedule when the HMAC is done, does the work.
 */
import { createHmac } from 'node:crypto';
import { copySecret, wipe, type SecretBuffer } from '../../secret';

/** MD5 digests are 16 bytes (RFC 1321 3.5). */
const MD5_DIGEST_LENGTH = 16;

/** HMAC_MD5(key, parts concatenated) (RFC 2104), without joining the parts. */
export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const hmac = createHmac('md5', key);
  for (const part of parts) hmac.update(part);
  return hmac.digest();
}

/**
 * A key for many HMAC-MD5 computations: NTLM keeps one per direction for its message signatures
 * (the SigningKey, MS-NLMP 3.4.4.2) and one for ResponseKeyNT across NTProofStr, LMv2 and
 * SessionBaseKey (3.3.2). It holds its own secret copy of the key; dispose() wipes it, and mac()
 * after dispose() throws rather than compute under a zero key.
 */
export class HmacMd5Key {
  private readonly key: SecretBuffer;
  private disposed = false;

  /** Key HMAC-MD5 with `key` (any length). The caller keeps, and may zero, its Buffer. */
  constructor(key: Uint8Array) {
    this.key = copySecret(key);
  }

  /** HMAC_MD5(key, parts concatenated). */
  mac(...parts: Uint8Array[]): Buffer {
    if (this.disposed) throw new Error('HMAC-MD5 key used after dispose()');
    return hmacMd5(this.key, ...parts);
  }

  /**
   * mac() written into the 16 bytes of `out` at `at`, for a caller that keeps only part of the MAC
   * (NTLM's 8-byte checksum, MS-NLMP 3.4.4.2).
   */
  macInto(out: Uint8Array, at: number, ...parts: Uint8Array[]): void {
    if (this.disposed) throw new Error('HMAC-MD5 key used after dispose()');
    if (at < 0 || at + MD5_DIGEST_LENGTH > out.length)
      throw new RangeError('the MAC does not fit in the target');
    const mac = hmacMd5(this.key, ...parts);
    out.set(mac, at);
    wipe(mac);
  }

  /** Wipe the key. Idempotent; the key is unusable afterwards. */
  dispose(): void {
    wipe(this.key);
    this.disposed = true;
  }
}
