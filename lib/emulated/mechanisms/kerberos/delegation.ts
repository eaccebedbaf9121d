/**
 * The KRB-CRED an initiator forwards in its authenticator checksum (RFC 4121 4.1.1.1, RFC 4120
 * 5.8): a TGT (normally one the KDC issued with the FORWARDED flag) and what the acceptor needs
 * to use it, encrypted under the service ticket's session key (key usage 14), as MIT and Windows
 * send it; and the acceptor's side, reading one (readDelegation).
 */
import { wipe } from '../../../secret';
import { enctypeProfile } from './crypto/enctypes';
import { KeyUsage } from './crypto/key-usage';
import { ApFailure, asSspiError } from './errors';
import { decryptPart, profileOf } from './ap-req-checks';
import { KrbErrorCode } from './messages/constants';
import { encodeEncKrbCredPart, encodeKrbCred, parseEncKrbCredPart, parseKrbCred } from './messages/krb-cred';
import type { EncryptionKey, KrbCredInfo, PrincipalName, Ticket } from './messages/types';

const C = KrbErrorCode;

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

/** Credentials the initiator forwarded (RFC 4121 4.1.1.1): tickets and their keys, in secret memory. */
export interface DelegatedCredentials {
  tickets: Ticket[];
  ticketInfo: KrbCredInfo[];
}

/**
 * The KRB-CRED of a delegation, decrypted (RFC 4120 5.8): under the session key, or the
 * initiator's subkey, as MIT tries them; etype 0 is a KRB-CRED sent in clear (Heimdal's and
 * MIT's rd_cred take those too, inside the encrypted authenticator).
 */
export function readDelegation(krbCred: Buffer, keys: EncryptionKey[]): DelegatedCredentials {
  let cred: ReturnType<typeof parseKrbCred>;
  try {
    cred = parseKrbCred(krbCred);
  } catch (err) {
    throw asSspiError(err, 'The delegated KRB-CRED');
  }
  const parse = (plain: Buffer): DelegatedCredentials => ({
    tickets: cred.tickets,
    ticketInfo: parseEncKrbCredPart(plain).ticketInfo,
  });
  if (cred.encPart.etype === 0) return wrapParse(() => parse(cred.encPart.cipher));
  const candidates = keys.filter((key) => key.keyType === cred.encPart.etype);
  for (const [i, key] of candidates.entries()) {
    try {
      const profile = profileOf(key.keyType, 'The delegated KRB-CRED');
      return decryptPart(
        (cipher) => profile.decrypt(key.keyValue, KeyUsage.KRB_CRED_ENC_PART, cipher),
        cred.encPart,
        'The delegated KRB-CRED',
        ['SEC_E_INVALID_TOKEN', C.KRB_AP_ERR_BAD_INTEGRITY],
        parse,
      );
    } catch (err) {
      if (i === candidates.length - 1) throw err;
    }
  }
  throw new ApFailure(
    'SEC_E_INVALID_TOKEN',
    C.KRB_AP_ERR_BAD_INTEGRITY,
    `The delegated KRB-CRED is encrypted with etype ${cred.encPart.etype}, which no key of this context has.`,
  );
}

function wrapParse<T>(work: () => T): T {
  try {
    return work();
  } catch (err) {
    throw asSspiError(err, 'The delegated KRB-CRED');
  }
}
