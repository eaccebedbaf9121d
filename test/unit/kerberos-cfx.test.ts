/**
 * RFC 4121 per-message tokens over the real enctypes (RFC 3962, RFC 8009): both directions,
 * sealed and signed, tokens rotated as Windows sends them (RRC 28) and with filler (EC), and
 * every way a token can be wrong.
 */
import { randomBytes } from 'node:crypto';
import { CFX_FLAG, CfxProtection, cfxCipherOf } from '../../lib/emulated/mechanisms/kerberos/cfx';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';

const AES = [
  Enctype.AES128_CTS_HMAC_SHA1_96,
  Enctype.AES256_CTS_HMAC_SHA1_96,
  Enctype.AES128_CTS_HMAC_SHA256_128,
  Enctype.AES256_CTS_HMAC_SHA384_192,
];

function pair(enctype: number, acceptorSubkey = true) {
  const profile = enctypeProfile(enctype);
  const key = profile.randomToKey(randomBytes(profile.keyLength));
  const cipher = cfxCipherOf(profile, key);
  const initiator = new CfxProtection({
    role: 'initiator',
    cipher,
    acceptorSubkey,
    sendSequence: 7n,
    receiveSequence: 900n,
  });
  const acceptor = new CfxProtection({
    role: 'acceptor',
    cipher,
    acceptorSubkey,
    sendSequence: 900n,
    receiveSequence: 7n,
  });
  return { initiator, acceptor, cipher, profile, key };
}

/** What a sender with RRC `rrc` puts on the wire for the same token (RFC 4121 4.2.5). */
function rotated(token: Buffer, rrc: number): Buffer {
  const header = Buffer.from(token.subarray(0, 16));
  const sent = token.subarray(16);
  const ours = header.readUInt16BE(6) % Math.max(sent.length, 1);
  const body = Buffer.concat([sent.subarray(ours), sent.subarray(0, ours)]); // RRC 0
  header.writeUInt16BE(rrc, 6);
  const shift = rrc % body.length;
  return Buffer.concat([header, body.subarray(body.length - shift), body.subarray(0, body.length - shift)]);
}

describe.each(AES.map((e) => [enctypeProfile(e).name, e]))('%s', (_, enctype) => {
  it('wraps and unwraps both ways, sealed and signed, in order, for messages of 0 to 100 bytes', () => {
    const { initiator, acceptor } = pair(enctype);
    for (let n = 0; n <= 100; n += 7) {
      const message = randomBytes(n);
      expect(acceptor.unwrap(initiator.wrap(message))).toEqual(message);
      expect(initiator.unwrap(acceptor.wrap(message, false))).toEqual(message);
      expect(acceptor.unwrap(initiator.wrap(message, false))).toEqual(message);
    }
  });

  it('seals: the plaintext does not appear in a sealed token, and does in a signed one', () => {
    const { initiator } = pair(enctype);
    const message = Buffer.from('a message that must not be readable on the wire');
    expect(initiator.wrap(message).includes(message)).toBe(false);
    expect(initiator.wrap(message, false).includes(message)).toBe(true);
  });

  it('seals as EncryptMessage lays out its buffers (MS-KILE 3.4.5.4.1): a fixed trailer, then the data in place', () => {
    const { initiator, acceptor, cipher } = pair(enctype);
    const rrc = 16 + cipher.checksumLength; // 28 for AES-SHA1, as Windows sends
    const trailer = 16 + rrc + 16; // header, rotated header copy and checksum, confounder
    for (const n of [0, 1, 16, 100]) {
      const token = initiator.wrap(randomBytes(n));
      expect(token.readUInt16BE(6)).toBe(rrc);
      expect(token.readUInt16BE(4)).toBe(0); // EC
      expect(token).toHaveLength(trailer + n);
      acceptor.unwrap(token);
    }
    // A signed-only token is not rotated.
    expect(initiator.wrap(Buffer.from('clear'), false).readUInt16BE(6)).toBe(0);
  });

  it('seals the plaintext from memory of its own, wiped once encrypted (it may be TSCredentials)', () => {
    const { initiator, cipher } = pair(enctype);
    const encrypt = cipher.encrypt.bind(cipher);
    const seen: Buffer[] = [];
    cipher.encrypt = (usage, plaintext) => {
      seen.push(plaintext);
      expect(plaintext.byteOffset).toBe(0);
      expect(plaintext.buffer.byteLength).toBe(plaintext.length); // not a slab of the shared pool
      return encrypt(usage, plaintext);
    };
    initiator.wrap(Buffer.from('password'));
    expect(seen).toHaveLength(1);
    expect(seen[0].every((b) => b === 0)).toBe(true);
  });

  it('takes a token rotated by any RRC (Windows: 28)', () => {
    const { initiator, acceptor } = pair(enctype);
    for (const rrc of [28, 1, 16, 1000]) {
      const message = randomBytes(33);
      expect(acceptor.unwrap(rotated(initiator.wrap(message), rrc))).toEqual(message);
      expect(acceptor.unwrap(rotated(initiator.wrap(message, false), rrc))).toEqual(message);
    }
  });

  it('takes a sealed token with filler octets after the plaintext (EC), as a sender may choose', () => {
    const { acceptor, cipher } = pair(enctype);
    const message = Buffer.from('filled');
    const header = Buffer.alloc(16);
    header.writeUInt16BE(0x0504, 0);
    header[2] = CFX_FLAG.SEALED | CFX_FLAG.ACCEPTOR_SUBKEY; // from the initiator
    header[3] = 0xff;
    header.writeUInt16BE(5, 4);
    header.writeBigUInt64BE(7n, 8);
    const body = cipher.encrypt(
      24 /* KG-USAGE-INITIATOR-SEAL */,
      Buffer.concat([message, Buffer.alloc(5, 0xaa), header]),
    );
    expect(acceptor.unwrap(Buffer.concat([header, body]))).toEqual(message);
  });

  it('signs and verifies MIC tokens both ways', () => {
    const { initiator, acceptor } = pair(enctype);
    const message = Buffer.from('mechListMIC covers this');
    acceptor.verifyMic(message, initiator.getMic(message));
    initiator.verifyMic(message, acceptor.getMic(message));
    expect(() => acceptor.verifyMic(Buffer.from('something else'), initiator.getMic(message))).toThrow(
      expect.objectContaining({ code: 'SEC_E_MESSAGE_ALTERED' }),
    );
  });
});

describe('refusals', () => {
  const enctype = Enctype.AES256_CTS_HMAC_SHA1_96;

  it('an altered byte anywhere in a sealed or signed token is SEC_E_MESSAGE_ALTERED or SEC_E_INVALID_TOKEN', () => {
    for (const confidential of [true, false]) {
      const { initiator, acceptor } = pair(enctype);
      const original = initiator.wrap(Buffer.from('pay 100 to alice'), confidential);
      for (let i = 0; i < original.length; i++) {
        const altered = Buffer.from(original);
        altered[i] ^= 0x01;
        let code: string | undefined;
        try {
          acceptor.unwrap(altered);
        } catch (err) {
          code = (err as { code?: string }).code;
        }
        expect([i, code]).toEqual([
          i,
          expect.stringMatching(/^SEC_E_(MESSAGE_ALTERED|INVALID_TOKEN|OUT_OF_SEQUENCE)$/),
        ]);
      }
      // Untouched, it still goes through: none of the refusals above moved the sequence on.
      expect(acceptor.unwrap(original).toString()).toBe('pay 100 to alice');
    }
  });

  it('a replayed or skipped token is SEC_E_OUT_OF_SEQUENCE', () => {
    const { initiator, acceptor } = pair(enctype);
    const first = initiator.wrap(Buffer.from('one'));
    const second = initiator.wrap(Buffer.from('two'));
    const third = initiator.wrap(Buffer.from('three'));
    expect(() => acceptor.unwrap(second)).toThrow(expect.objectContaining({ code: 'SEC_E_OUT_OF_SEQUENCE' }));
    expect(acceptor.unwrap(first).toString()).toBe('one');
    expect(() => acceptor.unwrap(first)).toThrow(expect.objectContaining({ code: 'SEC_E_OUT_OF_SEQUENCE' }));
    expect(acceptor.unwrap(second).toString()).toBe('two');
    expect(acceptor.unwrap(third).toString()).toBe('three');
  });

  it('a token reflected back to its sender is SEC_E_MESSAGE_ALTERED', () => {
    const { initiator } = pair(enctype);
    expect(() => initiator.unwrap(initiator.wrap(Buffer.from('x')))).toThrow(
      expect.objectContaining({ code: 'SEC_E_MESSAGE_ALTERED', message: expect.stringMatching(/reflected/) }),
    );
  });

  it('a token under another key, or claiming the other key (AcceptorSubkey), is refused', () => {
    const a = pair(enctype);
    const b = pair(enctype);
    expect(() => b.acceptor.unwrap(a.initiator.wrap(Buffer.from('x')))).toThrow(
      expect.objectContaining({ code: 'SEC_E_MESSAGE_ALTERED' }),
    );
    const noSubkey = pair(enctype, false);
    expect(() => a.acceptor.unwrap(noSubkey.initiator.wrap(Buffer.from('x')))).toThrow(
      expect.objectContaining({
        code: 'SEC_E_MESSAGE_ALTERED',
        message: expect.stringMatching(/another key/),
      }),
    );
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['15 bytes', Buffer.alloc(15)],
    ['a MIC token where a Wrap token is due', Buffer.concat([Buffer.from('0404', 'hex'), Buffer.alloc(30)])],
    ['undefined flags', Buffer.concat([Buffer.from('050408ff', 'hex'), Buffer.alloc(40)])],
  ])('%s is SEC_E_INVALID_TOKEN', (_, token) => {
    const { acceptor } = pair(enctype);
    expect(() => acceptor.unwrap(token)).toThrow(expect.objectContaining({ code: 'SEC_E_INVALID_TOKEN' }));
  });
});
