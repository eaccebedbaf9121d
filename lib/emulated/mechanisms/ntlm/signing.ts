/**
 * NTLM session security with extended session security (MS-NLMP 3.4): per-direction signing keys,
 * one RC4 handle per direction shared by sealing and signing (3.4.3), and sequence numbers that start
 * at 0 and count each message (3.4.4, connection-oriented). Signatures are NTLMSSP_MESSAGE_SIGNATURE
 * (2.2.2.9.1): Version 1, Checksum (8 bytes), SeqNum.
 */
import { timingSafeEqual } from 'node:crypto';
import { sspiError } from '../../../errors';
import { HmacMd5Key } from '../../crypto/hmac-md5';
import { Rc4 } from '../../crypto/rc4';
import { NTLMSSP_NEGOTIATE_KEY_EXCH, NTLMSSP_NEGOTIATE_SEAL, NTLMSSP_NEGOTIATE_SIGN, hasFlag } from './flags';
import { sealKey, signKey, type NtlmMode } from './keys';
import { wipe } from '../../../secret';

/** Length of NTLMSSP_MESSAGE_SIGNATURE, which is also what wrap() puts before the sealed bytes. */
export const SIGNATURE_LENGTH = 16;
const SIGNATURE_VERSION = 1;
/** The Checksum of a signature: the first 8 bytes of the HMAC (MS-NLMP 3.4.4.2). */
const CHECKSUM_LENGTH = 8;

/** SeqNum as the 4 bytes the HMAC covers; not secret (it is sent in the clear). */
const seqNumBytes = Buffer.alloc(4);
/** The HMAC of the message being signed; zeroed once its checksum is written out. */
const hmacBytes = new Uint8Array(16);

/** Our sending side or the peer's: the two independent halves of a context's session security. */
export type SealDirection = 'outbound' | 'inbound';

/** One direction's keys and state. */
interface DirectionState {
  /** SigningKey, keyed once: every message's MAC is an HMAC_MD5 under it (MS-NLMP 3.4.4.2). */
  signingKey: HmacMd5Key;
  sealingKey: Buffer;
  handle: Rc4;
  seqNum: number;
}

function directionState(exportedSessionKey: Buffer, mode: NtlmMode): DirectionState {
  const sealingKey = sealKey(exportedSessionKey, mode);
  const signingKeyBytes = signKey(exportedSessionKey, mode);
  const signingKey = new HmacMd5Key(signingKeyBytes);
  wipe(signingKeyBytes);
  return {
    signingKey,
    sealingKey,
    handle: new Rc4(sealingKey),
    seqNum: 0,
  };
}

function messageAltered(): Error {
  return sspiError(
    'SEC_E_MESSAGE_ALTERED',
    'The message signature from the peer is wrong: the message was altered, replayed or is out of order.',
  );
}

/** Session security of one established NTLM context (MS-NLMP 3.4.4.2, 3.4.3). */
export class NtlmSessionSecurity {
  private readonly outbound: DirectionState;
  private readonly inbound: DirectionState;
  private readonly keyExchange: boolean;
  private readonly canSeal: boolean;
  private readonly canSign: boolean;

  /**
   * @param exportedSessionKey the negotiated ExportedSessionKey
   * @param mode our side: the client signs with the client-to-server keys and verifies with the others
   * @param negotiatedFlags the final NegotiateFlags, which must include extended session security
   */
  constructor(exportedSessionKey: Buffer, mode: NtlmMode, negotiatedFlags: number) {
    const peer: NtlmMode = mode === 'client' ? 'server' : 'client';
    this.outbound = directionState(exportedSessionKey, mode);
    this.inbound = directionState(exportedSessionKey, peer);
    this.keyExchange = hasFlag(negotiatedFlags, NTLMSSP_NEGOTIATE_KEY_EXCH);
    this.canSeal = hasFlag(negotiatedFlags, NTLMSSP_NEGOTIATE_SEAL);
    this.canSign = this.canSeal || hasFlag(negotiatedFlags, NTLMSSP_NEGOTIATE_SIGN);
  }

  /**
   * Write MAC() of MS-NLMP 3.4.4.2 over `message` with `state`'s next sequence number into the 16
   * bytes of `out` at `at`: Version, Checksum, SeqNum. With key exchange the checksum is RC4'd
   * through the direction's handle, after any sealing of the same message. Written in place so
   * wrap() lays out signature and sealed bytes in one allocation.
   */
  private writeMac(state: DirectionState, message: Buffer, out: Buffer, at: number): void {
    out.writeUInt32LE(SIGNATURE_VERSION, at);
    out.writeUInt32LE(state.seqNum, at + 12);
    // The HMAC goes into scratch arrays rather than a new Buffer and views of it: a view of a small
    // Buffer makes V8 move its bytes to a backing store of their own, a cost per message.
    seqNumBytes.writeUInt32LE(state.seqNum, 0);
    state.signingKey.macInto(hmacBytes, 0, seqNumBytes, message);
    if (this.keyExchange) state.handle.updateInto(hmacBytes, out, at + 4, CHECKSUM_LENGTH);
    else for (let n = 0; n < CHECKSUM_LENGTH; n++) out[at + 4 + n] = hmacBytes[n];
    wipe(hmacBytes);
  }

  /** MAC() as a new 16-byte signature. */
  private mac(state: DirectionState, message: Buffer): Buffer {
    const signature = Buffer.alloc(SIGNATURE_LENGTH);
    this.writeMac(state, message, signature, 0);
    return signature;
  }

  private requireSign(): void {
    if (!this.canSign) {
      throw sspiError(
        'SEC_E_UNSUPPORTED_FUNCTION',
        'Message signing was not negotiated on this NTLM context.',
      );
    }
  }

  private requireSeal(): void {
    if (!this.canSeal) {
      throw sspiError(
        'SEC_E_UNSUPPORTED_FUNCTION',
        'Message encryption was not negotiated on this NTLM context.',
      );
    }
  }

  private checkSignature(expected: Buffer, received: Buffer): void {
    if (received.length !== SIGNATURE_LENGTH || !timingSafeEqual(expected, received)) throw messageAltered();
    // Only a verified message consumes a sequence number (MS-NLMP 3.4.4).
    this.inbound.seqNum = (this.inbound.seqNum + 1) >>> 0;
  }

  /** MakeSignature / GSS_GetMIC: the 16-byte signature of `message`. */
  sign(message: Buffer): Buffer {
    this.requireSign();
    const signature = this.mac(this.outbound, message);
    this.outbound.seqNum = (this.outbound.seqNum + 1) >>> 0;
    return signature;
  }

  /** VerifySignature / GSS_VerifyMIC of the peer's sign(). */
  verify(message: Buffer, signature: Buffer): void {
    this.requireSign();
    if (signature.length !== SIGNATURE_LENGTH) {
      throw sspiError('SEC_E_INVALID_TOKEN', 'The NTLM message signature is not 16 bytes long.');
    }
    this.checkSignature(this.mac(this.inbound, message), signature);
  }

  /** EncryptMessage / GSS_WrapEx (MS-NLMP 3.4.6): signature || RC4-sealed plaintext. */
  wrap(plaintext: Buffer): Buffer {
    this.requireSeal();
    const message = Buffer.allocUnsafe(SIGNATURE_LENGTH + plaintext.length);
    this.outbound.handle.updateInto(plaintext, message, SIGNATURE_LENGTH);
    this.writeMac(this.outbound, plaintext, message, 0);
    this.outbound.seqNum = (this.outbound.seqNum + 1) >>> 0;
    return message;
  }

  /** DecryptMessage / GSS_UnwrapEx: the reverse of the peer's wrap(). */
  unwrap(message: Buffer): Buffer {
    this.requireSeal();
    if (message.length < SIGNATURE_LENGTH) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The sealed NTLM message is shorter than its 16-byte signature.',
      );
    }
    const plaintext = this.inbound.handle.update(message.subarray(SIGNATURE_LENGTH));
    this.checkSignature(this.mac(this.inbound, plaintext), message.subarray(0, SIGNATURE_LENGTH));
    return plaintext;
  }

  /**
   * Restart one direction's RC4 keystream from its sealing key, keeping its sequence number. This is
   * what Windows does after the SPNEGO mechListMIC (see the contexts' resetRc4State()).
   */
  resetRc4(direction: SealDirection): void {
    const state = direction === 'outbound' ? this.outbound : this.inbound;
    state.handle.dispose();
    state.handle = new Rc4(state.sealingKey);
  }

  /** Zero every key and keystream state. */
  dispose(): void {
    for (const state of [this.outbound, this.inbound]) {
      state.signingKey.dispose();
      wipe(state.sealingKey);
      state.handle.dispose();
    }
  }
}
