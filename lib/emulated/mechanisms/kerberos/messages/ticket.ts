/**
 * Ticket ([APPLICATION 1]) and EncTicketPart ([APPLICATION 3]), RFC 4120 5.3.
 *
 * A Ticket travels as the bytes it was made as: messages that carry one (AP-REQ, KDC-REP,
 * KRB-CRED, additional-tickets) write `ticket.encoded` as it is, and readers keep a copy of the
 * element they read.
 */
import { allocSecret } from '../../../../secret';
import { encodeTree, parseDer, readOctetString, treeOctetString, type DerElement } from '../../../asn1/der';
import { ApplicationTag } from './constants';
import {
  authorizationDataTree,
  encryptedDataTree,
  encryptionKeyTree,
  hostAddressesTree,
  principalNameTree,
  readAuthorizationData,
  readEncryptedData,
  readEncryptionKey,
  readHostAddresses,
  readPrincipalName,
  readRealm,
} from './common';
import {
  applicationContent,
  applicationSequence,
  applicationTree,
  assignOptional,
  expectVersion,
  fieldsOf,
  fieldsTree,
  int32,
  kerberosFlags,
  kerberosString,
  kerberosTime,
  parseAs,
  readInt32,
  readKerberosFlags,
  readKerberosTime,
  required,
  version,
} from './fields';
import type { EncTicketPart, Ticket } from './types';

/**
 * Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0] INTEGER (5), realm [1] Realm,
 *                                       sname [2] PrincipalName, enc-part [3] EncryptedData }
 * Returns the ticket with its `encoded` bytes (the KDC's side, and tests).
 */
export function encodeTicket(t: Omit<Ticket, 'encoded' | 'tktVno'>): Ticket {
  const encoded = encodeTree(
    applicationTree(
      ApplicationTag.TICKET,
      fieldsTree(
        [0, version()],
        [1, kerberosString(t.realm)],
        [2, principalNameTree(t.sname)],
        [3, encryptedDataTree(t.encPart)],
      ),
    ),
  );
  return { tktVno: 5, realm: t.realm, sname: t.sname, encPart: t.encPart, encoded };
}

/** A Ticket element inside a message; `encoded` is a copy of its bytes. */
export function readTicket(element: DerElement): Ticket {
  const f = fieldsOf(applicationContent(element, ApplicationTag.TICKET));
  expectVersion(required(f, 0, 'tkt-vno'), 'tkt-vno');
  return {
    tktVno: 5,
    realm: readRealm(required(f, 1, 'realm')),
    sname: readPrincipalName(required(f, 2, 'sname')),
    encPart: readEncryptedData(required(f, 3, 'enc-part')),
    encoded: Buffer.from(element.encoded),
  };
}

/** A whole buffer holding one Ticket (from a ccache or a KRB-CRED). */
export function parseTicket(buf: Buffer): Ticket {
  return parseAs('Ticket', () => readTicket(parseDer(buf)));
}

/**
 * EncTicketPart ::= [APPLICATION 3] SEQUENCE { flags [0] TicketFlags, key [1] EncryptionKey,
 *   crealm [2] Realm, cname [3] PrincipalName, transited [4] TransitedEncoding,
 *   authtime [5] KerberosTime, starttime [6] KerberosTime OPTIONAL, endtime [7] KerberosTime,
 *   renew-till [8] KerberosTime OPTIONAL, caddr [9] HostAddresses OPTIONAL,
 *   authorization-data [10] AuthorizationData OPTIONAL }
 * TransitedEncoding ::= SEQUENCE { tr-type [0] Int32, contents [1] OCTET STRING }
 * It holds the session key: written into secret memory, for the caller to encrypt and wipe.
 */
export function encodeEncTicketPart(p: EncTicketPart): Buffer {
  const tree = fieldsTree(
    [0, kerberosFlags(p.flags)],
    [1, encryptionKeyTree(p.key)],
    [2, kerberosString(p.crealm)],
    [3, principalNameTree(p.cname)],
    [4, fieldsTree([0, int32(p.transited.trType, 'trType')], [1, treeOctetString(p.transited.contents)])],
    [5, kerberosTime(p.authtime)],
    [6, p.starttime && kerberosTime(p.starttime)],
    [7, kerberosTime(p.endtime)],
    [8, p.renewTill && kerberosTime(p.renewTill)],
    [9, p.caddr && hostAddressesTree(p.caddr)],
    [10, p.authorizationData && authorizationDataTree(p.authorizationData)],
  );
  return encodeTree(applicationTree(ApplicationTag.ENC_TICKET_PART, tree), allocSecret);
}

/** EncTicketPart after decryption (key usage 2); the session key lands in secret memory. */
export function parseEncTicketPart(buf: Buffer): EncTicketPart {
  return parseAs('EncTicketPart', () => {
    const f = fieldsOf(applicationSequence(buf, ApplicationTag.ENC_TICKET_PART));
    const transited = fieldsOf(required(f, 4, 'transited'));
    const part: Omit<EncTicketPart, 'key'> = {
      flags: readKerberosFlags(required(f, 0, 'flags')),
      crealm: readRealm(required(f, 2, 'crealm')),
      cname: readPrincipalName(required(f, 3, 'cname')),
      transited: {
        trType: readInt32(required(transited, 0, 'tr-type')),
        contents: Buffer.from(readOctetString(required(transited, 1, 'contents'))),
      },
      authtime: readKerberosTime(required(f, 5, 'authtime')),
      endtime: readKerberosTime(required(f, 7, 'endtime')),
    };
    assignOptional(f, part, {
      starttime: [6, readKerberosTime],
      renewTill: [8, readKerberosTime],
      caddr: [9, readHostAddresses],
      authorizationData: [10, readAuthorizationData],
    });
    // The key last: nothing after it can fail and leave its secret copy unwiped.
    return { ...part, key: readEncryptionKey(required(f, 1, 'key')) };
  });
}
