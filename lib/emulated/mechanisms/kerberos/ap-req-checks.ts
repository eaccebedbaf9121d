/**
 * The acceptor's checks of an AP-REQ (RFC 4120 3.2.3; RFC 4121 4.1.1), one function each, in the
 * order the acceptor runs them. Each refusal is an ApFailure: the status our caller sees and the
 * KRB-ERROR code the initiator is sent (the forwarded KRB-CRED is read in delegation.ts). Decrypted keys come back in secret memory the caller owns;
 * every decrypted plaintext is wiped before returning.
 */
import { timingSafeEqual } from 'node:crypto';
import { peerText } from '../../../errors';
import { wipe, type SecretBuffer } from '../../../secret';
import type { StatusName } from '../../../constants';
import { isKerberosCryptoError } from './crypto/crypto-error';
import type { BoundKey } from './crypto/bound-key';
import { enctypeProfile, type EnctypeProfile } from './crypto/enctypes';
import { KeyUsage } from './crypto/key-usage';
import { ApFailure, asSspiError } from './errors';
import { parseAuthenticator } from './messages/ap';
import { principalToString } from './messages/common';
import { GSS_CHECKSUM_TYPE, KrbErrorCode, TicketFlag } from './messages/constants';
import { channelBindingsHash, parseGssChecksum, type ChannelBindings } from './messages/gss-token';
import { parseEncTicketPart } from './messages/ticket';
import type {
  Authenticator,
  EncTicketPart,
  EncryptedData,
  EncryptionKey,
  GssChecksum,
  PrincipalName,
  Ticket,
} from './messages/types';

const C = KrbErrorCode;

/** The service keys, by principal, realm, kvno (undefined: any) and enctype; from a keytab. */
export type ServiceKeyLookup = (
  sname: PrincipalName,
  realm: string,
  kvno: number | undefined,
  etype: number,
) => EncryptionKey | undefined;

/**
 * Decrypt `what` (an EncryptedData's ciphertext) with `decrypt`, which holds the key and usage, and
 * parse the plaintext, which is wiped after; an integrity failure is the ApFailure `onAltered`
 * names, anything else asSspiError's.
 */
export function decryptPart<T>(
  decrypt: (ciphertext: Uint8Array) => SecretBuffer,
  data: EncryptedData,
  what: string,
  onAltered: [StatusName, number],
  parse: (plain: Buffer) => T,
): T {
  let plain: SecretBuffer | undefined;
  try {
    plain = decrypt(data.cipher);
    return parse(plain);
  } catch (err) {
    if (isKerberosCryptoError(err, 'integrity'))
      throw new ApFailure(
        onAltered[0],
        onAltered[1],
        `${what} does not decrypt: it was altered, or made with another key.`,
      );
    throw asSspiError(err, what);
  } finally {
    wipe(plain);
  }
}

/** The profile of `etype`; an ApFailure (KDC_ERR_ETYPE_NOSUPP) for one we do not implement. */
export function profileOf(etype: number, what: string): EnctypeProfile {
  try {
    return enctypeProfile(etype);
  } catch {
    throw new ApFailure(
      'SEC_E_ALGORITHM_MISMATCH',
      C.KDC_ERR_ETYPE_NOSUPP,
      `${what} uses encryption type ${etype}, which this acceptor does not support.`,
    );
  }
}

/** The ticket's EncTicketPart, decrypted with the service key; its session key is a copy in secret memory. */
export function decryptTicket(ticket: Ticket, keys: ServiceKeyLookup): EncTicketPart {
  const { etype, kvno } = ticket.encPart;
  const profile = profileOf(etype, 'The ticket');
  // The client names the service: quoted short, and only for a refusal's message.
  const service = () => peerText(principalToString(ticket.sname, ticket.realm));
  const key = keys(ticket.sname, ticket.realm, kvno, etype);
  if (!key) {
    const otherVersion =
      kvno !== undefined && keys(ticket.sname, ticket.realm, undefined, etype) !== undefined;
    throw new ApFailure(
      'SEC_E_NO_KERB_KEY',
      otherVersion ? C.KRB_AP_ERR_BADKEYVER : C.KRB_AP_ERR_NOKEY,
      `The ticket is for ${service()} (kvno ${kvno ?? 'unset'}, ${profile.name}), for which this acceptor has no key.`,
    );
  }
  if (key.keyValue.length !== profile.keyLength)
    throw new ApFailure(
      'SEC_E_NO_KERB_KEY',
      C.KRB_AP_ERR_NOKEY,
      `The key for ${service()} is not a ${profile.name} key.`,
    );
  return decryptPart(
    (cipher) => profile.decrypt(key.keyValue, KeyUsage.KDC_REP_TICKET, cipher),
    ticket.encPart,
    'The ticket',
    ['SEC_E_INVALID_TOKEN', C.KRB_AP_ERR_MODIFIED],
    parseEncTicketPart,
  );
}

/** RFC 4120 3.2.3: the ticket is valid now, within the skew (not INVALID, started, not expired). */
export function checkTicketTimes(part: EncTicketPart, now: Date, skewMs: number): void {
  if (part.flags & TicketFlag.INVALID)
    throw new ApFailure(
      'SEC_E_CONTEXT_EXPIRED',
      C.KRB_AP_ERR_TKT_NYV,
      'The ticket is marked INVALID (postdated, not yet validated).',
    );
  const start = (part.starttime ?? part.authtime).getTime();
  if (start - skewMs > now.getTime())
    throw new ApFailure(
      'SEC_E_TIME_SKEW',
      C.KRB_AP_ERR_TKT_NYV,
      `The ticket is not valid until ${new Date(start).toISOString()}.`,
    );
  if (now.getTime() - skewMs > part.endtime.getTime())
    throw new ApFailure(
      'SEC_E_CONTEXT_EXPIRED',
      C.KRB_AP_ERR_TKT_EXPIRED,
      `The ticket expired at ${part.endtime.toISOString()}.`,
    );
}

/**
 * The authenticator, decrypted with the ticket's session key; its subkey (if any) a copy in secret
 * memory. The session key comes back bound (its derived keys kept) for the AP-REP to be encrypted
 * with: the caller disposes it.
 */
export function decryptAuthenticator(
  data: EncryptedData,
  sessionKey: EncryptionKey,
): { auth: Authenticator; session: BoundKey } {
  if (data.etype !== sessionKey.keyType)
    throw new ApFailure(
      'SEC_E_MESSAGE_ALTERED',
      C.KRB_AP_ERR_BAD_INTEGRITY,
      `The authenticator is encrypted with etype ${data.etype}, not the session key’s.`,
    );
  const profile = profileOf(sessionKey.keyType, 'The session key');
  let session: BoundKey | undefined;
  try {
    const bound = profile.bind(sessionKey.keyValue);
    session = bound;
    const auth = decryptPart(
      (cipher) => bound.decrypt(KeyUsage.AP_REQ_AUTHENTICATOR, cipher),
      data,
      'The authenticator',
      ['SEC_E_MESSAGE_ALTERED', C.KRB_AP_ERR_BAD_INTEGRITY],
      parseAuthenticator,
    );
    return { auth, session: bound };
  } catch (err) {
    session?.dispose();
    throw asSspiError(err, 'The authenticator');
  }
}

/** RFC 4120 3.2.3: the authenticator names the ticket's client, was made within the skew, and its subkey is usable. */
export function checkAuthenticator(
  auth: Authenticator,
  ticket: EncTicketPart,
  now: Date,
  skewMs: number,
): void {
  const same =
    auth.crealm === ticket.crealm &&
    auth.cname.nameString.length === ticket.cname.nameString.length &&
    auth.cname.nameString.every((component, i) => component === ticket.cname.nameString[i]);
  if (auth.subkey) {
    const profile = profileOf(auth.subkey.keyType, 'The authenticator’s subkey');
    if (auth.subkey.keyValue.length !== profile.keyLength)
      throw new ApFailure(
        'SEC_E_INVALID_TOKEN',
        C.KRB_AP_ERR_BAD_INTEGRITY,
        `The authenticator’s subkey is not a ${profile.name} key.`,
      );
  }
  if (!same)
    throw new ApFailure(
      'SEC_E_INVALID_TOKEN',
      C.KRB_AP_ERR_BADMATCH,
      'The authenticator names another client than the ticket.',
    );
  const made = auth.ctime.getTime() + Math.floor(auth.cusec / 1000);
  if (Math.abs(made - now.getTime()) > skewMs) {
    throw new ApFailure(
      'SEC_E_TIME_SKEW',
      C.KRB_AP_ERR_SKEW,
      `The client’s clock (${auth.ctime.toISOString()}) is more than ${skewMs / 1000} s from this one (${now.toISOString()}).`,
    );
  }
}

/** What the acceptor holds about channel bindings (RFC 4121 4.1.1.2). */
export interface ChannelBindingPolicy {
  /** Our channel bindings; undefined when we have none. */
  channelBindings?: ChannelBindings;
  /** Refuse an initiator that sent none (a zero hash) while we have some. */
  required: boolean;
}

const NO_BINDINGS = channelBindingsHash(undefined);

/**
 * The 0x8003 checksum (RFC 4121 4.1.1): present, well-formed, and with channel bindings matching
 * ours. An initiator's bindings are ignored when we have none, and zero bindings accepted unless
 * `required` (as MIT does).
 */
export function checkGssChecksum(auth: Authenticator, policy: ChannelBindingPolicy): GssChecksum {
  if (!auth.cksum || auth.cksum.cksumType !== GSS_CHECKSUM_TYPE)
    throw new ApFailure(
      'SEC_E_INVALID_TOKEN',
      C.KRB_AP_ERR_INAPP_CKSUM,
      'The authenticator carries no GSS checksum (type 0x8003).',
    );
  let checksum: GssChecksum;
  try {
    checksum = parseGssChecksum(auth.cksum.checksum);
  } catch (err) {
    throw asSspiError(err, 'The authenticator’s GSS checksum');
  }
  if (policy.channelBindings) {
    const sent = checksum.bindingsHash;
    if (sent.equals(NO_BINDINGS)) {
      if (policy.required)
        throw new ApFailure(
          'SEC_E_BAD_BINDINGS',
          C.KRB_AP_ERR_INAPP_CKSUM,
          'The client sent no channel bindings; this acceptor requires them.',
        );
    } else {
      const ours = channelBindingsHash(policy.channelBindings);
      if (sent.length !== ours.length || !timingSafeEqual(sent, ours))
        throw new ApFailure(
          'SEC_E_BAD_BINDINGS',
          C.KRB_AP_ERR_INAPP_CKSUM,
          'The client’s channel bindings are not this channel’s.',
        );
    }
  }
  return checksum;
}
