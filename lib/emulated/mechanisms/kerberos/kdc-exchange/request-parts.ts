/**
 * What AS and TGS requests share (RFC 4120 5.4.1): the etypes we offer, the nonce, the clock and
 * the random source, the last two injectable so tests can replay an exchange exactly.
 */
import { randomBytes } from 'node:crypto';
import { Enctype } from '../crypto/enctypes';
import type { KdcCredential } from './credential';

/**
 * The etypes we ask for, best first: MIT's default order (permitted_enctypes), the SHA-1 AES
 * enctypes before the RFC 8009 ones as every deployed KDC has keys for those. rc4-hmac only on
 * request (RFC 8429 deprecates it; AD still uses it for accounts without AES keys).
 */
export const PREFERRED_ETYPES: readonly number[] = [
  Enctype.AES256_CTS_HMAC_SHA1_96,
  Enctype.AES128_CTS_HMAC_SHA1_96,
  Enctype.AES256_CTS_HMAC_SHA384_192,
  Enctype.AES128_CTS_HMAC_SHA256_128,
];

/** The etype list of a request: PREFERRED_ETYPES, and rc4-hmac last when `allowRc4`. */
export function offeredEtypes(allowRc4 = false): number[] {
  return allowRc4 ? [...PREFERRED_ETYPES, Enctype.RC4_HMAC] : [...PREFERRED_ETYPES];
}

/** The clock and random source of an exchange; node's by default. */
export interface ExchangeEnvironment {
  /** The current time. */
  now?: () => Date;
  /** `length` random bytes (nonces, subkeys). */
  randomBytes?: (length: number) => Buffer;
}

/** The environment with its defaults filled in. */
export function environmentOf(env: ExchangeEnvironment): Required<ExchangeEnvironment> {
  return { now: env.now ?? (() => new Date()), randomBytes: env.randomBytes ?? randomBytes };
}

/** A nonce (RFC 4120 5.4.1): 31 random bits, as MIT and Windows send (some KDCs mishandle negative ones). */
export function newNonce(random: (length: number) => Buffer): number {
  return random(4).readUInt32BE(0) & 0x7fffffff;
}

/** A time as KerberosTime (whole seconds, 5.2.3) and its Microseconds (5.2.4). */
export function kerberosTimeOf(date: Date): { time: Date; usec: number } {
  const ms = date.getTime();
  const seconds = Math.floor(ms / 1000);
  return { time: new Date(seconds * 1000), usec: (ms - seconds * 1000) * 1000 };
}

/** True while `credential` has more than `marginMs` left before its endtime. */
export function isFresh(credential: KdcCredential, now: Date, marginMs: number): boolean {
  return credential.endtime.getTime() - now.getTime() > marginMs;
}
