/**
 * The NTLM, Kerberos and Negotiate packages: an SSPI face over a MechanismContext (NTLM or
 * Kerberos, or SPNEGO around them). Tokens pass straight through; per-message calls map to
 * wrap/unwrap. An initiator's Kerberos needs its service ticket before its first token: that
 * first step waits for the KDC (kerberos/client-start.ts), then runs synchronously like the rest.
 */
import { ASC_REQ, ASC_RET, ISC_REQ, SEC } from '../../constants';
import { sspiError } from '../../errors';
import { wipe } from '../../secret';
import type { EmulatedCredential } from '../credential';
import type { MechanismContext } from '../mechanisms/mechanism-context';
import { KerberosAcceptor } from '../mechanisms/kerberos/acceptor';
import { GssFlag } from '../mechanisms/kerberos/messages/constants';
import {
  createAcceptorMechanism,
  createInitiatorMechanism,
  isRawKerberos,
  type InnerKind,
} from './inner-mechanism';
import { delegationOf, type KerberosDelegation } from './kerberos/delegated-ccache';
import { kerberosForNegotiate, startKerberos, type KerberosStart } from './kerberos/client-start';
import { packageInfo } from './package-info';
import type { PackageContext, PackageStepRequest, PackageStepResult } from './package-context';

/** Request bits NTLM honours and reports back; the REQ and RET bits share positions. */
const ISC_SUPPORTED =
  ISC_REQ.REPLAY_DETECT |
  ISC_REQ.SEQUENCE_DETECT |
  ISC_REQ.CONFIDENTIALITY |
  ISC_REQ.ALLOCATE_MEMORY |
  ISC_REQ.CONNECTION |
  ISC_REQ.EXTENDED_ERROR |
  ISC_REQ.INTEGRITY |
  ISC_REQ.IDENTIFY;
const ASC_SUPPORTED =
  ASC_REQ.REPLAY_DETECT |
  ASC_REQ.SEQUENCE_DETECT |
  ASC_REQ.CONFIDENTIALITY |
  ASC_REQ.ALLOCATE_MEMORY |
  ASC_REQ.CONNECTION |
  ASC_REQ.EXTENDED_ERROR |
  ASC_REQ.INTEGRITY |
  ASC_REQ.IDENTIFY;

/** Context lifetime Windows reports for NTLM: effectively unbounded; we say 10 hours. */
const NTLM_LIFETIME_MS = 10 * 60 * 60 * 1000;

export class MechanismPackage implements PackageContext {
  private mechanism: MechanismContext | undefined;
  /** The acceptor's Kerberos context, when Kerberos ran: what the client delegated. */
  private kerberosAcceptor: KerberosAcceptor | undefined;
  private delegation: KerberosDelegation | undefined;
  /** This exchange forwarded a TGT (initiator) or received one (acceptor). */
  private delegated = false;
  private readonly started = new Date();
  private disposed = false;

  constructor(
    private readonly role: 'initiator' | 'acceptor',
    private readonly credential: EmulatedCredential,
    private readonly packageName: 'NTLM' | 'Negotiate' | 'Kerberos',
  ) {
    credential.retain();
  }

  get underway(): boolean {
    return !this.disposed && this.mechanism !== undefined && !this.mechanism.complete;
  }

  async step(request: PackageStepRequest): Promise<PackageStepResult> {
    this.assertAlive();
    const token = request.input.find((b) => b.type === 2 /* SECBUFFER_TOKEN */)?.buffer;
    let input: Buffer | null;
    if (!this.mechanism || this.mechanism.complete) {
      // A first call, or a call after SEC_E_OK: a new exchange (re-authentication).
      this.mechanism?.dispose();
      this.mechanism = undefined;
      this.resetDelegation();
      if (this.role === 'initiator') {
        this.mechanism = await this.newInitiator(request);
        input = null;
      } else {
        input = requireToken(token);
        // Negotiate takes a bare Kerberos token as it takes bare NTLMSSP (Windows does both).
        const kind = this.kind === 'spnego' && isRawKerberos(input) ? 'kerberos' : this.kind;
        this.mechanism = createAcceptorMechanism(this.credential, kind, (made) => {
          if (made instanceof KerberosAcceptor) this.kerberosAcceptor = made;
        });
      }
    } else {
      input = requireToken(token);
    }
    const { output, complete } = this.mechanism.step(input);
    return {
      status: complete ? SEC.E_OK : SEC.I_CONTINUE_NEEDED,
      output,
      attributes: this.attributes(request.flags, complete),
      expiry: this.lifespan().expiry,
    };
  }

  /**
   * The REQ bits granted (REQ and RET share positions). With Kerberos an initiator is granted
   * mutual authentication (the AP-REP) and delegation when a TGT went; an acceptor reports
   * ASC_RET_DELEGATE when one came and ASC_RET_MUTUAL_AUTH when it sent the AP-REP, asked or not,
   * as Windows does (credentialsDelegated() reads the former).
   */
  private attributes(flags: number, complete: boolean): number {
    if (this.role === 'initiator') {
      const kerberos = this.mechanism?.mechanism === 'Kerberos';
      const extra = kerberos ? ISC_REQ.MUTUAL_AUTH | (this.delegated ? ISC_REQ.DELEGATE : 0) : 0;
      return flags & (ISC_SUPPORTED | extra);
    }
    const acceptor = complete ? this.kerberosAcceptor : undefined;
    if (acceptor?.delegated) this.delegated = true;
    let granted = flags & ASC_SUPPORTED;
    if (acceptor && acceptor.gssFlags & GssFlag.MUTUAL) granted |= ASC_RET.MUTUAL_AUTH;
    if (this.delegated) granted |= ASC_RET.DELEGATE;
    return granted >>> 0;
  }

  private get kind(): InnerKind {
    if (this.packageName === 'Negotiate') return 'spnego';
    return this.packageName === 'Kerberos' ? 'kerberos' : 'ntlm';
  }

  /**
   * The initiator's mechanism. Kerberos first gets its service ticket; Negotiate does so only when
   * Kerberos is configured for the client, and otherwise starts NTLM in this very turn, as before.
   */
  private async newInitiator(request: PackageStepRequest): Promise<MechanismContext> {
    const kerberosRequest = { targetName: request.targetName, flags: request.flags };
    const pending =
      this.packageName === 'Kerberos'
        ? startKerberos(this.credential, kerberosRequest)
        : this.packageName === 'Negotiate'
          ? kerberosForNegotiate(this.credential, kerberosRequest)
          : undefined;
    let kerberos: KerberosStart | undefined;
    if (pending) {
      kerberos = await pending;
      if (this.disposed) {
        kerberos?.dispose();
        this.assertAlive();
      }
    }
    try {
      const mechanism = createInitiatorMechanism(this.credential, this.kind, {
        targetName: request.targetName,
        kerberos,
      });
      this.delegated = mechanism.mechanism === 'Kerberos' && kerberos?.delegation !== undefined;
      return mechanism;
    } finally {
      kerberos?.dispose();
    }
  }

  async encrypt(data: Buffer): Promise<Buffer> {
    return this.established().wrap(data);
  }

  async decrypt(data: Buffer): Promise<Buffer> {
    return this.established().unwrap(data);
  }

  query(attribute: string): unknown {
    this.assertAlive();
    const info = packageInfo(this.packageName);
    switch (attribute) {
      case 'sizes':
        // Kerberos's depend on the key (kerberos/context.ts); NTLM's are a 16-byte signature.
        return {
          maxToken: info.maxToken,
          ...(this.mechanism?.messageSizes ?? { maxSignature: 16, blockSize: 0, securityTrailer: 16 }),
        };
      case 'packageInfo':
        return info;
      case 'negotiationInfo':
        // SECPKG_NEGOTIATION_COMPLETE = 0, SECPKG_NEGOTIATION_IN_PROGRESS = 2. As Windows, the
        // package negotiated: Negotiate's says Kerberos or NTLM once the mechanism is known.
        return {
          packageInfo: this.mechanism ? packageInfo(this.mechanism.mechanism) : info,
          state: this.mechanism?.complete ? 0 : 2,
        };
      case 'lifespan':
        return this.lifespan();
      case 'names': {
        const id = this.established().identity;
        return { user: id ? (id.domain ? `${id.domain}\\${id.user}` : id.user) : '' };
      }
      case 'delegatedCredentials':
        return this.delegatedCredentials();
      case 'sessionKey': {
        const key = this.established().sessionKey;
        return { sessionKey: key ? Buffer.from(key) : Buffer.alloc(0) };
      }
      default:
        throw sspiError(
          'SEC_E_UNSUPPORTED_FUNCTION',
          `The ${this.packageName} package has no '${attribute}' attribute.`,
        );
    }
  }

  /**
   * Kerberos: the service ticket's starttime (else authtime) to its endtime, as Windows reports
   * it (the context cannot outlive its ticket); NTLM: from the context's start, 10 hours.
   */
  private lifespan(): { start: Date; expiry: Date } {
    const ticket = this.mechanism?.lifetime;
    if (ticket) return { start: ticket.start, expiry: ticket.end };
    return { start: this.started, expiry: new Date(this.started.getTime() + NTLM_LIFETIME_MS) };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.resetDelegation();
    this.mechanism?.dispose();
    this.mechanism = undefined;
    this.credential.release();
  }

  /**
   * Acceptor: the TGT the client forwarded, as an MIT ccache (kerberos/delegated-ccache.ts);
   * SEC_E_NO_CREDENTIALS when none came (NTLM, or a client that did not delegate).
   */
  private delegatedCredentials(): KerberosDelegation {
    this.established();
    const delegated = this.role === 'acceptor' ? this.kerberosAcceptor?.delegated : undefined;
    if (!delegated) {
      throw sspiError(
        'SEC_E_NO_CREDENTIALS',
        'The client delegated no credentials: it must ask for ISC_REQ_DELEGATE with Kerberos and a ' +
          'forwardable TGT, and the service must be ok-as-delegate unless its kerberos.delegation is always.',
      );
    }
    this.delegation ??= delegationOf(delegated);
    return this.delegation;
  }

  private resetDelegation(): void {
    wipe(this.delegation?.ccache);
    this.delegation = undefined;
    this.kerberosAcceptor = undefined;
    this.delegated = false;
  }

  private assertAlive(): void {
    if (this.disposed) throw sspiError('SEC_E_INVALID_HANDLE', 'The security context was deleted.');
  }

  private established(): MechanismContext {
    this.assertAlive();
    if (!this.mechanism?.complete) {
      throw sspiError(
        'SEC_E_INVALID_HANDLE',
        'The security context is not established yet: finish the handshake first.',
      );
    }
    return this.mechanism;
  }
}

function requireToken(token: Buffer | undefined): Buffer {
  if (!token || token.length === 0) {
    throw sspiError('SEC_E_INVALID_TOKEN', 'No input token: pass the token the peer sent.');
  }
  return token;
}
