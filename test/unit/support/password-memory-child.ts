/**
 * Run by password-memory.test.ts in a process of its own (node --expose-gc): acquire with a Buffer
 * password, a full CredSSP handshake with delegation, query the delegated password, delete and
 * free everything, collect garbage, then scan this process's whole readable memory
 * (/proc/self/mem) for the password in UTF-8 and UTF-16LE. The password reaches us as hex and is
 * kept masked (XOR with random bytes) so that the scan's own pattern is not found; only the
 * Buffer given to acquireCredentialsHandle holds it in the clear, and the caller (we) zeroes it.
 * Prints one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import * as sspi from '../../../lib';
import { handshake } from '../../loopback/helpers';

/**
 * Hex to bytes, XOR `mask` when given, one byte at a time (no Buffer.from(hex) of the clear text),
 * into an ArrayBuffer of their own: as a careful caller would hold a password, where the garbage
 * collector cannot copy it (lib/secret.ts says why).
 */
function fromHex(hex: string, mask?: Buffer): Buffer {
  const out = Buffer.from(new ArrayBuffer(hex.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16) ^ (mask ? mask[i] : 0);
  return out;
}

function maskedEquals(bytes: Buffer | undefined, masked: Buffer, mask: Buffer): boolean {
  if (bytes === undefined || bytes.length !== masked.length) return false;
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] ^ mask[i]) !== masked[i]) return false;
  return true;
}

/** Where in our readable memory the masked pattern occurs, by mapping. */
function scan(masked: Buffer, mask: Buffer): string[] {
  const hits: string[] = [];
  const chunk = Buffer.allocUnsafeSlow(1 << 22);
  const first = masked[0] ^ mask[0];
  const fd = openSync('/proc/self/mem', 'r');
  try {
    for (const line of readFileSync('/proc/self/maps', 'latin1').split('\n')) {
      const [range, perms, , , , name = ''] = line.split(/\s+/);
      if (!range || perms[0] !== 'r' || name === '[vvar]' || name === '[vsyscall]') continue;
      const [start, end] = range.split('-').map((h) => parseInt(h, 16));
      for (let at = start; at < end; at += chunk.length - masked.length) {
        let got = 0;
        try {
          got = readSync(fd, chunk, 0, Math.min(chunk.length, end - at), at);
        } catch {
          break;
        }
        for (
          let i = chunk.indexOf(first, 0);
          i >= 0 && i + masked.length <= got;
          i = chunk.indexOf(first, i + 1)
        ) {
          let k = 1;
          while (k < masked.length && (chunk[i + k] ^ mask[k]) === masked[k]) k++;
          if (k === masked.length) hits.push(`${perms} ${name || '[anon]'}`);
        }
        if (got < chunk.length) break;
      }
    }
  } finally {
    closeSync(fd);
  }
  chunk.fill(0);
  return hits;
}

async function main(): Promise<void> {
  const utf8Hex = process.env.PASSWORD_UTF8_HEX!;
  const utf16Hex = process.env.PASSWORD_UTF16_HEX!;
  const mask8 = randomBytes(utf8Hex.length / 2);
  const mask16 = randomBytes(utf16Hex.length / 2);
  const masked8 = fromHex(utf8Hex, mask8);
  const masked16 = fromHex(utf16Hex, mask16);

  const callersPassword = fromHex(utf8Hex);
  const clientCred = await sspi.acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: 'LAB', password: callersPassword },
  });
  callersPassword.fill(0); // the caller's Buffer is the caller's to zero
  const serverCred = await sspi.acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'inbound',
    emulated: { users: { alice: { ntHash: fromHex(process.env.NT_HASH_HEX!) } } },
  });
  const { client, server } = await handshake(clientCred, serverCred, { flags: sspi.ISC_REQ.DELEGATE });
  const delegated = (await sspi.queryContextAttributes(server.context, 'delegatedCredentials')) as {
    password: Buffer;
    passwordUtf16le?: Buffer;
  };
  const delegatedMatches =
    maskedEquals(delegated.password, masked8, mask8) &&
    maskedEquals(delegated.passwordUtf16le, masked16, mask16);
  await sspi.deleteSecurityContext(client.context);
  await sspi.deleteSecurityContext(server.context);
  await sspi.freeCredentialsHandle(clientCred);
  await sspi.freeCredentialsHandle(serverCred);
  const zeroedOnDelete = [delegated.password, delegated.passwordUtf16le].every((b) =>
    b?.every((x) => x === 0),
  );
  for (let i = 0; i < 4; i++) {
    global.gc!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const report = {
    delegatedMatches,
    zeroedOnDelete,
    utf8Hits: scan(masked8, mask8),
    utf16Hits: scan(masked16, mask16),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ error: String(err?.stack ?? err) })}\n`);
});
