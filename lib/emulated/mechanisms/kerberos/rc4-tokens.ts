/**
 * Kerberos per-message tokens over an rc4-hmac key (RFC 4757 7): the RFC 1964 token layout with
 * HMAC-MD5 signing (SGN_ALG 0x0011) and RC4 sealing (SEAL_ALG 0x0010, or 0xffff unsealed), inside
 * the GSS framing of RFC 2743 3.1 (these older tokens carry it; CFX tokens do not).
 *
 *   MIC:  TOK_ID 01 01 | SGN_ALG 11 00 | FF FF FF FF | SND_SEQ (8) | SGN_CKSUM (8)
 *   Wrap: TOK_ID 02 01 | SGN_ALG 11 00 | SEAL_ALG (2) | FF FF | SND_SEQ (8) | SGN_CKSUM (8)
 *         | confounder (8) | data | padding
 *
 * SGN_CKSUM is the first 8 bytes of the hmac-md5 checksum (usage 15 for a MIC, 13 for a Wrap) over
 * the first 8 header bytes, then (Wrap) the confounder, data and padding. SND_SEQ is the 32-bit
 * sequence number big-endian and 4 direction bytes (00 from the initiator, FF from the acceptor),
 * RC4-encrypted under HMAC(HMAC(K, 0), SGN_CKSUM). Sealing RC4-encrypts confounder, data and
 * padding under HMAC(HMAC(K xor F0, 0), sequence number). Padding is one byte 01, as MIT, Heimdal
 * and Windows send; a peer's 1 to 8 bytes of value n are taken. The exportable variant
 * (rc4-hmac-exp, enctype 24) is not offered, so its 40-bit key rules are not here.
 *
 * Refusals follow cfx.ts: altered or reflected is SEC_E_MESSAGE_ALTERED, malformed is
 * SEC_E_INVALID_TOKEN, a replayed, dropped or reordered token is SEC_E_OUT_OF_SEQUENCE.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { sspiError } from '../../../errors';
import { allocSecret, copySecret, wipe, type SecretBuffer } from '../../../secret';
import { hmacMd5 } from '../../crypto/hmac-md5';
import { Rc4 } from '../../crypto/rc4';
import { rc4HmacChecksum } from './crypto/rc4-hmac';
import { KRB5_OID } from './messages/constants';
import { unwrapInitialContextToken, wrapInitialContextToken } from './messages/gss-token';

const TOK_MIC = 0x0101;
const TOK_WRAP = 0x0201;
/** SGN_ALG HMAC-MD5, as on the wire (the RFC's 0x0011, little-endian). */
const SGN_ALG_HMAC_MD5 = 0x1100;
/** SEAL_ALG RC4 (0x0010) and none, as on the wire. */
const SEAL_ALG_RC4 = 0x1000;
const SEAL_ALG_NONE = 0xffff;
/** RFC 4757 7.2, 7.3: the key usages hashed into a MIC's and a Wrap's checksum. */
const USAGE_MIC = 15;
const USAGE_WRAP = 13;

/** Offsets from TOK_ID: the signed header, SND_SEQ, SGN_CKSUM, the Wrap's confounder. */
const SIGNED_HEADER_LENGTH = 8;
const SND_SEQ_AT = 8;
const CKSUM_AT = 16;
const CKSUM_LENGTH = 8;
const CONFOUNDER_AT = 24;
const CONFOUNDER_LENGTH = 8;
const MIC_LENGTH = 24;
const WRAP_HEADER_LENGTH = 32;
/** The longest padding RFC 1964 allows (one DES block); we send one byte. */
const MAX_PADDING = 8;

/** Direction bytes (RFC 4757 7.2): what the initiator and the acceptor put after the sequence number. */
const DIRECTION = { initiator: 0x00, acceptor: 0xff } as const;

/**
 * The GSS framing (RFC 2743 3.1) is 0x60, a DER length and the 11-byte Kerberos OID. A MIC is 24
 * bytes inside, so 37 framed: the signature size Samba also reports for rc4-hmac. A Wrap adds its
 * 32-byte header and one byte of padding to the message, framed with a length of up to 5 bytes.
 */
export const RC4_MIC_LENGTH = 1 + 1 + 11 + MIC_LENGTH;
export const RC4_MAX_WRAP_OVERHEAD = 1 + 5 + 11 + WRAP_HEADER_LENGTH + 1;

export interface Rc4TokenOptions {
  role: 'initiator' | 'acceptor';
  /** The 16-byte rc4-hmac key in force; this object keeps a copy of its own. */
  key: Buffer;
  /** The Kerberos OID our tokens are framed under: the one the context was set up under. */
  mechOid?: string;
  /** Our first sequence number (the authenticator's or AP-REP's seq-number), 32 bits. */
  sendSequence: number;
  /** The peer's first sequence number. */
  receiveSequence: number;
}

/** One rc4-hmac context's per-message protection: the key, sequence numbers both ways, the direction. */
export class Rc4Protection {
  private sendSeq: number;
  private receiveSeq: number;
  private readonly key: SecretBuffer;
  /** HMAC(K, 0): SND_SEQ's key is this keyed over the checksum. */
  private readonly seqBase: SecretBuffer;
  /** HMAC(K xor F0, 0): the sealing key is this keyed over the sequence number. */
  private readonly sealBase: SecretBuffer;
  private readonly ourDirection: number;
  private readonly peerDirection: number;
  private readonly mechOid: string;

  constructor(options: Rc4TokenOptions) {
    this.key = copySecret(options.key);
    const zero = Buffer.alloc(4);
    this.seqBase = hmacInto(this.key, zero);
    const local = copySecret(this.key);
    for (let n = 0; n < local.length; n++) local[n] ^= 0xf0;
    this.sealBase = hmacInto(local, zero);
    wipe(local);
    this.sendSeq = options.sendSequence >>> 0;
    this.receiveSeq = options.receiveSequence >>> 0;
    this.ourDirection = DIRECTION[options.role];
    this.peerDirection = DIRECTION[options.role === 'initiator' ? 'acceptor' : 'initiator'];
    this.mechOid = options.mechOid ?? KRB5_OID;
  }

  /** A MIC token over `message` (RFC 4757 7.2). */
  getMic(message: Buffer): Buffer {
    const token = Buffer.alloc(MIC_LENGTH, 0xff);
    token.writeUInt16BE(TOK_MIC, 0);
    token.writeUInt16BE(SGN_ALG_HMAC_MD5, 2);
    const checksum = this.checksum(USAGE_MIC, token, message);
    checksum.copy(token, CKSUM_AT);
    this.encryptSequence(this.nextSendSequence(), checksum).copy(token, SND_SEQ_AT);
    return wrapInitialContextToken(TOK_MIC, token.subarray(2), this.mechOid);
  }

  /** Check the peer's MIC token over `message`. */
  verifyMic(message: Buffer, framed: Buffer): void {
    const token = this.readToken(framed, TOK_MIC);
    if (token.length !== MIC_LENGTH)
      throw invalid(`A Kerberos rc4 MIC token is ${token.length} bytes, not ${MIC_LENGTH}.`);
    if (token.readUInt32BE(4) !== 0xffffffff)
      throw invalid('The Kerberos MIC token’s filler is not FF FF FF FF.');
    const expected = this.checksum(USAGE_MIC, token, message);
    if (!timingSafeEqual(token.subarray(CKSUM_AT), expected))
      throw altered(
        'The Kerberos MIC does not match the message: it was altered or signed with another key.',
      );
    this.takeReceiveSequence(this.decryptSequence(token));
  }

  /** A Wrap token (RFC 4757 7.3): sealed when `confidential`, else signed with the data in clear. */
  wrap(plaintext: Buffer, confidential = true): Buffer {
    // Confounder, plaintext and one byte of padding, in memory of our own: the plaintext may be a secret.
    const data = allocSecret(CONFOUNDER_LENGTH + plaintext.length + 1);
    randomBytes(CONFOUNDER_LENGTH).copy(data, 0);
    plaintext.copy(data, CONFOUNDER_LENGTH);
    data[data.length - 1] = 1;
    const header = Buffer.alloc(CONFOUNDER_AT);
    header.writeUInt16BE(TOK_WRAP, 0);
    header.writeUInt16BE(SGN_ALG_HMAC_MD5, 2);
    header.writeUInt16BE(confidential ? SEAL_ALG_RC4 : SEAL_ALG_NONE, 4);
    header.writeUInt16BE(0xffff, 6);
    const checksum = this.checksum(USAGE_WRAP, header, data);
    checksum.copy(header, CKSUM_AT);
    const seq = this.nextSendSequence();
    this.encryptSequence(seq, checksum).copy(header, SND_SEQ_AT);
    if (confidential) this.seal(seq, data, data);
    try {
      return wrapInitialContextToken(TOK_WRAP, Buffer.concat([header.subarray(2), data]), this.mechOid);
    } finally {
      wipe(data);
    }
  }

  /** The plaintext of the peer's Wrap token, sealed or not, in secret memory. */
  unwrap(framed: Buffer): Buffer {
    const token = this.readToken(framed, TOK_WRAP);
    if (token.length < WRAP_HEADER_LENGTH + 1)
      throw invalid(
        `A Kerberos rc4 Wrap token is ${token.length} bytes, under the ${WRAP_HEADER_LENGTH + 1} it needs.`,
      );
    const sealAlg = token.readUInt16BE(4);
    if (sealAlg !== SEAL_ALG_RC4 && sealAlg !== SEAL_ALG_NONE)
      throw invalid(
        `A Kerberos rc4 Wrap token has SEAL_ALG ${sealAlg.toString(16)}, neither RC4 (1000) nor none (ffff).`,
      );
    if (token.readUInt16BE(6) !== 0xffff) throw invalid('The Kerberos Wrap token’s filler is not FF FF.');
    const seq = this.decryptSequence(token);
    // Decrypted or not, a copy of our own: the plaintext may be a secret (CredSSP's TSCredentials).
    const data = copySecret(token, CONFOUNDER_AT);
    try {
      if (sealAlg === SEAL_ALG_RC4) this.seal(seq, data, data);
      const expected = this.checksum(USAGE_WRAP, token, data);
      if (!timingSafeEqual(token.subarray(CKSUM_AT, CKSUM_AT + CKSUM_LENGTH), expected))
        throw altered('The Kerberos Wrap token’s checksum does not match: it was altered.');
      const padding = data[data.length - 1];
      if (padding < 1 || padding > MAX_PADDING || padding > data.length - CONFOUNDER_LENGTH)
        throw invalid(`A Kerberos rc4 Wrap token ends in ${padding} bytes of padding.`);
      for (let n = data.length - padding; n < data.length; n++)
        if (data[n] !== padding) throw invalid('A Kerberos rc4 Wrap token’s padding bytes differ.');
      this.takeReceiveSequence(seq);
      return copySecret(data, CONFOUNDER_LENGTH, data.length - padding);
    } finally {
      wipe(data);
    }
  }

  /** Wipe the key and the keys made from it. */
  dispose(): void {
    wipe(this.key, this.seqBase, this.sealBase);
  }

  /** The first 8 bytes of HMAC(Ksign, MD5(usage | header's first 8 bytes | data)) (RFC 4757 7.2, 7.3). */
  private checksum(usage: number, header: Buffer, data: Buffer): Buffer {
    return rc4HmacChecksum(this.key, usage, header.subarray(0, SIGNED_HEADER_LENGTH), data).subarray(
      0,
      CKSUM_LENGTH,
    );
  }

  /** SND_SEQ: RC4 under HMAC(HMAC(K, 0), checksum) of the sequence number (big-endian) and our direction. */
  private encryptSequence(seq: number, checksum: Buffer): Buffer {
    const plain = Buffer.alloc(8, this.ourDirection);
    plain.writeUInt32BE(seq, 0);
    rc4Under(hmacInto(this.seqBase, checksum), plain, plain);
    return plain;
  }

  /**
   * The peer's sequence number from SND_SEQ. Its direction bytes must be the peer's: ours means
   * the token was reflected back to us (the checksum, under the same key, cannot tell).
   */
  private decryptSequence(token: Buffer): number {
    const plain = Buffer.from(token.subarray(SND_SEQ_AT, SND_SEQ_AT + 8));
    rc4Under(hmacInto(this.seqBase, token.subarray(CKSUM_AT, CKSUM_AT + CKSUM_LENGTH)), plain, plain);
    const direction = plain.readUInt32BE(4);
    if (direction === directionWord(this.ourDirection))
      throw altered('A Kerberos per-message token claims to come from this side: it was reflected back.');
    if (direction !== directionWord(this.peerDirection))
      throw altered('A Kerberos per-message token’s sequence number does not decrypt: it was altered.');
    return plain.readUInt32BE(0);
  }

  /** RC4 under HMAC(HMAC(K xor F0, 0), seq big-endian) from `data` into `out`: seals and unseals. */
  private seal(seq: number, data: Buffer, out: Buffer): void {
    const seqBytes = Buffer.alloc(4);
    seqBytes.writeUInt32BE(seq, 0);
    rc4Under(hmacInto(this.sealBase, seqBytes), data, out);
  }

  /** The token from TOK_ID on, out of its GSS framing. */
  private readToken(framed: Buffer, tokId: number): Buffer {
    const { tokId: received, inner } = unwrapInitialContextToken(framed);
    if (received !== tokId) {
      throw invalid(
        `Expected a Kerberos rc4 ${tokId === TOK_MIC ? 'MIC' : 'Wrap'} token (TOK_ID ${hex4(tokId)}), not ${hex4(received)}.`,
      );
    }
    const token = Buffer.concat([Buffer.from([tokId >> 8, tokId & 0xff]), inner]);
    if (token.length < SIGNED_HEADER_LENGTH || token.readUInt16BE(2) !== SGN_ALG_HMAC_MD5)
      throw invalid('A Kerberos rc4 token’s SGN_ALG is not HMAC-MD5 (11 00).');
    return token;
  }

  private nextSendSequence(): number {
    const seq = this.sendSeq;
    this.sendSeq = (seq + 1) >>> 0;
    return seq;
  }

  private takeReceiveSequence(seq: number): void {
    if (seq !== this.receiveSeq) {
      throw sspiError(
        'SEC_E_OUT_OF_SEQUENCE',
        `A Kerberos per-message token has sequence number ${seq}; ${this.receiveSeq} was due (replayed, lost or reordered).`,
      );
    }
    this.receiveSeq = (seq + 1) >>> 0;
  }
}

/** HMAC-MD5 into secret memory of its own, the digest Node returned wiped. */
function hmacInto(key: Uint8Array, data: Uint8Array): SecretBuffer {
  const mac = hmacMd5(key, data);
  const copy = copySecret(mac);
  wipe(mac);
  return copy;
}

/** RC4 of `data` into `out` (may be `data`) under `key`, which is wiped with the keystream state. */
function rc4Under(key: SecretBuffer, data: Uint8Array, out: Uint8Array): void {
  const rc4 = new Rc4(key);
  wipe(key);
  rc4.updateInto(data, out, 0);
  rc4.dispose();
}

/** The 4 direction bytes as one big-endian word. */
function directionWord(byte: number): number {
  return (byte * 0x01010101) >>> 0;
}

function hex4(tokId: number): string {
  return tokId.toString(16).padStart(4, '0');
}

function invalid(message: string): Error {
  return sspiError('SEC_E_INVALID_TOKEN', message);
}

function altered(message: string): Error {
  return sspiError('SEC_E_MESSAGE_ALTERED', message);
}
