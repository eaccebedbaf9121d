/**
 * The client's long-term key for an AS exchange (RFC 4120 3.1.1): string-to-key of the password
 * with the salt and s2kparams the KDC names (RFC 3961 3, RFC 4120 5.2.7.5), or a key taken as is
 * from a keytab. Keys derived here are wiped on dispose; a keytab's keys stay their owner's.
 */
import { sspiError } from '../../../../errors';
import { wipeAll, type SecretBuffer } from '../../../../secret';
import { enctypeProfile } from '../crypto/enctypes';
import { isKerberosCryptoError } from '../crypto/crypto-error';
import type { EncryptionKey } from '../messages/types';
import type { RealmPrincipal } from './spn';

/** A password (UTF-8, in secret memory, the caller's) or a keytab's keys for the client. */
export type ClientSecret =
  { password: SecretBuffer; keys?: undefined } | { keys: readonly EncryptionKey[]; password?: undefined };

/** What the KDC says about deriving a key (an ETYPE-INFO2-ENTRY, RFC 4120 5.2.7.5, or a PA-PW-SALT). */
export interface SaltInfo {
  etype: number;
  /** The salt; absent means the default salt (RFC 4120 4). */
  salt?: Buffer;
  s2kParams?: Buffer;
}

/** The client's keys, by etype, made as the exchange needs them. */
export class ClientKeys {
  private readonly derived: SecretBuffer[] = [];

  constructor(
    private readonly client: RealmPrincipal,
    private readonly secret: ClientSecret,
  ) {}

  /** Whether a key of `etype` can be had: any etype from a password, a keytab's own etypes. */
  has(etype: number): boolean {
    return this.secret.keys ? this.secret.keys.some((k) => k.keyType === etype) : true;
  }

  /**
   * The key for `info`: from the keytab, or string-to-key of the password. SEC_E_INVALID_TOKEN
   * when the KDC's s2kparams are not ones we run (an iteration count above our bound is a KDC
   * trying to make us spend minutes), SEC_E_LOGON_DENIED when the password cannot be used.
   */
  keyFor(info: SaltInfo): SecretBuffer {
    if (this.secret.keys) {
      const key = this.secret.keys.find((k) => k.keyType === info.etype);
      if (!key)
        throw sspiError(
          'SEC_E_NO_CREDENTIALS',
          `The keytab holds no key of etype ${info.etype} for the client.`,
        );
      const keyLength = enctypeProfile(info.etype).keyLength;
      if (key.keyValue.length !== keyLength)
        throw sspiError(
          'SEC_E_NO_CREDENTIALS',
          `The keytab's key of etype ${info.etype} is ${key.keyValue.length} bytes, not ${keyLength}.`,
        );
      return key.keyValue;
    }
    const salt = info.salt ?? defaultSalt(this.client);
    try {
      const key = enctypeProfile(info.etype).stringToKey(this.secret.password, salt, info.s2kParams);
      this.derived.push(key);
      return key;
    } catch (err) {
      if (isKerberosCryptoError(err, 'bad-params'))
        throw sspiError(
          'SEC_E_INVALID_TOKEN',
          `The KDC's string-to-key parameters cannot be used: ${err.message}.`,
        );
      if (isKerberosCryptoError(err, 'bad-password'))
        throw sspiError(
          'SEC_E_LOGON_DENIED',
          `The password cannot be used for etype ${info.etype}: ${err.message}.`,
        );
      throw err;
    }
  }

  /** Wipe every key derived here. */
  dispose(): void {
    wipeAll(this.derived);
    this.derived.length = 0;
  }
}

/** The default salt: the realm, then each name component, with no separators (RFC 4120 4). */
export function defaultSalt(principal: RealmPrincipal): Buffer {
  return Buffer.from(principal.realm + principal.name.nameString.join(''), 'utf8');
}
