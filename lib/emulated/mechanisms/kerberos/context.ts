/**
 * What the Kerberos initiator and acceptor share once the AP exchange is done (RFC 4121 2, 4.2):
 * the key in force (acceptor subkey, else initiator subkey, else the ticket's session key), the
 * per-message tokens over it with sequence numbers both ways, and the rule that a finished or
 * failed context takes no more tokens.
 */
import { sspiError } from '../../../errors';
import { wipe, type SecretBuffer } from '../../../secret';
import type { ContextLifetime, MechanismIdentity, MechanismStep } from '../mechanism-context';
import { CfxProtection, cfxCipherOf } from './cfx';
import { Enctype, enctypeProfile } from './crypto/enctypes';
import type { PrincipalName } from './messages/types';

/** The outcome of an AP exchange, for {@link KerberosContextBase.establish}. */
export interface EstablishedKeys {
  /** The key per-message tokens use, in secret memory this context now owns. */
  key: SecretBuffer;
  /** Its enctype. */
  keyType: number;
  /** The key is the acceptor's subkey (CFX flag AcceptorSubkey, RFC 4121 4.2.2). */
  acceptorSubkey: boolean;
  /** Our first sequence number, and the peer's (RFC 4121 4.2.6: from the authenticator and AP-REP). */
  sendSequence: number;
  receiveSequence: number;
}

/**
 * The identity of a client principal: its components joined by '/' (RFC 1964 2.1.1, unescaped)
 * as the user, its realm as the domain.
 */
export function identityOf(cname: PrincipalName, crealm: string): MechanismIdentity {
  return { user: cname.nameString.join('/'), domain: crealm };
}

export abstract class KerberosContextBase {
  readonly mechanism = 'Kerberos' as const;
  protected identityValue: MechanismIdentity | undefined;
  /** The service ticket's validity (RFC 4120 5.3: starttime, else authtime, to endtime). */
  protected lifetimeValue: ContextLifetime | undefined;
  /** The GSS flags in force (GSS_C_*: MUTUAL 2, DELEG 1, ...), for ISC_RET/ASC_RET. */
  protected flagsValue = 0;
  /** Secrets the subclass holds (the session key, subkeys, delegated keys), wiped by dispose(). */
  protected readonly secrets: SecretBuffer[] = [];
  private key: SecretBuffer | undefined;
  private protection: CfxProtection | undefined;
  private done = false;
  private failed = false;
  private disposed = false;

  get complete(): boolean {
    return this.done;
  }

  get identity(): MechanismIdentity | undefined {
    return this.identityValue;
  }

  get lifetime(): ContextLifetime | undefined {
    return this.lifetimeValue;
  }

  /** The GSS_C_* flags both sides settled on; 0 until known. */
  get gssFlags(): number {
    return this.flagsValue;
  }

  /** The key in force once complete: what SSPI's SECPKG_ATTR_SESSION_KEY gives for Kerberos. */
  get sessionKey(): Buffer | undefined {
    return this.key;
  }

  /** Run one leg, refusing tokens once finished or failed, and failing for good on error. */
  protected runStep(leg: () => MechanismStep): MechanismStep {
    if (this.disposed) throw sspiError('SEC_E_INVALID_HANDLE', 'The Kerberos context has been deleted.');
    if (this.done)
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The Kerberos exchange is already complete; no token was expected.',
      );
    if (this.failed)
      throw sspiError('SEC_E_INVALID_TOKEN', 'The Kerberos exchange already failed; start a new context.');
    try {
      return leg();
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  /**
   * Complete the context over `keys`. rc4-hmac keys complete too (the AP exchange is the same),
   * but their per-message tokens are RFC 4757's, which this mechanism does not make: wrap and sign
   * then refuse with SEC_E_UNSUPPORTED_FUNCTION.
   */
  protected establish(keys: EstablishedKeys, role: 'initiator' | 'acceptor'): void {
    this.key = keys.key;
    if (keys.keyType !== Enctype.RC4_HMAC) {
      this.protection = new CfxProtection({
        role,
        cipher: cfxCipherOf(enctypeProfile(keys.keyType), keys.key),
        acceptorSubkey: keys.acceptorSubkey,
        sendSequence: BigInt(keys.sendSequence),
        receiveSequence: BigInt(keys.receiveSequence),
      });
    }
    this.done = true;
  }

  private established(): CfxProtection {
    if (this.disposed) throw sspiError('SEC_E_INVALID_HANDLE', 'The Kerberos context has been deleted.');
    if (!this.done)
      throw sspiError(
        'SEC_E_INVALID_HANDLE',
        'The Kerberos context is not established yet: finish the exchange first.',
      );
    if (!this.protection) {
      throw sspiError(
        'SEC_E_UNSUPPORTED_FUNCTION',
        'This Kerberos context’s key is rc4-hmac, whose per-message tokens (RFC 4757) are not implemented.',
      );
    }
    return this.protection;
  }

  /** A sealed Wrap token (RFC 4121 4.2.6.2): header and ciphertext, the whole token. */
  wrap(plaintext: Buffer): Buffer {
    return this.established().wrap(plaintext, true);
  }

  /** The plaintext of the peer's Wrap token, sealed or not; in secret memory. */
  unwrap(message: Buffer): Buffer {
    return this.established().unwrap(message);
  }

  /** A MIC token (RFC 4121 4.2.6.1). */
  sign(message: Buffer): Buffer {
    return this.established().getMic(message);
  }

  /** Check the peer's MIC token over `message`. */
  verify(message: Buffer, signature: Buffer): void {
    this.established().verifyMic(message, signature);
  }

  /** Zero every key this context holds. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.protection?.dispose();
    this.protection = undefined;
    wipe(this.key, ...this.secrets);
  }
}
