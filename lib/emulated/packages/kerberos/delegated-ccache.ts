/**
 * A forwarded TGT as the acceptor hands it out: an MIT credential cache (version 4, what kinit
 * writes), so a service can write it to a file and point KRB5CCNAME at it, or give it back to
 * acquireCredentialsHandle as `emulated.kerberos.ccache`, to act as the client (RFC 4121 4.1.1.1
 * delegation). Windows instead puts the ticket in the logon session of the impersonation token.
 */
import { sspiError } from '../../../errors';
import type { SecretBuffer } from '../../../secret';
import type { DelegatedCredentials } from '../../mechanisms/kerberos/delegation';
import { encodeCcache, type CcacheCredential } from '../../mechanisms/kerberos/files/ccache';
import { principalToString } from '../../mechanisms/kerberos/messages/common';

/** What query('delegatedCredentials') gives for Kerberos. */
export interface KerberosDelegation {
  type: 'kerberos';
  /** The client principal the tickets are for, 'user@REALM'. */
  client: string;
  /** The MIT ccache file's bytes, in secret memory (zeroed when the context is deleted). */
  ccache: SecretBuffer;
}

/**
 * The delegated tickets as a ccache whose default principal is the first ticket's client. The
 * KRB-CRED must name the client and server of each ticket (MIT and Windows always do): a ticket
 * without them cannot go into a ccache, and is SEC_E_INVALID_TOKEN.
 */
export function delegationOf(delegated: DelegatedCredentials): KerberosDelegation {
  const credentials: CcacheCredential[] = delegated.ticketInfo.map((info, i) => {
    const ticket = delegated.tickets[i];
    if (!ticket || !info.pname || !info.prealm || !info.sname || !info.srealm || !info.endtime)
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The delegated KRB-CRED leaves out a ticket, or its client, server or end time.',
      );
    return {
      client: { realm: info.prealm, name: info.pname },
      server: { realm: info.srealm, name: info.sname },
      key: info.key,
      authtime: info.authtime ?? info.starttime ?? new Date(0),
      starttime: info.starttime,
      endtime: info.endtime,
      renewTill: info.renewTill,
      isSkey: false,
      ticketFlags: info.flags ?? 0,
      addresses: info.caddr ?? [],
      authData: [],
      ticket: ticket.encoded,
      secondTicket: Buffer.alloc(0),
    };
  });
  if (credentials.length === 0)
    throw sspiError('SEC_E_INVALID_TOKEN', 'The delegated KRB-CRED holds no ticket.');
  const client = credentials[0].client;
  return {
    type: 'kerberos',
    client: principalToString(client.name, client.realm),
    ccache: encodeCcache({ version: 4, defaultPrincipal: client, credentials, configEntries: [] }),
  };
}
