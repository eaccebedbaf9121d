/**
 * An acceptor's long-term keys made from its account's password, as Windows' Kerberos makes them
 * for an inbound credential acquired with explicit credentials: string-to-key (RFC 3961 3) of the
 * UTF-8 password with the account's salt, for each enctype the acceptor takes. The KDC made the
 * same keys from the same password and salt when the password was set, so tickets for any name of
 * the account decrypt with them. Keys made from a password have no version number: any kvno goes.
 */
import { sspiError } from '../../../errors';
import { wipeAll } from '../../../secret';
import { isKerberosCryptoError } from './crypto/crypto-error';
import { Enctype, enctypeProfile } from './crypto/enctypes';
import type { EncryptionKey } from './messages/types';

/** The enctypes whose keys are made: the AES ones MIT and Windows keep, rc4-hmac only when allowed. */
export function acceptorEnctypes(allowRc4: boolean): number[] {
  const aes = [
    Enctype.AES256_CTS_HMAC_SHA1_96,
    Enctype.AES128_CTS_HMAC_SHA1_96,
    Enctype.AES256_CTS_HMAC_SHA384_192,
    Enctype.AES128_CTS_HMAC_SHA256_128,
  ];
  return allowRc4 ? [...aes, Enctype.RC4_HMAC] : aes;
}

/**
 * The salt the KDC used for the account `user` of `realm` (upper case), when none is given:
 * - an AD computer account 'NAME$': the realm, 'host', the name in lower case without its '$', '.',
 *   the realm in lower case (MS-KILE 3.1.1.2);
 * - any other (an AD user account, an MIT principal such as 'HTTP/web.example.com'): the realm
 *   followed by the name's components with no separator (RFC 4120 4, MIT's default salt; MS-KILE
 *   3.1.1.2 for user accounts).
 */
export function accountSalt(user: string, realm: string): string {
  if (user.length > 1 && user.endsWith('$') && !user.includes('/')) {
    return `${realm}host${user.slice(0, -1).toLowerCase()}.${realm.toLowerCase()}`;
  }
  return realm + user.split('/').join('');
}

/**
 * The keys of `etypes` from `passwordUtf8` (the caller's, not kept) and `salt`, in secret memory
 * the caller owns and wipes. SEC_E_NO_CREDENTIALS when the password cannot make a key.
 */
export function passwordKeys(
  passwordUtf8: Uint8Array,
  salt: string,
  etypes: readonly number[],
): EncryptionKey[] {
  const saltBytes = Buffer.from(salt, 'utf8');
  const keys: EncryptionKey[] = [];
  try {
    for (const etype of etypes) {
      keys.push({ keyType: etype, keyValue: enctypeProfile(etype).stringToKey(passwordUtf8, saltBytes) });
    }
    return keys;
  } catch (err) {
    wipeAll(keys.map((k) => k.keyValue));
    if (isKerberosCryptoError(err, 'bad-password'))
      throw sspiError('SEC_E_NO_CREDENTIALS', `The password cannot make Kerberos keys: ${err.message}.`);
    throw err;
  }
}
