/**
 * A test-only mechanism for SPNEGO: two tokens like Kerberos with mutual authentication
 * (TOY1 || nonce → TOY2 || nonce), or one like Kerberos without (`oneLeg`), and an HMAC-SHA256
 * sign/verify with sequence numbers over a key derived from a shared secret and the nonce. No
 * secrecy: wrap is signature || plaintext. Every context made is kept in `made` so a test can see
 * which were disposed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sspiError } from '../../../lib/errors';
import type {
  MechanismContext,
  MechanismIdentity,
  MechanismStep,
} from '../../../lib/emulated/mechanisms/mechanism-context';

const SHARED_SECRET = Buffer.from('toy mechanism shared secret');
const NONCE_LENGTH = 8;
const SIGNATURE_LENGTH = 20; // 4-byte sequence number || 16 bytes of HMAC

export interface ToyOptions {
  /** The initiator completes with its first token and the acceptor answers nothing. */
  oneLeg?: boolean;
  /** The acceptor refuses every token with SEC_E_WRONG_PRINCIPAL and a TOYE error token. */
  refuse?: boolean;
  /** Once complete, the mechanism demands the mechListMIC exchange (as Kerberos with CFX would). */
  requireMic?: boolean;
  /** Which name the mechanism reports. */
  mechanism?: MechanismContext['mechanism'];
}

export class ToyContext implements MechanismContext {
  static made: ToyContext[] = [];
  readonly mechanism: MechanismContext['mechanism'];
  complete = false;
  disposed = false;
  sessionKey: Buffer | undefined;
  private sendSeq = 0;
  private receiveSeq = 0;

  constructor(
    readonly role: 'initiator' | 'acceptor',
    private readonly options: ToyOptions = {},
  ) {
    this.mechanism = options.mechanism ?? 'Kerberos';
    ToyContext.made.push(this);
  }

  get micPresent(): boolean {
    return this.complete && this.options.requireMic === true;
  }

  get identity(): MechanismIdentity | undefined {
    return this.complete ? { user: 'toy', domain: 'TOY' } : undefined;
  }

  step(input: Buffer | null): MechanismStep {
    if (this.complete) throw sspiError('SEC_E_INVALID_TOKEN', 'The toy exchange is over.');
    if (this.role === 'initiator' && input === null) {
      const nonce = randomBytes(NONCE_LENGTH);
      if (this.options.oneLeg) this.establish(nonce);
      else this.sessionKey = nonce; // kept until TOY2 echoes it
      return { output: Buffer.concat([Buffer.from('TOY1'), nonce]), complete: this.complete };
    }
    if (this.role === 'acceptor' && this.options.refuse) {
      throw sspiError('SEC_E_WRONG_PRINCIPAL', 'The toy acceptor refuses.', Buffer.from('TOYE'));
    }
    if (this.role === 'initiator' && input?.equals(Buffer.from('TOYE'))) {
      throw sspiError('SEC_E_WRONG_PRINCIPAL', 'The toy acceptor refused us (its TOYE error token).');
    }
    if (this.role === 'acceptor') {
      const nonce = this.expect(input, 'TOY1');
      this.establish(nonce);
      const output = this.options.oneLeg ? Buffer.alloc(0) : Buffer.concat([Buffer.from('TOY2'), nonce]);
      return { output, complete: true };
    }
    const echoed = this.expect(input, 'TOY2');
    if (!this.sessionKey || !echoed.equals(this.sessionKey)) {
      throw sspiError('SEC_E_MUTUAL_AUTH_FAILED', 'The toy acceptor echoed the wrong nonce.');
    }
    this.establish(echoed);
    return { output: Buffer.alloc(0), complete: true };
  }

  private expect(input: Buffer | null, tag: string): Buffer {
    if (!input || input.length !== 4 + NONCE_LENGTH || input.toString('latin1', 0, 4) !== tag) {
      throw sspiError('SEC_E_INVALID_TOKEN', `Expected a ${tag} token.`);
    }
    return input.subarray(4);
  }

  private establish(nonce: Buffer): void {
    this.sessionKey = createHmac('sha256', SHARED_SECRET).update(nonce).digest();
    this.complete = true;
  }

  private mac(direction: 'initiator' | 'acceptor', seq: number, message: Buffer): Buffer {
    if (!this.complete || !this.sessionKey)
      throw sspiError('SEC_E_INVALID_HANDLE', 'The toy context is not established.');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(seq);
    const hmac = createHmac('sha256', this.sessionKey)
      .update(direction)
      .update(header)
      .update(message)
      .digest();
    return Buffer.concat([header, hmac.subarray(0, 16)]);
  }

  sign(message: Buffer): Buffer {
    return this.mac(this.role, this.sendSeq++, message);
  }

  verify(message: Buffer, signature: Buffer): void {
    const peer = this.role === 'initiator' ? 'acceptor' : 'initiator';
    const expected = this.mac(peer, this.receiveSeq, message);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw sspiError('SEC_E_MESSAGE_ALTERED', 'The toy signature does not match.');
    }
    this.receiveSeq++;
  }

  wrap(plaintext: Buffer): Buffer {
    return Buffer.concat([this.sign(plaintext), plaintext]);
  }

  unwrap(message: Buffer): Buffer {
    if (message.length < SIGNATURE_LENGTH)
      throw sspiError('SEC_E_INVALID_TOKEN', 'The toy message is too short.');
    const plaintext = message.subarray(SIGNATURE_LENGTH);
    this.verify(plaintext, message.subarray(0, SIGNATURE_LENGTH));
    return plaintext;
  }

  dispose(): void {
    this.disposed = true;
    this.sessionKey?.fill(0);
  }
}
