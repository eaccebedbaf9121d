/**
 * NTLMv2 key derivation (MS-NLMP 3.3.2, 3.4.5): pure functions from the NT hash to the keys that
 * sign and seal. NTLMv1 and LM are deliberately absent: nothing here can produce them.
 */
import { digestOf } from '../../crypto/digest';
import { HmacMd5Key, hmacMd5 } from '../../crypto/hmac-md5';
import { md4 } from '../../crypto/md4';
import { rc4Once } from '../../crypto/rc4';
import { wipe } from '../../../secret';

/** Which side derives a key: the spec's Mode ("Client" / "Server") of SIGNKEY and SEALKEY. */
export type NtlmMode = 'client' | 'server';

/**
 * ResponseKeyNT (or ResponseKeyLM) as bytes, or keyed once with responseKeyNTFor() when one
 * authentication computes several HMACs under it (NTProofStr, LMv2, SessionBaseKey).
 */
export type ResponseKey = Buffer | HmacMd5Key;

function hmacUnder(key: ResponseKey, ...parts: Buffer[]): Buffer {
  return key instanceof HmacMd5Key ? key.mac(...parts) : hmacMd5(key, ...parts);
}

const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * Uppercase as Windows' RtlUpcaseUnicodeString does: one code point to one code point. JavaScript's
 * toUpperCase applies full case mapping ('ß' becomes 'SS'), which would hash a different string.
 */
export function upcaseUnicode(text: string): string {
  // ASCII, what user and domain names nearly always are, maps one to one under toUpperCase.
  if (ASCII_ONLY.test(text)) return text.toUpperCase();
  let out = '';
  for (const ch of text) {
    const upper = ch.toUpperCase();
    out += upper.length === ch.length ? upper : ch;
  }
  return out;
}

/** NTOWFv1 (MS-NLMP 3.3.1): MD4 of the UTF-16LE password, the "NT hash". */
export function ntHashOf(passwordUtf16le: Buffer): Buffer {
  return md4(passwordUtf16le);
}

/**
 * NTOWFv2 (MS-NLMP 3.3.2): HMAC_MD5(NT hash, UNICODE(Uppercase(User) + UserDom)). Only the user
 * is uppercased; the domain is hashed as given. This is ResponseKeyNT (and ResponseKeyLM).
 */
export function ntowfV2(ntHash: Buffer, user: string, domain: string): Buffer {
  return hmacMd5(ntHash, Buffer.from(upcaseUnicode(user) + domain, 'utf16le'));
}

/**
 * ntowfV2() keyed for the HMACs that follow it in one authentication (MS-NLMP 3.3.2): the key's
 * HMAC pad midstates are computed once. The caller disposes it; the bytes are zeroed here.
 */
export function responseKeyNTFor(ntHash: Buffer, user: string, domain: string): HmacMd5Key {
  const responseKeyNT = ntowfV2(ntHash, user, domain);
  try {
    return new HmacMd5Key(responseKeyNT);
  } finally {
    wipe(responseKeyNT);
  }
}

/** Length of "temp" (MS-NLMP 3.3.2) around AV pairs of `avPairsLength` bytes. */
export function ntlmV2ClientChallengeLength(avPairsLength: number): number {
  return 28 + avPairsLength + 4;
}

/**
 * The NTLMv2 client challenge structure "temp" (MS-NLMP 2.2.2.7, 3.3.2): RespType 1,
 * HiRespType 1, Z(6), Time, ClientChallenge, Z(4), the AV pairs (ending in MsvAvEOL), Z(4).
 */
export function ntlmV2ClientChallenge(timestamp: Buffer, clientChallenge: Buffer, avPairs: Buffer): Buffer {
  const temp = Buffer.allocUnsafe(ntlmV2ClientChallengeLength(avPairs.length));
  writeNtlmV2ClientChallenge(temp, 0, timestamp, clientChallenge, avPairs);
  return temp;
}

/**
 * ntlmV2ClientChallenge() written into `out` at `at`, every byte of it (so `out` may come from
 * Buffer.allocUnsafe), for the initiator to lay out NTProofStr || temp in one allocation.
 */
export function writeNtlmV2ClientChallenge(
  out: Buffer,
  at: number,
  timestamp: Buffer,
  clientChallenge: Buffer,
  avPairs: Buffer,
): void {
  out.fill(0, at, at + 28);
  out[at] = 1;
  out[at + 1] = 1;
  timestamp.copy(out, at + 8, 0, 8);
  clientChallenge.copy(out, at + 16, 0, 8);
  const end = at + 28 + avPairs.copy(out, at + 28);
  out.fill(0, end, end + 4);
}

/** NTProofStr (MS-NLMP 3.3.2): HMAC_MD5(ResponseKeyNT, ServerChallenge || temp). */
export function ntProofStr(responseKeyNT: ResponseKey, serverChallenge: Buffer, temp: Buffer): Buffer {
  return hmacUnder(responseKeyNT, serverChallenge, temp);
}

/**
 * The LMv2 response (MS-NLMP 3.3.2): HMAC_MD5(ResponseKeyLM, ServerChallenge || ClientChallenge)
 * followed by ClientChallenge. Sent only when the server gave no MsvAvTimestamp.
 */
export function lmV2Response(
  responseKeyLM: ResponseKey,
  serverChallenge: Buffer,
  clientChallenge: Buffer,
): Buffer {
  return Buffer.concat([hmacUnder(responseKeyLM, serverChallenge, clientChallenge), clientChallenge]);
}

/** SessionBaseKey for NTLMv2 (MS-NLMP 3.3.2): HMAC_MD5(ResponseKeyNT, NTProofStr). */
export function sessionBaseKeyV2(responseKeyNT: ResponseKey, proof: Buffer): Buffer {
  return hmacUnder(responseKeyNT, proof);
}

/** KXKEY (MS-NLMP 3.4.5.1): with NTLMv2 the key exchange key is the session base key itself. */
export function keyExchangeKeyV2(sessionBaseKey: Buffer): Buffer {
  return Buffer.from(sessionBaseKey);
}

/** RC4K (MS-NLMP 6): one-shot RC4 of `data` under `key`, with a fresh keystream. */
export function rc4k(key: Buffer, data: Buffer): Buffer {
  return rc4Once(key, data);
}

/**
 * The key exchange of MS-NLMP 3.1.5.1.2 / 3.2.5.1.2: the client picks ExportedSessionKey at random
 * and sends EncryptedRandomSessionKey = RC4K(KeyExchangeKey, ExportedSessionKey). Encryption and
 * decryption are the same RC4 operation; this names the server's direction.
 */
export function exportedSessionKeyFrom(keyExchangeKey: Buffer, encryptedRandomSessionKey: Buffer): Buffer {
  return rc4k(keyExchangeKey, encryptedRandomSessionKey);
}

const SIGN_MAGIC: Record<NtlmMode, Buffer> = {
  client: Buffer.from('session key to client-to-server signing key magic constant\0', 'latin1'),
  server: Buffer.from('session key to server-to-client signing key magic constant\0', 'latin1'),
};
const SEAL_MAGIC: Record<NtlmMode, Buffer> = {
  client: Buffer.from('session key to client-to-server sealing key magic constant\0', 'latin1'),
  server: Buffer.from('session key to server-to-client sealing key magic constant\0', 'latin1'),
};

/**
 * SIGNKEY (MS-NLMP 3.4.5.2) with extended session security: MD5(ExportedSessionKey || magic),
 * where the magic names the direction the key signs ("client" = client-to-server).
 */
export function signKey(exportedSessionKey: Buffer, mode: NtlmMode): Buffer {
  return digestOf('md5', exportedSessionKey, SIGN_MAGIC[mode]);
}

/**
 * SEALKEY (MS-NLMP 3.4.5.3) with extended session security and NTLMSSP_NEGOTIATE_128: the full
 * 128-bit MD5(ExportedSessionKey || magic). The 56- and 40-bit variants are never needed because
 * both our contexts refuse to negotiate less than 128-bit keys.
 */
export function sealKey(exportedSessionKey: Buffer, mode: NtlmMode): Buffer {
  return digestOf('md5', exportedSessionKey, SEAL_MAGIC[mode]);
}
