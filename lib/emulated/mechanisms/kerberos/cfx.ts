/**
 * Kerberos per-message tokens (RFC 4121 4.2.6): MIC tokens (GSS_GetMIC, SSPI MakeSignature) and
 * Wrap tokens (GSS_Wrap, SSPI EncryptMessage), with and without confidentiality. These are the
 * "CFX" tokens of the RFC 3961 enctypes (AES); rc4-hmac's older framing (RFC 4757) is not here.
 *
 * Sending: EC 0 (no filler: the RFC 3961 simplified profile needs none) and, in a sealed token,
 * the RRC Windows uses (MS-KILE 3.4.5.4.1: 28 for AES-SHA1): the encrypted header copy and the
 * checksum rotated in front of the ciphertext, so the token is a trailer of fixed length (the
 * `sizes` securityTrailer) followed by the data encrypted in place, as EncryptMessage lays out
 * its token and data buffers. A signed-only token keeps RRC 0.
 * Receiving: any RRC and any EC the token's length allows, as RFC 4121 4.2.5 requires. Sequence numbers are checked in order, one per token each way: a
 * replayed, dropped or reordered token is SEC_E_OUT_OF_SEQUENCE (what Windows' Kerberos returns
 * with ISC_REQ_SEQUENCE_DETECT); a token sent by our own side (reflected) or altered is
 * SEC_E_MESSAGE_ALTERED.
 */
import { timingSafeEqual } from 'node:crypto';
import { sspiError } from '../../../errors';
import { allocSecret, copySecret, wipe } from '../../../secret';
import { isKerberosCryptoError } from './crypto/crypto-error';
import type { EnctypeProfile } from './crypto/enctypes';

/** Key usages (RFC 4121 2): which direction a key protects and whether it seals or signs. */
export const KG_USAGE = {
  ACCEPTOR_SEAL: 22,
  ACCEPTOR_SIGN: 23,
  INITIATOR_SEAL: 24,
  INITIATOR_SIGN: 25,
} as const;

const TOK_MIC = 0x0404;
const TOK_WRAP = 0x0504;
const HEADER_LENGTH = 16;

/** Flags octet (RFC 4121 4.2.2). */
export const CFX_FLAG = { SENT_BY_ACCEPTOR: 0x01, SEALED: 0x02, ACCEPTOR_SUBKEY: 0x04 } as const;

/** The enctype operations per-message tokens need, bound to one key (the RFC 3961 profile). */
export interface CfxCipher {
  encrypt(usage: number, plaintext: Buffer): Buffer;
  /** Throws SEC_E_MESSAGE_ALTERED when the integrity check fails. */
  decrypt(usage: number, ciphertext: Buffer): Buffer;
  checksum(usage: number, data: Buffer): Buffer;
  readonly checksumLength: number;
  /** Wipe the key's copy and the keys derived from it. Idempotent. */
  dispose(): void;
}

/**
 * The cipher of one context key: an enctype profile bound to a copy of the key (its derived keys
 * made once, kept until dispose()), its refusals mapped to the statuses per-message tokens report
 * (integrity: SEC_E_MESSAGE_ALTERED; malformed: SEC_E_INVALID_TOKEN).
 */
export function cfxCipherOf(profile: EnctypeProfile, key: Buffer): CfxCipher {
  const bound = profile.bind(key);
  const mapped = <T>(work: () => T): T => {
    try {
      return work();
    } catch (err) {
      if (isKerberosCryptoError(err, 'integrity'))
        throw altered('A Kerberos Wrap token does not decrypt with this context’s key: it was altered.');
      if (isKerberosCryptoError(err, 'malformed'))
        throw invalid(`A Kerberos Wrap token is malformed: ${err.message}`);
      throw err;
    }
  };
  return {
    encrypt: (usage, plaintext) => bound.encrypt(usage, plaintext),
    decrypt: (usage, ciphertext) => mapped(() => bound.decrypt(usage, ciphertext)),
    checksum: (usage, data) => bound.checksum(usage, data),
    checksumLength: profile.checksumLength,
    dispose: () => bound.dispose(),
  };
}

export interface CfxOptions {
  role: 'initiator' | 'acceptor';
  cipher: CfxCipher;
  /** The acceptor sent a subkey in its AP-REP, and `cipher` uses it (flag AcceptorSubkey). */
  acceptorSubkey: boolean;
  /** Our first sequence number (the authenticator's or AP-REP's seq-number). */
  sendSequence: bigint;
  /** The peer's first sequence number. */
  receiveSequence: bigint;
}

/** One context's per-message protection: sequence numbers both ways, the key and the direction. */
export class CfxProtection {
  private sendSeq: bigint;
  private receiveSeq: bigint;
  private readonly ourFlags: number;
  private readonly sealUsage: { ours: number; peers: number };
  private readonly signUsage: { ours: number; peers: number };

  constructor(private readonly options: CfxOptions) {
    this.sendSeq = options.sendSequence;
    this.receiveSeq = options.receiveSequence;
    const acceptor = options.role === 'acceptor';
    this.ourFlags =
      (acceptor ? CFX_FLAG.SENT_BY_ACCEPTOR : 0) | (options.acceptorSubkey ? CFX_FLAG.ACCEPTOR_SUBKEY : 0);
    this.sealUsage = acceptor
      ? { ours: KG_USAGE.ACCEPTOR_SEAL, peers: KG_USAGE.INITIATOR_SEAL }
      : { ours: KG_USAGE.INITIATOR_SEAL, peers: KG_USAGE.ACCEPTOR_SEAL };
    this.signUsage = acceptor
      ? { ours: KG_USAGE.ACCEPTOR_SIGN, peers: KG_USAGE.INITIATOR_SIGN }
      : { ours: KG_USAGE.INITIATOR_SIGN, peers: KG_USAGE.ACCEPTOR_SIGN };
  }

  /** A MIC token over `message` (RFC 4121 4.2.6.1). */
  getMic(message: Buffer): Buffer {
    const header = Buffer.alloc(HEADER_LENGTH, 0xff);
    header.writeUInt16BE(TOK_MIC, 0);
    header[2] = this.ourFlags;
    header.writeBigUInt64BE(this.nextSendSequence(), 8);
    const checksum = this.options.cipher.checksum(this.signUsage.ours, Buffer.concat([message, header]));
    return Buffer.concat([header, checksum]);
  }

  /** Check the peer's MIC token over `message`. */
  verifyMic(message: Buffer, token: Buffer): void {
    const header = this.readHeader(token, TOK_MIC);
    if (!header.subarray(3, 8).equals(Buffer.alloc(5, 0xff)))
      throw invalid('The Kerberos MIC token’s filler is not FF FF FF FF FF.');
    if (header[2] & CFX_FLAG.SEALED) throw invalid('A Kerberos MIC token says it is sealed.');
    const expected = this.options.cipher.checksum(this.signUsage.peers, Buffer.concat([message, header]));
    const received = token.subarray(HEADER_LENGTH);
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
      throw altered(
        'The Kerberos MIC does not match the message: it was altered or signed with another key.',
      );
    }
    this.takeReceiveSequence(header);
  }

  /** A Wrap token (RFC 4121 4.2.6.2): sealed when `confidential`, else signed with the plaintext in clear. */
  wrap(plaintext: Buffer, confidential = true): Buffer {
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt16BE(TOK_WRAP, 0);
    header[2] = this.ourFlags | (confidential ? CFX_FLAG.SEALED : 0);
    header[3] = 0xff;
    header.writeBigUInt64BE(this.nextSendSequence(), 8);
    const { cipher } = this.options;
    if (confidential) {
      // The encrypted copy of the header has RRC 0 (RFC 4121 4.2.4); the header sent names the
      // rotation of the copy and the checksum to the front.
      // The plaintext may be a secret (CredSSP's TSCredentials): joined to the header in memory of
      // its own, not Buffer.concat's shared pool, and wiped once encrypted.
      const toSeal = allocSecret(plaintext.length + HEADER_LENGTH);
      plaintext.copy(toSeal, 0);
      header.copy(toSeal, plaintext.length);
      let sealed: Buffer;
      try {
        sealed = cipher.encrypt(this.sealUsage.ours, toSeal);
      } finally {
        wipe(toSeal);
      }
      const rrc = HEADER_LENGTH + cipher.checksumLength;
      header.writeUInt16BE(rrc, 6);
      const split = sealed.length - rrc;
      return Buffer.concat([header, sealed.subarray(split), sealed.subarray(0, split)]);
    }
    // The checksum covers the header with EC and RRC zero; the header sent carries EC = its length.
    const checksum = cipher.checksum(this.signUsage.ours, Buffer.concat([plaintext, header]));
    header.writeUInt16BE(checksum.length, 4);
    return Buffer.concat([header, plaintext, checksum]);
  }

  /** The plaintext of the peer's Wrap token. */
  unwrap(token: Buffer): Buffer {
    const header = this.readHeader(token, TOK_WRAP);
    if (header[3] !== 0xff) throw invalid('The Kerberos Wrap token’s filler is not FF.');
    const ec = header.readUInt16BE(4);
    const rrc = header.readUInt16BE(6);
    const body = unrotate(token.subarray(HEADER_LENGTH), rrc);
    const { cipher } = this.options;
    let plaintext: Buffer;
    if (header[2] & CFX_FLAG.SEALED) {
      const decrypted = cipher.decrypt(this.sealUsage.peers, body);
      if (decrypted.length < ec + HEADER_LENGTH)
        throw invalid('The Kerberos Wrap token is shorter than its EC says.');
      const copy = Buffer.from(decrypted.subarray(decrypted.length - HEADER_LENGTH));
      // RFC 4121 4.2.4: the encrypted copy has RRC zero; everything else matches the header.
      const sent = Buffer.from(header);
      sent.writeUInt16BE(0, 6);
      if (!timingSafeEqual(copy, sent)) throw altered('The Kerberos Wrap token’s header was altered.');
      // The plaintext may be a secret (CredSSP's TSCredentials): memory of its own.
      plaintext = copySecret(decrypted, 0, decrypted.length - HEADER_LENGTH - ec);
      wipe(decrypted);
    } else {
      if (ec !== cipher.checksumLength || body.length < ec)
        throw invalid(
          `The Kerberos Wrap token carries a ${ec}-byte checksum; this key makes ${cipher.checksumLength}.`,
        );
      plaintext = body.subarray(0, body.length - ec);
      const signed = Buffer.from(header);
      signed.writeUInt32BE(0, 4);
      const expected = cipher.checksum(this.signUsage.peers, Buffer.concat([plaintext, signed]));
      if (!timingSafeEqual(expected, body.subarray(body.length - ec)))
        throw altered('The Kerberos Wrap token’s checksum does not match: it was altered.');
      plaintext = copySecret(plaintext);
    }
    this.takeReceiveSequence(header);
    return plaintext;
  }

  /** Wipe the cipher's keys; the protection takes no more tokens. */
  dispose(): void {
    this.options.cipher.dispose();
  }

  private readHeader(token: Buffer, tokId: number): Buffer {
    if (token.length < HEADER_LENGTH)
      throw invalid(`A Kerberos per-message token is ${token.length} bytes, under 16.`);
    if (token.readUInt16BE(0) !== tokId) {
      throw invalid(
        `Expected a Kerberos ${tokId === TOK_MIC ? 'MIC' : 'Wrap'} token (TOK_ID ${tokId.toString(16)}).`,
      );
    }
    const header = token.subarray(0, HEADER_LENGTH);
    const flags = header[2];
    if (flags & ~(CFX_FLAG.SENT_BY_ACCEPTOR | CFX_FLAG.SEALED | CFX_FLAG.ACCEPTOR_SUBKEY))
      throw invalid('A Kerberos per-message token has flags RFC 4121 does not define.');
    const fromAcceptor = (flags & CFX_FLAG.SENT_BY_ACCEPTOR) !== 0;
    if (fromAcceptor === (this.options.role === 'acceptor'))
      throw altered('A Kerberos per-message token claims to come from this side: it was reflected back.');
    if (((flags & CFX_FLAG.ACCEPTOR_SUBKEY) !== 0) !== this.options.acceptorSubkey)
      throw altered('A Kerberos per-message token was protected with another key than this context’s.');
    return header;
  }

  private nextSendSequence(): bigint {
    const seq = this.sendSeq;
    this.sendSeq = (seq + 1n) & 0xffffffffffffffffn;
    return seq;
  }

  private takeReceiveSequence(header: Buffer): void {
    const seq = header.readBigUInt64BE(8);
    if (seq !== this.receiveSeq) {
      throw sspiError(
        'SEC_E_OUT_OF_SEQUENCE',
        `A Kerberos per-message token has sequence number ${seq}; ${this.receiveSeq} was due (replayed, lost or reordered).`,
      );
    }
    this.receiveSeq = (seq + 1n) & 0xffffffffffffffffn;
  }
}

/** Undo the sender's right rotation by `rrc` octets (RFC 4121 4.2.5). */
function unrotate(body: Buffer, rrc: number): Buffer {
  if (body.length === 0) return body;
  const shift = rrc % body.length;
  if (shift === 0) return body;
  return Buffer.concat([body.subarray(shift), body.subarray(0, shift)]);
}

function invalid(message: string): Error {
  return sspiError('SEC_E_INVALID_TOKEN', message);
}

function altered(message: string): Error {
  return sspiError('SEC_E_MESSAGE_ALTERED', message);
}
