/**
 * What an initiator needs before Kerberos' first token, got over the network: the service ticket
 * for the target (the credential's TicketStore: its TGT from the password or the ccache, then the
 * TGS exchange), and with ISC_REQ_DELEGATE a forwarded TGT in a KRB-CRED (RFC 4121 4.1.1.1) where
 * the delegation option allows it. The mechanism (mechanisms/kerberos/initiator.ts) is then made
 * synchronously from it.
 *
 * Negotiate, as Windows does, uses Kerberos only where it can: when Kerberos is configured for the
 * client's realm, and the KDC answers with a ticket. No KDC answering, a service the KDC does not
 * know, or no Kerberos credentials make Negotiate go on with NTLM alone; the Kerberos package
 * reports them as errors.
 */
import { ISC_REQ } from '../../../constants';
import { isSspiError, sspiError } from '../../../errors';
import { copySecret, wipe } from '../../../secret';
import type { EmulatedCredential } from '../../credential';
import { encodeDelegation } from '../../mechanisms/kerberos/delegation';
import { KerberosInitiator } from '../../mechanisms/kerberos/initiator';
import { disposeCredential } from '../../mechanisms/kerberos/kdc-exchange/credential';
import { canForward } from '../../mechanisms/kerberos/kdc-exchange/tgs-exchange';
import { GssFlag, TicketFlag } from '../../mechanisms/kerberos/messages/constants';
import type { EncryptionKey, PrincipalName, Ticket } from '../../mechanisms/kerberos/messages/types';
import type { ContextLifetime } from '../../mechanisms/mechanism-context';
import type { TicketStore } from '../../tickets/ticket-store';

/** What the initiator asks of Kerberos. */
export interface KerberosRequest {
  targetName: string | undefined;
  /** ISC_REQ_* bits. */
  flags: number;
  /** Ask for mutual authentication whatever `flags` say (SPNEGO and CredSSP always do). */
  mutual?: boolean;
}

/** Statuses after which Negotiate goes on with NTLM (as Windows' Negotiate falls back). */
const FALLBACK = new Set([
  'SEC_E_NO_AUTHENTICATING_AUTHORITY',
  'SEC_E_TARGET_UNKNOWN',
  'SEC_E_NO_CREDENTIALS',
]);

/** A service ticket in hand for one context; make() builds the mechanism, dispose() wipes the key copy. */
export class KerberosStart {
  private disposed = false;

  constructor(
    private readonly ticket: Ticket,
    private readonly sessionKey: EncryptionKey,
    private readonly cname: PrincipalName,
    private readonly crealm: string,
    private readonly ticketLifetime: ContextLifetime,
    private readonly gssFlags: number,
    /** The KRB-CRED forwarding a TGT, when delegating. */
    readonly delegation: Buffer | undefined,
  ) {}

  /** A fresh KerberosInitiator over the ticket (it copies the session key). */
  make(): KerberosInitiator {
    if (this.disposed) throw sspiError('SEC_E_INTERNAL_ERROR', 'The Kerberos ticket was released.');
    return new KerberosInitiator({
      ticket: this.ticket,
      sessionKey: this.sessionKey,
      cname: this.cname,
      crealm: this.crealm,
      ticketLifetime: this.ticketLifetime,
      flags: this.gssFlags,
      delegation: this.delegation,
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    wipe(this.sessionKey.keyValue);
  }
}

/** The Kerberos package: the ticket, or the SspiError saying why there is none. */
export async function startKerberos(
  credential: EmulatedCredential,
  request: KerberosRequest,
): Promise<KerberosStart> {
  if (!request.targetName)
    throw sspiError(
      'SEC_E_TARGET_UNKNOWN',
      'Kerberos needs a target name naming the service (HTTP/host.example.com, or HTTP@host.example.com).',
    );
  const config = credential.krb.krb5Config();
  if (config.error && credential.kerberos.kdc.size === 0) throw config.error;
  const store = await credential.krb.tickets();
  const service = await store.serviceTicket(request.targetName);
  // Copied at once: the store wipes a ticket's key when it replaces the ticket.
  const sessionKey = {
    keyType: service.key.keyType,
    keyValue: copySecret(service.key.keyValue),
  };
  let gssFlags = gssFlagsOf(request.flags) | (request.mutual ? GssFlag.MUTUAL : 0);
  let delegation: Buffer | undefined;
  try {
    if (request.flags & ISC_REQ.DELEGATE && mayDelegate(credential.kerberos.delegation, service.flags))
      delegation = await forwardedTgtCred(store, sessionKey);
  } catch (err) {
    wipe(sessionKey.keyValue);
    throw err;
  }
  if (!delegation) gssFlags &= ~GssFlag.DELEG;
  return new KerberosStart(
    service.ticket,
    sessionKey,
    service.client.name,
    service.client.realm,
    { start: service.starttime ?? service.authtime, end: service.endtime },
    gssFlags,
    delegation,
  );
}

/**
 * Negotiate and CredSSP: Kerberos when configured for the client and the KDC gives a ticket;
 * undefined (NTLM goes on alone) when it is not configured, no KDC answers, the KDC knows no
 * such service or there are no Kerberos credentials. Undefined at once, without a promise, when
 * Kerberos is not configured: such a Negotiate is exactly the NTLM one it always was.
 */
export function kerberosForNegotiate(
  credential: EmulatedCredential,
  request: KerberosRequest,
): Promise<KerberosStart | undefined> | undefined {
  if (!request.targetName || !credential.krb.configured) return undefined;
  return startKerberos(credential, { ...request, mutual: true }).catch((err: unknown) => {
    if (isSspiError(err) && FALLBACK.has(err.code)) return undefined;
    throw err;
  });
}

/** ISC_REQ bits as GSS flags (RFC 2744); confidentiality and integrity always, as MIT and Windows set them. */
function gssFlagsOf(flags: number): number {
  let gss = GssFlag.CONF | GssFlag.INTEG;
  if (flags & ISC_REQ.MUTUAL_AUTH) gss |= GssFlag.MUTUAL;
  if (flags & ISC_REQ.DELEGATE) gss |= GssFlag.DELEG;
  if (flags & ISC_REQ.REPLAY_DETECT) gss |= GssFlag.REPLAY;
  if (flags & ISC_REQ.SEQUENCE_DETECT) gss |= GssFlag.SEQUENCE;
  return gss;
}

/**
 * Whether ISC_REQ_DELEGATE forwards the TGT to this service. 'policy', as Windows does: only when
 * the KDC marked the service ticket ok-as-delegate (RFC 4120 2.8: the service is trusted for
 * delegation; AD's TRUSTED_FOR_DELEGATION), as MIT's GSS_C_DELEG_POLICY_FLAG; 'always' forwards to
 * any service, as MIT's GSS_C_DELEG_FLAG.
 */
function mayDelegate(option: 'policy' | 'always', serviceTicketFlags: number): boolean {
  return option === 'always' || (serviceTicketFlags & TicketFlag.OK_AS_DELEGATE) !== 0;
}

/**
 * A forwarded TGT as the KRB-CRED the authenticator carries (mechanisms/kerberos/delegation.ts),
 * under the service ticket's session key. Undefined when the TGT is not forwardable: Windows
 * then simply does not delegate.
 */
async function forwardedTgtCred(store: TicketStore, sessionKey: EncryptionKey): Promise<Buffer | undefined> {
  if (!canForward(await store.tgt())) return undefined;
  const tgt = await store.forwardedTgt();
  try {
    return encodeDelegation(tgt, sessionKey, new Date());
  } finally {
    disposeCredential(tgt);
  }
}
