/**
 * What an AS or TGS exchange yields: a ticket and what its client needs to use it (RFC 4120
 * 3.1.6, 3.3.6: the ticket, the session key and the reply's times and flags), checked against
 * the request it answers (RFC 4120 3.1.5, 3.3.4).
 */
import { peerText, sspiError } from '../../../../errors';
import { wipe } from '../../../../secret';
import { enctypeProfile } from '../crypto/enctypes';
import { principalToString } from '../messages/common';
import type { EncKdcRepPart, EncryptionKey, KdcRep, PrincipalName, Ticket } from '../messages/types';
import type { RealmPrincipal } from './spn';

/** A ticket with its session key: a TGT or a service ticket. */
export interface KdcCredential {
  client: RealmPrincipal;
  server: RealmPrincipal;
  ticket: Ticket;
  /** The session key (EncKDCRepPart key); `keyValue` is in secret memory and wiped by {@link disposeCredential}. */
  key: EncryptionKey;
  /** TicketFlags (RFC 4120 5.3) as the KDC reported them. */
  flags: number;
  authtime: Date;
  starttime?: Date;
  endtime: Date;
  renewTill?: Date;
}

/** Wipe the credential's session key; the credential is unusable afterwards. Idempotent. */
export function disposeCredential(credential: KdcCredential): void {
  wipe(credential.key.keyValue);
}

/** What a reply must match: the request's nonce, its client and the server it asked for. */
export interface ReplyExpectation {
  /** 'AS-REP' or 'TGS-REP', for messages. */
  what: string;
  nonce: number;
  client: RealmPrincipal;
  server: RealmPrincipal;
  /** The etypes the request offered. */
  etypes: readonly number[];
  /**
   * In a TGS exchange with this realm's KDC: a TGT of that KDC for another realm (krbtgt/OTHER@this)
   * is accepted in place of the server, as a referral (RFC 4120 3.3.1 cross-realm, RFC 6806 8).
   */
  referralsFrom?: string;
}

/**
 * The credential a decrypted KDC reply carries, after the checks of RFC 4120 3.1.5 and 3.3.4:
 * the nonce is ours (not a replayed reply), the server in the encrypted part is the one we asked
 * for (sname and srealm: a KDC cannot be made to pass off another service's ticket), and the
 * client is the one we are (cname and crealm of the clear part), and the session key is of an
 * etype we offered (3.1.3: no downgrade to one we left out). Names are compared exactly, as MIT
 * does; realms without regard to case, as AD answers in upper case whatever the request said. The
 * credential takes `encPart.key` (secret memory, as parseEncKdcRepPart makes it) as its session
 * key; when a check fails, the key is wiped.
 */
export function credentialOf(rep: KdcRep, encPart: EncKdcRepPart, expected: ReplyExpectation): KdcCredential {
  try {
    checkReply(rep, encPart, expected);
  } catch (err) {
    wipe(encPart.key.keyValue);
    throw err;
  }
  return {
    client: { name: rep.cname, realm: rep.crealm },
    server: { name: encPart.sname, realm: encPart.srealm },
    ticket: rep.ticket,
    key: encPart.key,
    flags: encPart.flags,
    authtime: encPart.authtime,
    starttime: encPart.starttime,
    endtime: encPart.endtime,
    renewTill: encPart.renewTill,
  };
}

function checkReply(rep: KdcRep, encPart: EncKdcRepPart, expected: ReplyExpectation): void {
  const what = expected.what;
  if (encPart.nonce !== expected.nonce)
    throw badReply(what, 'its nonce is not the one we sent: it answers another request (a replay?)');
  const server = { name: encPart.sname, realm: encPart.srealm };
  const referral = expected.referralsFrom !== undefined && referralRealm(server) !== undefined;
  if (referral && server.realm.toUpperCase() !== expected.referralsFrom!.toUpperCase())
    throw badReply(what, `it refers us on with a TGT of ${nameOf(server)}, not one of the KDC we asked`);
  if (!referral && !samePrincipal(server, expected.server))
    throw badReply(what, `it is for ${nameOf(server)}, not ${nameOf(expected.server)}, which we asked for`);
  const client = { name: rep.cname, realm: rep.crealm };
  if (!samePrincipal(client, expected.client))
    throw badReply(what, `it is for the client ${nameOf(client)}, not ${nameOf(expected.client)}`);
  const keyType = encPart.key.keyType;
  if (!expected.etypes.includes(keyType))
    throw badReply(what, `its session key is of etype ${keyType}, which we did not offer`);
  if (encPart.key.keyValue.length !== enctypeProfile(keyType).keyLength)
    throw badReply(what, `its session key is not a key of etype ${keyType}`);
}

/** The realm a TGT for another realm leads to (krbtgt/OTHER@REALM: OTHER); undefined for any other ticket. */
export function referralRealm(server: RealmPrincipal): string | undefined {
  const [service, other, ...rest] = server.name.nameString;
  if (service !== 'krbtgt' || other === undefined || rest.length > 0) return undefined;
  return other.toUpperCase() === server.realm.toUpperCase() ? undefined : other;
}

/** The realm whose KDC takes `tgt` (krbtgt/REALM@ISSUER: REALM); SEC_E_NO_CREDENTIALS for a ticket that is no TGT. */
export function tgsRealmOf(tgt: KdcCredential): string {
  const [service, realm, ...rest] = tgt.server.name.nameString;
  if (service !== 'krbtgt' || realm === undefined || rest.length > 0)
    throw sspiError('SEC_E_NO_CREDENTIALS', `${nameOf(tgt.server)} is not a ticket-granting ticket.`);
  return realm;
}

/** Same components and name in the same realm (realm case aside). */
function samePrincipal(a: RealmPrincipal, b: RealmPrincipal): boolean {
  return a.realm.toUpperCase() === b.realm.toUpperCase() && sameName(a.name, b.name);
}

function sameName(a: PrincipalName, b: PrincipalName): boolean {
  return a.nameString.length === b.nameString.length && a.nameString.every((c, i) => c === b.nameString[i]);
}

/** 'name@REALM' for messages, quoted short (names in a reply are the peer's). */
export function nameOf(principal: RealmPrincipal): string {
  return peerText(principalToString(principal.name, principal.realm), 2 * 64);
}

/** A KDC reply that does not answer our request as it must: SEC_E_INVALID_TOKEN. */
export function badReply(what: string, why: string) {
  return sspiError('SEC_E_INVALID_TOKEN', `The KDC's ${what} cannot be used: ${why}.`);
}
