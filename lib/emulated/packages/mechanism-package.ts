/**
 * The NTLM and Negotiate packages: an SSPI face over a MechanismContext (NTLM, or SPNEGO around
 * it). Tokens pass straight through; per-message calls map to wrap/unwrap.
 */
import { ASC_REQ, ISC_REQ, SEC } from '../../constants';
import { sspiError } from '../../errors';
import type { EmulatedCredential } from '../credential';
import type { MechanismContext } from '../mechanisms/mechanism-context';
import { createAcceptorMechanism, createInitiatorMechanism } from './inner-mechanism';
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
const LIFETIME_MS = 10 * 60 * 60 * 1000;

export class MechanismPackage implements PackageContext {
  private mechanism: MechanismContext | undefined;
  private readonly started = new Date();
  private disposed = false;

  constructor(
    private readonly role: 'initiator' | 'acceptor',
    private readonly credential: EmulatedCredential,
    private readonly packageName: 'NTLM' | 'Negotiate',
  ) {
    credential.retain();
  }

  get underway(): boolean {
    return !this.disposed && this.mechanism !== undefined && !this.mechanism.complete;
  }

  async step(request: PackageStepRequest): Promise<PackageStepResult> {
    this.assertAlive();
    const token = request.input.find((b) => b.type === 2 /* SECBUFFER_TOKEN */)?.buffer;
    const spnego = this.packageName === 'Negotiate';
    let input: Buffer | null;
    if (!this.mechanism || this.mechanism.complete) {
      // A first call, or a call after SEC_E_OK: a new exchange (re-authentication).
      this.mechanism?.dispose();
      this.mechanism =
        this.role === 'initiator'
          ? createInitiatorMechanism(this.credential, { spnego, targetName: request.targetName })
          : createAcceptorMechanism(this.credential, { spnego });
      input = this.role === 'initiator' ? null : requireToken(token);
    } else {
      input = requireToken(token);
    }
    const { output, complete } = this.mechanism.step(input);
    const supported = this.role === 'initiator' ? ISC_SUPPORTED : ASC_SUPPORTED;
    return {
      status: complete ? SEC.E_OK : SEC.I_CONTINUE_NEEDED,
      output,
      attributes: request.flags & supported,
      expiry: new Date(this.started.getTime() + LIFETIME_MS),
    };
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
        return { maxToken: info.maxToken, maxSignature: 16, blockSize: 0, securityTrailer: 16 };
      case 'packageInfo':
        return info;
      case 'negotiationInfo':
        // SECPKG_NEGOTIATION_COMPLETE = 0, SECPKG_NEGOTIATION_IN_PROGRESS = 2
        return { packageInfo: info, state: this.mechanism?.complete ? 0 : 2 };
      case 'lifespan':
        return { start: this.started, expiry: new Date(this.started.getTime() + LIFETIME_MS) };
      case 'names': {
        const id = this.established().identity;
        return { user: id ? (id.domain ? `${id.domain}\\${id.user}` : id.user) : '' };
      }
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

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.mechanism?.dispose();
    this.mechanism = undefined;
    this.credential.release();
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
