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
  assignOptional,
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
  return assignOptional(f, info, {
    prealm: [1, readRealm],
    pname: [2, readPrincipalName],
    flags: [3, readKerberosFlags],
    authtime: [4, readKerberosTime],
    starttime: [5, readKerberosTime],
    endtime: [6, readKerberosTime],
    renewTill: [7, readKerberosTime],
    srealm: [8, readRealm],
    sname: [9, readPrincipalName],
    caddr: [10, readHostAddresses],
  });
}

/** EncKrbCredPart after decryption; every key lands in secret memory. */
export function parseEncKrbCredPart(buf: Buffer): EncKrbCredPart {
  return parseAs('EncKrbCredPart', () => {
    const f = fieldsOf(applicationSequence(buf, ApplicationTag.ENC_KRB_CRED_PART));
    const infos = boundedList(required(f, 0, 'ticket-info'), KerberosLimits.TICKETS, 'ticket-info');
    const read = infos.map(readKrbCredInfo);
    const part = assignOptional<Omit<EncKrbCredPart, 'ticketInfo'>>(
      f,
      {},
      {
        nonce: [1, readUInt32],
        timestamp: [2, readKerberosTime],
        usec: [3, readMicroseconds],
        sAddress: [4, readHostAddress],
        rAddress: [5, readHostAddress],
      },
    );
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
