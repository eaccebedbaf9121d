/**
 * KRB-CRED ([APPLICATION 22]) and EncKrbCredPart ([APPLICATION 29]), RFC 4120 5.8.1: how a
 * forwarded TGT travels in the GSS delegation option (RFC 4121 4.1.1.1). The encrypted part
 * holds the tickets' session keys: written into secret memory, keys read into secret memory.
 */
import { allocSecret, wipeAll } from '../../../../secret';
import { encodeTree, type DerElement } from '../../../asn1/der';
import { ApplicationTag, KerberosLimits, MessageType } from './constants';
import {
  encryptedDataTree,
  encryptionKeyTree,
  hostAddressTree,
  hostAddressesTree,
  principalNameTree,
  readEncryptedData,
  readEncryptionKey,
  readHostAddress,
  readHostAddresses,
  readPrincipalName,
  readRealm,
} from './common';
import {
  applicationSequence,
  applicationTree,
  boundedList,
  expectMsgType,
  expectVersion,
  fieldsOf,
  fieldsTree,
  int32,
  kerberosFlags,
  kerberosString,
  kerberosTime,
  listTree,
  microseconds,
  optional,
  parseAs,
  readKerberosFlags,
  readKerberosTime,
  readMicroseconds,
  readUInt32,
  required,
  uint32,
  version,
} from './fields';
import { readTicket } from './ticket';
import type { EncKrbCredPart, KrbCred, KrbCredInfo } from './types';

/**
 * KRB-CRED ::= [APPLICATION 22] SEQUENCE { pvno [0] INTEGER (5), msg-type [1] INTEGER (22),
 *   tickets [2] SEQUENCE OF Ticket, enc-part [3] EncryptedData }
 */
export function encodeKrbCred(cred: KrbCred): Buffer {
  const tree = fieldsTree(
    [0, version()],
    [1, int32(MessageType.KRB_CRED)],
    [2, listTree(cred.tickets.map((t) => t.encoded))],
    [3, encryptedDataTree(cred.encPart)],
  );
  return encodeTree(applicationTree(MessageType.KRB_CRED, tree));
}

/** A KRB-CRED, at most KerberosLimits.TICKETS tickets. */
export function parseKrbCred(buf: Buffer): KrbCred {
  return parseAs('KRB-CRED', () => {
    const f = fieldsOf(applicationSequence(buf, MessageType.KRB_CRED));
    expectVersion(required(f, 0, 'pvno'), 'pvno');
    expectMsgType(required(f, 1, 'msg-type'), MessageType.KRB_CRED);
    const tickets = boundedList(required(f, 2, 'tickets'), KerberosLimits.TICKETS, 'tickets');
    return { tickets: tickets.map(readTicket), encPart: readEncryptedData(required(f, 3, 'enc-part')) };
  });
}

const time = (d: Date | undefined) => d && kerberosTime(d);

/**
 * KrbCredInfo ::= SEQUENCE { key [0] EncryptionKey, prealm [1] Realm OPTIONAL,
 *   pname [2] PrincipalName OPTIONAL, flags [3] TicketFlags OPTIONAL, authtime [4] KerberosTime OPTIONAL,
 *   starttime [5] OPTIONAL, endtime [6] OPTIONAL, renew-till [7] OPTIONAL, srealm [8] Realm OPTIONAL,
 *   sname [9] PrincipalName OPTIONAL, caddr [10] HostAddresses OPTIONAL }
 * EncKrbCredPart ::= [APPLICATION 29] SEQUENCE { ticket-info [0] SEQUENCE OF KrbCredInfo,
 *   nonce [1] UInt32 OPTIONAL, timestamp [2] KerberosTime OPTIONAL, usec [3] Microseconds OPTIONAL,
 *   s-address [4] HostAddress OPTIONAL, r-address [5] HostAddress OPTIONAL }
 * Written into secret memory, for the caller to encrypt (key usage 14) and wipe.
 */
export function encodeEncKrbCredPart(part: EncKrbCredPart): Buffer {
  const infos = part.ticketInfo.map((i) =>
    fieldsTree(
      [0, encryptionKeyTree(i.key)],
      [1, i.prealm === undefined ? undefined : kerberosString(i.prealm)],
      [2, i.pname && principalNameTree(i.pname)],
      [3, i.flags === undefined ? undefined : kerberosFlags(i.flags)],
      [4, time(i.authtime)],
      [5, time(i.starttime)],
      [6, time(i.endtime)],
      [7, time(i.renewTill)],
      [8, i.srealm === undefined ? undefined : kerberosString(i.srealm)],
      [9, i.sname && principalNameTree(i.sname)],
      [10, i.caddr && hostAddressesTree(i.caddr)],
    ),
  );
  const tree = fieldsTree(
    [0, listTree(infos)],
    [1, part.nonce === undefined ? undefined : uint32(part.nonce, 'nonce')],
    [2, time(part.timestamp)],
    [3, part.usec === undefined ? undefined : microseconds(part.usec)],
    [4, part.sAddress && hostAddressTree(part.sAddress)],
    [5, part.rAddress && hostAddressTree(part.rAddress)],
  );
  return encodeTree(applicationTree(ApplicationTag.ENC_KRB_CRED_PART, tree), allocSecret);
}

/** One KrbCredInfo; its key is read only once every other field has been. */
function readKrbCredInfo(element: DerElement): Omit<KrbCredInfo, 'key'> & { keyElement: DerElement } {
  const f = fieldsOf(element);
  const info: Omit<KrbCredInfo, 'key'> & { keyElement: DerElement } = {
    keyElement: required(f, 0, 'key'),
  };
  const prealm = optional(f, 1, readRealm);
  if (prealm !== undefined) info.prealm = prealm;
  const pname = optional(f, 2, readPrincipalName);
  if (pname) info.pname = pname;
  const flags = optional(f, 3, readKerberosFlags);
  if (flags !== undefined) info.flags = flags;
  const times = [
    ['authtime', 4],
    ['starttime', 5],
    ['endtime', 6],
    ['renewTill', 7],
  ] as const;
  for (const [name, tag] of times) {
    const value = optional(f, tag, readKerberosTime);
    if (value) info[name] = value;
  }
  const srealm = optional(f, 8, readRealm);
  if (srealm !== undefined) info.srealm = srealm;
  const sname = optional(f, 9, readPrincipalName);
  if (sname) info.sname = sname;
  const caddr = optional(f, 10, readHostAddresses);
  if (caddr) info.caddr = caddr;
  return info;
}

/** EncKrbCredPart after decryption; every key lands in secret memory. */
export function parseEncKrbCredPart(buf: Buffer): EncKrbCredPart {
  return parseAs('EncKrbCredPart', () => {
    const f = fieldsOf(applicationSequence(buf, ApplicationTag.ENC_KRB_CRED_PART));
    const infos = boundedList(required(f, 0, 'ticket-info'), KerberosLimits.TICKETS, 'ticket-info');
    const read = infos.map(readKrbCredInfo);
    const part: Omit<EncKrbCredPart, 'ticketInfo'> = {};
    const nonce = optional(f, 1, readUInt32);
    if (nonce !== undefined) part.nonce = nonce;
    const timestamp = optional(f, 2, readKerberosTime);
    if (timestamp) part.timestamp = timestamp;
    const usec = optional(f, 3, readMicroseconds);
    if (usec !== undefined) part.usec = usec;
    const sAddress = optional(f, 4, readHostAddress);
    if (sAddress) part.sAddress = sAddress;
    const rAddress = optional(f, 5, readHostAddress);
    if (rAddress) part.rAddress = rAddress;
    // Keys last; if one is malformed, the copies already made are wiped before the error goes.
    const ticketInfo: KrbCredInfo[] = [];
    try {
      for (const { keyElement, ...rest } of read)
        ticketInfo.push({ ...rest, key: readEncryptionKey(keyElement) });
    } catch (err) {
      wipeAll(ticketInfo.map((info) => info.key.keyValue));
      throw err;
    }
    return { ticketInfo, ...part };
  });
}
