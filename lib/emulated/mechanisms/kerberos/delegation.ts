/**
 * The KRB-CRED an initiator forwards in its authenticator checksum (RFC 4121 4.1.1.1, RFC 4120
 * 5.8): a TGT (normally one the KDC issued with the FORWARDED flag) and what the acceptor needs
 * to use it, encrypted under the service ticket's session key (key usage 14), as MIT and Windows
 * send it. The acceptor's side is readDelegation() in ap-req-checks.ts.
 */
import { wipe } from '../../../secret';
import { enctypeProfile } from './crypto/enctypes';
import { KeyUsage } from './crypto/key-usage';
import { encodeEncKrbCredPart, encodeKrbCred } from './messages/krb-cred';
import type { EncryptionKey, PrincipalName, Ticket } from './messages/types';

/** The ticket to forward and what the KDC said of it (a ccache credential holds all of it). */
export interface ForwardedTicket {
  ticket: Ticket;
  /** Its session key: the acceptor needs it to use the ticket. */
  key: EncryptionKey;
  client: { realm: string; name: PrincipalName };
  server: { realm: string; name: PrincipalName };
  /** TicketFlags (FORWARDED, FORWARDABLE, ...). */
  flags: number;
  authtime: Date;
  starttime?: Date;
  endtime: Date;
  renewTill?: Date;
}

/**
 * The KRB-CRED forwarding `forwarded`, for KerberosInitiatorOptions.delegation: one KrbCredInfo,
 * stamped with `now`, its encrypted part under `sessionKey` (the service ticket's).
 */
export function encodeDelegation(forwarded: ForwardedTicket, sessionKey: EncryptionKey, now: Date): Buffer {
  const plain = encodeEncKrbCredPart({
    ticketInfo: [
      {
        key: forwarded.key,
        prealm: forwarded.client.realm,
        pname: forwarded.client.name,
        flags: forwarded.flags,
        authtime: forwarded.authtime,
        starttime: forwarded.starttime,
        endtime: forwarded.endtime,
        renewTill: forwarded.renewTill,
        srealm: forwarded.server.realm,
        sname: forwarded.server.name,
      },
    ],
    timestamp: new Date(Math.floor(now.getTime() / 1000) * 1000),
    usec: (now.getTime() % 1000) * 1000,
  });
  try {
    const cipher = enctypeProfile(sessionKey.keyType).encrypt(
      sessionKey.keyValue,
      KeyUsage.KRB_CRED_ENC_PART,
      plain,
    );
    return encodeKrbCred({ tickets: [forwarded.ticket], encPart: { etype: sessionKey.keyType, cipher } });
  } finally {
    wipe(plain);
  }
}
