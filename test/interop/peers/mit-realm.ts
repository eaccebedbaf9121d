/**
 * A throwaway MIT Kerberos realm for interop tests: a KDC database in a temp dir, `krb5kdc` on a
 * free port of 127.0.0.1 (UDP and TCP), and the admin tools (kadmin.local, kinit, klist, kvno,
 * ktutil) run with an environment that points at it. Nothing outside the temp dir is touched:
 * the caller's process.env is never changed, and child processes get `realm.env`.
 * Needs krb5-kdc, krb5-admin-server and krb5-user (scripts/bench/mit-reference.sh does the same
 * by hand).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, stopServer, waitForListen } from './listen';

/** MIT's enctype names; the realm's supported_enctypes when none are asked for. */
export const DEFAULT_MIT_ENCTYPES = [
  'aes256-cts-hmac-sha1-96',
  'aes128-cts-hmac-sha1-96',
  'aes256-cts-hmac-sha384-192',
  'aes128-cts-hmac-sha256-128',
];

/** How long the KDC may take to listen, and one admin command to finish. */
const START_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 15_000;

export interface MitRealmOptions {
  /** The realm's name; default 'MIT.TEST'. */
  realm?: string;
  /** supported_enctypes, MIT names ('aes256-cts-hmac-sha1-96', optionally ':salttype'). */
  enctypes?: string[];
  /**
   * krb5.conf's allow_rc4 (KDC and clients): MIT's KDC issues rc4-hmac session keys, and its
   * client takes them, only with it (MIT 1.21, and the CVE-2025-3576 fix in older releases).
   */
  allowRc4?: boolean;
}

export interface MitRealm {
  readonly realm: string;
  /** The temp dir holding the database, configs, keytabs and ccaches; removed by stop(). */
  readonly dir: string;
  readonly port: number;
  /** '127.0.0.1:port' */
  readonly kdc: string;
  /** For child processes: KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5RCACHEDIR, KRB5CCNAME, PATH. */
  readonly env: Record<string, string>;
  readonly krb5ConfPath: string;
  /** addprinc with a password. */
  addUser(name: string, password: string): Promise<void>;
  /** addprinc -randkey for 'HTTP/host', exported to a keytab of its own; its path. */
  addService(spn: string): Promise<string>;
  /**
   * Export `principal`'s keys to `keytabPath` (appending). Keeps the current keys (-norandkey) so a
   * password's keys stay what string-to-key gives; `{ randomize: true }` is kadmin's default.
   */
  ktadd(principal: string, keytabPath: string, opts?: { randomize?: boolean }): Promise<void>;
  /** kinit into a ccache of the user's own in the realm's dir; its path. */
  kinit(user: string, password: string): Promise<string>;
  /** kadmin.local -q `query`; its stdout. */
  kadmin(query: string): Promise<string>;
  /** Run one of MIT's tools (klist, kvno, ktutil, ...) in the realm's environment, plus `env`. */
  run(
    tool: string,
    args: string[],
    input?: string,
    env?: Record<string, string>,
  ): Promise<{ stdout: string; stderr: string }>;
  /** Kill the KDC and remove the dir. */
  stop(): Promise<void>;
}

/** Where MIT's tools are (admin tools live in /usr/sbin, often outside a user's PATH). */
function searchPath(): string {
  return [process.env.PATH ?? '', '/usr/sbin', '/sbin', '/usr/bin'].filter(Boolean).join(delimiter);
}

/** The full path of `tool`, or an error naming the package that installs it. */
export function findMitTool(tool: string): string {
  for (const dir of searchPath().split(delimiter)) {
    const candidate = join(dir, tool);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  const pkg = ['krb5kdc', 'kdb5_util'].includes(tool)
    ? 'krb5-kdc'
    : tool === 'kadmin.local'
      ? 'krb5-admin-server'
      : 'krb5-user';
  throw new Error(`MIT Kerberos' ${tool} is not installed (apt-get install ${pkg})`);
}

function runTool(
  tool: string,
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<{ stdout: string; stderr: string }> {
  const command = findMitTool(tool);
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env, timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) {
          const shown = redact(`${tool} ${args.join(' ')} failed: ${error.message.trim()} ${stderr.trim()}`);
          reject(new Error(shown));
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
    // A tool that reads no input (klist) may exit before the write: its status tells, not EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** A kadmin query's password, kept out of error messages. */
function redact(text: string): string {
  return text.replace(/-pw \S+/g, '-pw ***');
}

/** kadmin.local -q splits its query at blanks: a name or password must have none (nor quotes). */
function oneWord(value: string, what: string): string {
  if (!/^[^\s"'\\]+$/.test(value))
    throw new Error(`a ${what} for kadmin.local -q must be one word: ${what === 'password' ? '***' : value}`);
  return value;
}

function writeConfigs(dir: string, realm: string, port: number, enctypes: string[], allowRc4: boolean): void {
  const kdc = `127.0.0.1:${port}`;
  writeFileSync(
    join(dir, 'krb5.conf'),
    `[libdefaults]
 default_realm = ${realm}
 dns_lookup_kdc = false
 dns_lookup_realm = false
 dns_canonicalize_hostname = false
 rdns = false
 allow_weak_crypto = true
 forwardable = true
${allowRc4 ? ' allow_rc4 = true\n' : ''}[realms]
 ${realm} = {
  kdc = ${kdc}
  admin_server = ${kdc}
 }
`,
  );
  const supported = enctypes.map((e) => (e.includes(':') ? e : `${e}:normal`)).join(' ');
  writeFileSync(
    join(dir, 'kdc.conf'),
    `[kdcdefaults]
 kdc_listen = ${kdc}
 kdc_tcp_listen = ${kdc}
[realms]
 ${realm} = {
  database_name = ${join(dir, 'principal')}
  key_stash_file = ${join(dir, 'stash')}
  acl_file = ${join(dir, 'kadm5.acl')}
  supported_enctypes = ${supported}
  max_life = 10h
  max_renewable_life = 7d
 }
[logging]
 kdc = FILE:${join(dir, 'kdc.log')}
`,
  );
  writeFileSync(join(dir, 'kadm5.acl'), '');
}

/** Create the realm's database and start its KDC. */
export async function startMitRealm(opts: MitRealmOptions = {}): Promise<MitRealm> {
  const realm = opts.realm ?? 'MIT.TEST';
  const krb5kdc = findMitTool('krb5kdc');
  for (const tool of ['kdb5_util', 'kadmin.local', 'kinit']) findMitTool(tool);
  const dir = mkdtempSync(join(tmpdir(), 'mit-realm-'));
  let kdcProcess: ChildProcess | undefined;
  try {
    const port = await freePort();
    writeConfigs(dir, realm, port, opts.enctypes ?? DEFAULT_MIT_ENCTYPES, opts.allowRc4 ?? false);
    const env: Record<string, string> = {
      PATH: searchPath(),
      KRB5_CONFIG: join(dir, 'krb5.conf'),
      KRB5_KDC_PROFILE: join(dir, 'kdc.conf'),
      KRB5RCACHEDIR: dir,
      KRB5CCNAME: `FILE:${join(dir, 'ccache')}`,
      KRB5_KTNAME: `FILE:${join(dir, 'default.keytab')}`,
      KRB5_CLIENT_KTNAME: `FILE:${join(dir, 'client.keytab')}`,
    };
    const master = randomBytes(18).toString('base64');
    await runTool('kdb5_util', ['create', '-s', '-r', realm, '-P', master], env);
    let kdcStderr = '';
    const child = spawn(krb5kdc, ['-n', '-P', join(dir, 'kdc.pid')], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    kdcProcess = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (kdcStderr = (kdcStderr + chunk).slice(-4000)));
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    await waitForListen(port, child, 'krb5kdc', () => kdcStderr, START_TIMEOUT_MS);
    return makeRealm(realm, dir, port, env, child, exited);
  } catch (err) {
    kdcProcess?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function makeRealm(
  realm: string,
  dir: string,
  port: number,
  env: Record<string, string>,
  kdcProcess: ChildProcess,
  kdcExited: Promise<void>,
): MitRealm {
  const kadmin = async (query: string): Promise<string> => {
    const { stdout, stderr } = await runTool('kadmin.local', ['-r', realm, '-q', query], env);
    // kadmin.local -q reports a failed query on stderr only ('get_principal: Principal does not
    // exist while ...'), exiting 0; stderr's other lines are notices.
    const failure = stderr
      .split('\n')
      .find((line) => line.trim() !== '' && !/^(No policy specified|WARNING|Authenticating)/i.test(line));
    if (failure) throw new Error(redact(`kadmin.local -q "${query}": ${failure.trim()}`));
    return stdout;
  };
  const ktadd = async (principal: string, keytabPath: string, o?: { randomize?: boolean }): Promise<void> => {
    await kadmin(`ktadd -k ${keytabPath}${o?.randomize ? '' : ' -norandkey'} ${principal}`);
  };
  let stopped = false;
  return {
    realm,
    dir,
    port,
    kdc: `127.0.0.1:${port}`,
    env,
    krb5ConfPath: env.KRB5_CONFIG,
    kadmin,
    ktadd,
    async addUser(name, password) {
      await kadmin(`addprinc -pw ${oneWord(password, 'password')} ${oneWord(name, 'name')}`);
    },
    async addService(spn) {
      await kadmin(`addprinc -randkey ${spn}`);
      const keytab = join(dir, `${spn.replace(/[^A-Za-z0-9.-]/g, '_')}.keytab`);
      await ktadd(spn, keytab);
      return keytab;
    },
    async kinit(user, password) {
      const ccache = join(dir, `cc_${user.replace(/[^A-Za-z0-9.-]/g, '_')}`);
      await runTool('kinit', ['-c', `FILE:${ccache}`, user], env, `${password}\n`);
      return ccache;
    },
    run(tool, args, input, extraEnv) {
      return runTool(tool, args, { ...env, ...extraEnv }, input);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer(kdcProcess, kdcExited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
