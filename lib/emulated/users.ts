/**
 * Who may log on to an emulated acceptor: the `users` option turned into one lookup from
 * (user, domain) to an NT hash. User and domain names compare case-insensitively, as Windows does.
 */
import { readFileSync } from 'node:fs';
import type { UsersOption } from '../backend/types';
import { sspiError } from '../errors';
import { ntHashOf } from './mechanisms/ntlm/keys';
import { copySecret, secretOfString, wipe, wipeAll } from '../secret';

/** Returns the NT hash (NTOWFv1) of a user, or undefined when the user is unknown. */
export type NtHashLookup = (user: string, domain: string) => Buffer | undefined;

interface Entry {
  user: string;
  /** Upper-cased domain; undefined matches any domain. */
  domain: string | undefined;
  ntHash: Buffer;
}

/** A lookup over the option, and a way to zero the hashes it holds. */
export interface UserTable {
  lookup: NtHashLookup;
  dispose(): void;
}

export function makeUserTable(users: UsersOption): UserTable {
  if (typeof users === 'function') return { lookup: users, dispose: () => undefined };
  const entries =
    'samFile' in users && typeof users.samFile === 'string'
      ? parseSamFile(users.samFile)
      : entriesFromRecord(users as Record<string, string | { ntHash: Buffer }>);
  return {
    lookup(user, domain) {
      const u = user.toUpperCase();
      const d = domain.toUpperCase();
      // An entry for the exact domain wins over one that matches any domain.
      const exact = entries.find((e) => e.user === u && e.domain === d);
      const any = entries.find((e) => e.user === u && e.domain === undefined);
      return (exact ?? any)?.ntHash;
    },
    dispose() {
      wipeAll(entries.map((e) => e.ntHash));
    },
  };
}

function entriesFromRecord(record: Record<string, string | { ntHash: Buffer }>): Entry[] {
  return Object.entries(record).map(([key, value]) => {
    const slash = key.indexOf('\\');
    const user = (slash >= 0 ? key.slice(slash + 1) : key).toUpperCase();
    const domain = slash >= 0 ? key.slice(0, slash).toUpperCase() : undefined;
    return {
      user,
      domain,
      ntHash: typeof value === 'string' ? ntHashOfString(value) : copySecret(value.ntHash),
    };
  });
}

/** The NT hash of a password the caller gave as a string, via a UTF-16LE copy wiped at once. */
function ntHashOfString(password: string): Buffer {
  const utf16 = secretOfString(password, 'utf16le');
  try {
    return ntHashOf(utf16);
  } finally {
    wipe(utf16);
  }
}

/**
 * Lines `user:domain:LM:NT:::` as FreeRDP's `winpr-hash -f sam` writes them; an empty domain
 * matches any domain. Blank lines and `#` comments are skipped.
 */
export function parseSamFile(path: string): Entry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `Cannot read the SAM file ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const entries: Entry[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const fields = line.split(':');
    const nt = fields[3] ?? '';
    if (fields.length < 4 || fields[0] === '' || !/^[0-9a-fA-F]{32}$/.test(nt)) {
      // The line number only: the line itself holds a hash.
      throw sspiError(
        'SEC_E_NO_CREDENTIALS',
        `SAM file ${JSON.stringify(path)}, line ${index + 1}: expected user:domain:LM:NT:::`,
      );
    }
    entries.push({
      user: fields[0].toUpperCase(),
      domain: fields[1] === '' ? undefined : fields[1].toUpperCase(),
      ntHash: secretOfString(nt, 'hex'),
    });
  });
  return entries;
}
