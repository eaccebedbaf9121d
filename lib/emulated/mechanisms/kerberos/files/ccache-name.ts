/**
 * Which credential cache file MIT's tools use: KRB5CCNAME, else the Debian/MIT default
 * FILE:/tmp/krb5cc_<uid> (krb5.conf's default_ccache_name is not read here). FILE caches are
 * files; a DIR collection is a directory of FILE caches whose `primary` file names the current
 * one (MIT's dcc: `tkt` when there is no `primary`), and `DIR::/dir/tktX` one cache of it. The
 * other types live in the kernel keyring, a daemon or memory, and are refused with a sentence
 * that names them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { peerText, sspiError } from '../../../../errors';

/** The residual types MIT defines besides FILE, for the error message. */
const OTHER_TYPES = new Set(['KEYRING', 'KCM', 'MEMORY', 'MSLSA', 'API', 'WRFILE']);

/**
 * The path of the credential cache file `env` names (KRB5CCNAME as "FILE:/path", a bare path, or
 * a DIR: collection's primary cache), or /tmp/krb5cc_<uid> when it names none. SspiError
 * SEC_E_NO_CREDENTIALS for another cache type (KEYRING:, KCM:, ...), an empty path, a DIR
 * collection whose primary cannot be read, or no default on a system without uids.
 */
export function ccachePathFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  uid: number | null = process.getuid?.() ?? null,
): string {
  const name = env.KRB5CCNAME;
  if (name === undefined || name === '') {
    if (uid === null) {
      throw sspiError(
        'SEC_E_NO_CREDENTIALS',
        'No credential cache is named: set KRB5CCNAME to FILE:<path> (there is no default on this system).',
      );
    }
    return `/tmp/krb5cc_${uid}`;
  }
  // "TYPE:residual"; a one-letter prefix is a Windows drive ("C:\\..."), a name without ':' a path.
  const colon = name.indexOf(':');
  const type = colon > 1 ? name.slice(0, colon) : undefined;
  if (type === undefined) return name;
  const path = name.slice(colon + 1);
  if (type.toUpperCase() === 'DIR' && /^[A-Za-z]+$/.test(type)) return dirCollectionCache(path);
  if (type.toUpperCase() !== 'FILE' || !/^[A-Za-z]+$/.test(type)) {
    const known = OTHER_TYPES.has(type.toUpperCase()) ? '' : ' (a type MIT krb5 does not know)';
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `KRB5CCNAME names a ${peerText(type, 16)}: credential cache${known}; only FILE: caches can be read: set KRB5CCNAME to FILE:<path>.`,
    );
  }
  if (path === '') throw sspiError('SEC_E_NO_CREDENTIALS', 'KRB5CCNAME is "FILE:" with no path.');
  return path;
}

/**
 * The cache file of a DIR collection (MIT's cc_dir.c): "DIR::/dir/tktX" names one cache of the
 * collection, "DIR:/dir" its primary, the file `dir/primary` names (one line, a file name in the
 * directory), else `dir/tkt`.
 */
function dirCollectionCache(residual: string): string {
  if (residual.startsWith(':')) {
    const file = residual.slice(1);
    if (file === '' || !file.includes('/')) {
      throw sspiError('SEC_E_NO_CREDENTIALS', 'KRB5CCNAME is "DIR::" with no cache file path.');
    }
    return file;
  }
  if (residual === '') throw sspiError('SEC_E_NO_CREDENTIALS', 'KRB5CCNAME is "DIR:" with no directory.');
  let primary: string;
  try {
    primary = readFileSync(join(residual, 'primary'), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return join(residual, 'tkt');
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `The DIR credential cache collection ${peerText(residual)} has a primary file that cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`,
    );
  }
  const file = primary.split('\n', 1)[0];
  // MIT takes a name within the directory only: no separators, not empty, not "." or "..".
  if (!/^[^/\\]+$/.test(file) || file === '.' || file === '..') {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `The primary file of the DIR credential cache collection ${peerText(residual)} does not name a file in it.`,
    );
  }
  return join(residual, file);
}
