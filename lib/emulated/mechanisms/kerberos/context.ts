/**
 * What the Kerberos initiator and acceptor share once the AP exchange is done (RFC 4121 2, 4.2):
 * the key in force (acceptor subkey, else initiator subkey, else the ticket's session key), the
 * per-message tokens over it (CFX, or RFC 4757's for rc4-hmac) with sequence numbers both ways, and the rule that a finished or
 * failed context takes no more tokens.
 */
import { sspiError } from '../../../errors';
import { wipe, type SecretBuffer } from '../../../secret';
import type { ContextLifetime, MechanismIdentity, MechanismStep, MessageSizes } from '../mechanism-context';
import { CfxProtection, cfxCipherOf } from './cfx';
import { Enctype, enctypeProfile } from './crypto/enctypes';
import type { PrincipalName } from './messages/types';
import { RC4_MAX_WRAP_OVERHEAD, RC4_MIC_LENGTH, Rc4Protection } from './rc4-tokens';

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
  /** The OID the context was set up under: rc4-hmac's tokens are framed under it (RFC 1964 1). */
  mechOid?: string;
}

/** Per-message protection: RFC 4121's CFX tokens, or RFC 4757's for an rc4-hmac key. */
type MessageProtection = CfxProtection | Rc4Protection;

/**
 * The sizes SSPI reports for the Kerberos package. CFX: a 16-byte header and the enctype's
 * checksum sign; a wrap adds the header, its encrypted copy, a 16-byte confounder and the
 * checksum (AES-SHA1: 28 and 60, as Windows reports; the RFC 8009 enctypes' longer checksums
 * make them longer). rc4-hmac: a 37-byte MIC; a wrap adds its framed header and a byte of padding.
 */
const CFX_HEADER = 16;
const AES_CONFOUNDER = 16;
function cfxSizes(checksumLength: number): MessageSizes {
  return {
    maxSignature: CFX_HEADER + checksumLength,
    blockSize: 1,
    securityTrailer: CFX_HEADER + AES_CONFOUNDER + CFX_HEADER + checksumLength,
  };
}
/** Before the key is known: AES-SHA1's, the enctype Windows and MIT pick first. */
const CFX_SHA1_SIZES = cfxSizes(12);
const RC4_SIZES: MessageSizes = {
  maxSignature: RC4_MIC_LENGTH,
  blockSize: 1,
  securityTrailer: RC4_MAX_WRAP_OVERHEAD,
};

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
  private protection: MessageProtection | undefined;
  private keyType: number | undefined;
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

  /** The sizes of per-message tokens over the key in force; CFX's until the key is known. */
  get messageSizes(): MessageSizes {
    if (this.keyType === undefined) return CFX_SHA1_SIZES;
    if (this.keyType === Enctype.RC4_HMAC) return RC4_SIZES;
    return cfxSizes(enctypeProfile(this.keyType).checksumLength);
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
   * Complete the context over `keys`: per-message tokens are RFC 4121's (CFX), except over an
   * rc4-hmac key, which keeps RFC 4757's older tokens (RFC 4121 4.2 applies CFX to newer enctypes
   * only). rc4-hmac keys are only ever reached when the caller allowed rc4.
   */
  protected establish(keys: EstablishedKeys, role: 'initiator' | 'acceptor'): void {
    this.key = keys.key;
    this.keyType = keys.keyType;
    this.protection =
      keys.keyType === Enctype.RC4_HMAC
        ? new Rc4Protection({
            role,
            key: keys.key,
            mechOid: keys.mechOid,
            sendSequence: keys.sendSequence,
            receiveSequence: keys.receiveSequence,
          })
        : new CfxProtection({
            role,
            cipher: cfxCipherOf(enctypeProfile(keys.keyType), keys.key),
            acceptorSubkey: keys.acceptorSubkey,
            sendSequence: BigInt(keys.sendSequence),
            receiveSequence: BigInt(keys.receiveSequence),
          });
    this.done = true;
  }

  private established(): MessageProtection {
    if (this.disposed) throw sspiError('SEC_E_INVALID_HANDLE', 'The Kerberos context has been deleted.');
    if (!this.done || !this.protection)
      throw sspiError(
        'SEC_E_INVALID_HANDLE',
        'The Kerberos context is not established yet: finish the exchange first.',
      );
    return this.protection;
  }

  /** A sealed Wrap token (RFC 4121 4.2.6.2, RFC 4757 7.3): header and ciphertext, the whole token. */
  wrap(plaintext: Buffer): Buffer {
    return this.established().wrap(plaintext, true);
  }

  /** The plaintext of the peer's Wrap token, sealed or not; in secret memory. */
  unwrap(message: Buffer): Buffer {
    return this.established().unwrap(message);
  }

  /** A MIC token (RFC 4121 4.2.6.1, RFC 4757 7.2). */
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
