/**
 * Which credential cache file MIT's tools use: KRB5CCNAME, else the Debian/MIT default
 * FILE:/tmp/krb5cc_<uid> (krb5.conf's default_ccache_name is not read here). Only the FILE type
 * is a file we can read; the others live in the kernel keyring, a directory collection, a daemon
 * or memory, and are refused with a sentence that names them.
 */
import { peerText, sspiError } from '../../../../errors';

/** The residual types MIT defines besides FILE, for the error message. */
const OTHER_TYPES = new Set(['DIR', 'KEYRING', 'KCM', 'MEMORY', 'MSLSA', 'API', 'WRFILE']);

/**
 * The path of the FILE: credential cache `env` names (KRB5CCNAME as "FILE:/path" or a bare path),
 * or /tmp/krb5cc_<uid> when it names none. SspiError SEC_E_NO_CREDENTIALS for another cache type
 * (KEYRING:, DIR:, KCM:, ...), an empty path, or no default on a system without uids.
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
