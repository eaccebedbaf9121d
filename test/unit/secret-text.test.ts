/** UTF-8 ⇄ UTF-16LE of secrets without strings (lib/secret-text.ts), checked against Node's own conversion. */
import { acquireRequest } from '../../lib/acquire-request';
import type { EmulatedAcquireRequest } from '../../lib/backend/types';
import { randomBytes } from 'node:crypto';
import { EmulatedCredential } from '../../lib/emulated/credential';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { utf16leOfUtf8, utf8OfUtf16le } from '../../lib/secret-text';

const SAMPLES = [
  '',
  'Password',
  'SecREt01',
  'pässwörd',
  'Ωμέγα€',
  '密码',
  '\u{1F511}key\u{10348}',
  'a\u{10FFFF}z',
  '\uFFFF\u0800\u07FF',
];

describe('utf16leOfUtf8', () => {
  it.each(SAMPLES)(
    'gives what Buffer.from(text, "utf16le") gives for %j, surrogate pairs included',
    (text) => {
      expect(utf16leOfUtf8(Buffer.from(text, 'utf8'))).toEqual(Buffer.from(text, 'utf16le'));
    },
  );

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['an overlong form', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('refuses %s', (_name, bytes) => {
    expect(utf16leOfUtf8(Buffer.from(bytes))).toBeUndefined();
  });

  it('returns memory of its own, outside the shared pool and the V8 heap', () => {
    const out = utf16leOfUtf8(Buffer.from('Password'))!;
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(out.length);
  });
});

describe('utf8OfUtf16le', () => {
  it.each(SAMPLES)('gives what Buffer.from(text, "utf8") gives for %j', (text) => {
    expect(utf8OfUtf16le(Buffer.from(text, 'utf16le'))).toEqual(Buffer.from(text, 'utf8'));
  });

  it('agrees with Node on random bytes, lone surrogates and an odd last byte becoming U+FFFD', () => {
    for (let i = 0; i < 500; i++) {
      const bytes = randomBytes(1 + (i % 33));
      expect(utf8OfUtf16le(bytes)).toEqual(
        Buffer.from(bytes.toString('utf16le') + (bytes.length % 2 ? '\uFFFD' : ''), 'utf8'),
      );
    }
  });
});

describe('EmulatedCredential password', () => {
  const credential = (password: string | Buffer) =>
    new EmulatedCredential(
      acquireRequest(
        { package: 'NTLM', use: 'outbound', identity: { user: 'User', domain: 'Domain', password } },
        () => 'emulated',
      ) as EmulatedAcquireRequest,
    );

  it('hashes a UTF-8 Buffer password to the MS-NLMP 4.2.1 NT hash of "Password"', () => {
    expect(credential(Buffer.from('Password')).identity!.ntHash.toString('hex')).toBe(
      'a4f49c406510bdcab6824ee7c30fd852',
    );
  });

  it.each(SAMPLES.slice(3))(
    'hashes non-ASCII and astral %j as Node’s UTF-16LE would, Buffer or string',
    (text) => {
      const expected = ntHashOf(Buffer.from(text, 'utf16le'));
      expect(credential(Buffer.from(text, 'utf8')).identity!.ntHash).toEqual(expected);
      expect(credential(text).identity!.ntHash).toEqual(expected);
    },
  );

  it('refuses a Buffer password that is not UTF-8, without quoting it', () => {
    const err = (() => {
      try {
        credential(Buffer.from([0x61, 0xff, 0x62]));
      } catch (e) {
        return e as TypeError & { code: string };
      }
    })();
    expect(err).toBeInstanceOf(TypeError);
    expect(err!.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err!.message).not.toMatch(/a.b|61ff62/);
  });

  it('zeroes its password and NT hash on free', () => {
    const cred = credential(Buffer.from('pässwörd'));
    const { passwordUtf16, ntHash } = cred.identity!;
    cred.free();
    expect([...passwordUtf16, ...ntHash].every((b) => b === 0)).toBe(true);
  });
});
