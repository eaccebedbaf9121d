/**
 * A throwaway Samba AD DC for interop tests: a domain provisioned in a temp dir (no DNS, tdb
 * store, the fastest provisioning that works), and only its KDC started (`server services =
 * kdc`, one process) on free ports of 127.0.0.1, so no port 88 and no root-owned state outside
 * the dir. Accounts are made with samba-tool and scripts/peers/samba_modify.py; MIT's kinit and
 * python3-gssapi reach the KDC through `dc.env`. The caller's process.env is never changed.
 * Needs root (provisioning chowns sysvol) and samba, samba-ad-dc, samba-ad-provision, krb5-user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PYTHON } from './availability';
import { freePort, stopServer, waitForListen } from './listen';

/** How long the KDC may take to listen, and one command (a provision) to finish. */
const START_TIMEOUT_MS = 15_000;
const COMMAND_TIMEOUT_MS = 90_000;
const SAMBA_MODIFY_SCRIPT = join(__dirname, '../../../scripts/peers/samba_modify.py');

/** msDS-SupportedEncryptionTypes bits (MS-KILE 2.2.7). */
export const SupportedEnctypes = { RC4: 0x4, AES128: 0x8, AES256: 0x10 } as const;

export interface SambaDcOptions {
  /** The DNS realm; AD upper-cases it. Default 'SAMBA.TEST'. */
  realm?: string;
  /** The NetBIOS domain; default 'SAMBA'. */
  domain?: string;
}

export interface SambaDc {
  /** The realm, upper-cased as the KDC names it. */
  readonly realm: string;
  readonly domain: string;
  /** The temp dir holding the domain, smb.conf, krb5.conf, keytabs and ccaches; removed by stop(). */
  readonly dir: string;
  /** '127.0.0.1:port', the KDC (UDP and TCP). */
  readonly kdc: string;
  /** For MIT's tools and python3-gssapi: KRB5_CONFIG, KRB5CCNAME, KRB5RCACHEDIR, PATH. */
  readonly env: Record<string, string>;
  /** samba-tool with this domain's smb.conf; its stdout. */
  sambaTool(args: string[]): Promise<string>;
  /** A user account with a password. */
  addUser(name: string, password: string): Promise<void>;
  /** A computer account `NAME$` with a password of ours (samba-tool gives it a random one). */
  addComputer(name: string, password: string): Promise<void>;
  /** Set an account's msDS-SupportedEncryptionTypes (`SupportedEnctypes` bits). */
  setSupportedEnctypes(account: string, mask: number): Promise<void>;
  /** `samba-tool domain exportkeytab` of one principal into a keytab of its own; its path. */
  exportKeytab(principal: string): Promise<string>;
  /** MIT's kinit into a ccache of the user's own in the dir; its path. */
  kinit(user: string, password: string): Promise<string>;
  /** Kill the KDC and remove the dir. */
  stop(): Promise<void>;
}

/** samba lives in /usr/sbin, often outside a user's PATH. */
function searchPath(): string {
  return [process.env.PATH ?? '', '/usr/sbin', '/sbin', '/usr/bin'].filter(Boolean).join(delimiter);
}

/**
 * Run `command`; its stdout. A failure names the command and its first argument only (the others
 * may be passwords, throwaway as they are) and quotes its stderr.
 */
function run(command: string, args: string[], env: Record<string, string>, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env, timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8', maxBuffer: 4 << 20 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(`${command} ${args[0]} … failed: ${error.message.split('\n')[0]} ${stderr.trim()}`),
          );
        else resolve(stdout);
      },
    );
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

function writeKrb5Conf(path: string, realm: string, kdc: string): void {
  writeFileSync(
    path,
    `[libdefaults]
 default_realm = ${realm}
 dns_lookup_kdc = false
 dns_lookup_realm = false
 dns_canonicalize_hostname = false
 rdns = false
 allow_weak_crypto = true
[realms]
 ${realm} = {
  kdc = ${kdc}
 }
`,
  );
}

/** Provision the domain and start its KDC. */
export async function startSambaDc(opts: SambaDcOptions = {}): Promise<SambaDc> {
  const realm = (opts.realm ?? 'SAMBA.TEST').toUpperCase();
  const domain = opts.domain ?? 'SAMBA';
  const dir = mkdtempSync(join(tmpdir(), 'samba-dc-'));
  const smbConf = join(dir, 'etc', 'smb.conf');
  const env: Record<string, string> = {
    PATH: searchPath(),
    KRB5_CONFIG: join(dir, 'krb5.conf'),
    KRB5CCNAME: `FILE:${join(dir, 'ccache')}`,
    KRB5RCACHEDIR: dir,
  };
  let kdcProcess: ChildProcess | undefined;
  try {
    const port = await freePort();
    let kpasswdPort = await freePort();
    while (kpasswdPort === port) kpasswdPort = await freePort();
    const kdc = `127.0.0.1:${port}`;
    writeKrb5Conf(env.KRB5_CONFIG, realm, kdc);
    // Everything the DC needs goes into its smb.conf, so samba-tool and samba read the same.
    const options = [
      'interfaces = lo',
      'bind interfaces only = yes',
      'server services = kdc',
      `krb5 port = ${port}`,
      `kpasswd port = ${kpasswdPort}`,
      `log file = ${join(dir, 'log.%m')}`,
      `pid directory = ${dir}`,
    ];
    await run(
      'samba-tool',
      [
        'domain',
        'provision',
        `--realm=${realm}`,
        `--domain=${domain}`,
        '--server-role=dc',
        '--dns-backend=NONE',
        // Only the throwaway domain's administrator; no test logs on as it.
        '--adminpass=Adm1n-throwaway-Pass',
        `--targetdir=${dir}`,
        ...options.map((option) => `--option=${option}`),
      ],
      env,
    );
    let output = '';
    // -i: in the foreground, logging to stdout; it quits when its stdin closes, so a test
    // process that dies takes the KDC with it.
    const child = spawn('samba', ['-i', '-M', 'single', '-s', smbConf], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    kdcProcess = child;
    const keep = (chunk: string) => (output = (output + chunk).slice(-4000));
    child.stdout?.setEncoding('utf8').on('data', keep);
    child.stderr?.setEncoding('utf8').on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    await waitForListen(port, child, 'samba', () => output, START_TIMEOUT_MS);
    return makeDc({ realm, domain, dir, kdc, env, smbConf }, child, exited);
  } catch (err) {
    kdcProcess?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function makeDc(
  dc: Pick<SambaDc, 'realm' | 'domain' | 'dir' | 'kdc' | 'env'> & { smbConf: string },
  kdcProcess: ChildProcess,
  kdcExited: Promise<void>,
): SambaDc {
  const { dir, env, smbConf } = dc;
  const sambaTool = (args: string[]) => run('samba-tool', [...args, '-s', smbConf], env);
  let stopped = false;
  return {
    realm: dc.realm,
    domain: dc.domain,
    dir,
    kdc: dc.kdc,
    env,
    sambaTool,
    async addUser(name, password) {
      await sambaTool(['user', 'create', name, password]);
    },
    async addComputer(name, password) {
      await sambaTool(['computer', 'create', name]);
      await sambaTool(['user', 'setpassword', `${name}$`, `--newpassword=${password}`]);
    },
    async setSupportedEnctypes(account, mask) {
      await run(
        PYTHON,
        [SAMBA_MODIFY_SCRIPT, smbConf, account, 'msDS-SupportedEncryptionTypes', String(mask)],
        env,
      );
    },
    async exportKeytab(principal) {
      const path = join(dir, `${principal.replace(/[^A-Za-z0-9.-]/g, '_')}.keytab`);
      rmSync(path, { force: true });
      await sambaTool(['domain', 'exportkeytab', path, `--principal=${principal}`]);
      return path;
    },
    async kinit(user, password) {
      const ccache = join(dir, `cc_${user.replace(/[^A-Za-z0-9.-]/g, '_')}`);
      await run('kinit', ['-c', `FILE:${ccache}`, user], env, `${password}\n`);
      return ccache;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopServer(kdcProcess, kdcExited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
