/**
 * One base key bound to its enctype, with the protocol keys derived from it kept (RFC 3961 5.3:
 * Kc, Ke and Ki per key usage), as MIT keeps derived keys with a krb5_key: a context's per-message
 * tokens use the same two or three usages for every message, so each is derived once instead of
 * once per message. The derived keys live in secret memory and dispose() wipes them with the base
 * key's copy.
 */
import { copySecret, wipe, type SecretBuffer } from '../../../../secret';
import {
  checkChecksum,
  macAesCtsHmac,
  openAesCtsHmac,
  sealAesCtsHmac,
  type AesCtsHmacSuite,
} from './aes-cts-hmac';
import { KerberosCryptoError } from './crypto-error';
import { KeyPurpose, checkUsage, type KeyDeriver, type KeyPurposeByte } from './key-derivation';

/** An enctype's operations bound to one key (RFC 3961 3), the key's derived keys kept. */
export interface BoundKey {
  /** encrypt(usage, plaintext) with a fresh random confounder. */
  encrypt(usage: number, plaintext: Uint8Array): Buffer;
  /** decrypt(); throws KerberosCryptoError `integrity` or `malformed` for ciphertext that is not ours. */
  decrypt(usage: number, ciphertext: Uint8Array): SecretBuffer;
  /** The keyed checksum of `data`. */
  checksum(usage: number, data: Uint8Array): Buffer;
  /** Verifies a keyed checksum in constant time; throws KerberosCryptoError `integrity` if it does not match. */
  verifyChecksum(usage: number, data: Uint8Array, checksum: Uint8Array): void;
  /** Wipe the key's copy and every key derived from it; any later call throws. Idempotent. */
  dispose(): void;
}

/**
 * How many derived keys one bound key keeps. A Kerberos context uses two usages each way (seal
 * and sign, RFC 4121 2), each needing up to three keys; past the cap the least recently used key
 * is wiped and derived again when next needed.
 */
export const DERIVED_KEY_CAP = 16;

/** An AES enctype's operations bound to a copy of `key` (checked for length by the caller). */
export function bindAesKey(suite: AesCtsHmacSuite, key: Uint8Array): BoundKey {
  const baseKey = copySecret(key);
  // Keyed by usage * 256 + purpose (usages are 32-bit, so the sum is an exact integer); Map order
  // is recency, each hit moved to the end.
  const derived = new Map<number, SecretBuffer>();
  let deriver: KeyDeriver | undefined;
  let disposed = false;

  const derivedKey = (usage: number, purpose: KeyPurposeByte): SecretBuffer => {
    if (disposed) throw new KerberosCryptoError('bad-key', `the ${suite.name} key was disposed`);
    checkUsage(usage);
    const id = usage * 256 + purpose;
    let found = derived.get(id);
    if (found) {
      derived.delete(id);
    } else {
      deriver ??= suite.keyDeriver(baseKey);
      found = deriver.derive(usage, purpose);
      if (derived.size >= DERIVED_KEY_CAP) {
        const [oldest, oldestKey] = derived.entries().next().value as [number, SecretBuffer];
        derived.delete(oldest);
        wipe(oldestKey);
      }
    }
    derived.set(id, found);
    return found;
  };
  const usageKeys = (usage: number) => ({
    ke: derivedKey(usage, KeyPurpose.encryption),
    ki: derivedKey(usage, KeyPurpose.integrity),
  });
  const checksum = (usage: number, data: Uint8Array) =>
    macAesCtsHmac(suite, derivedKey(usage, KeyPurpose.checksum), data);

  return {
    encrypt: (usage, plaintext) => sealAesCtsHmac(suite, usageKeys(usage), plaintext),
    decrypt: (usage, ciphertext) => openAesCtsHmac(suite, usageKeys(usage), ciphertext),
    checksum,
    verifyChecksum: (usage, data, received) => checkChecksum(suite, checksum(usage, data), received),
    dispose() {
      if (disposed) return;
      disposed = true;
      deriver?.dispose();
      wipe(baseKey, ...derived.values());
      derived.clear();
    },
  };
}
