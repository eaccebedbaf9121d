/**
 * Which real peers this machine has. A missing peer skips its tests on a developer's machine and
 * fails them in CI (CI=true), so CI cannot pass by silently testing nothing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Samba's ntlm_auth (Debian package winbind). */
export const NTLM_AUTH = process.env.NTLM_AUTH ?? 'ntlm_auth';
/** The system python, which python3-gssapi and python3-samba install into (not a pyenv/venv one). */
export const PYTHON = process.env.PEER_PYTHON ?? '/usr/bin/python3';
/** The peer scripts speaking the JSON line protocol. */
export const GSS_PEER_SCRIPT = join(__dirname, '../../../scripts/peers/gss_peer.py');
export const SAMBA_GENSEC_PEER_SCRIPT = join(__dirname, '../../../scripts/peers/samba_gensec_peer.py');

export type PeerName =
  'ntlm_auth' | 'gss-ntlmssp' | 'samba-gensec' | 'winpr-hash' | 'mit-krb5' | 'python3-gssapi' | 'samba-ad-dc';

/** How to tell each peer is usable, and what installs it. */
const PROBES: Record<PeerName, { command: string; args: string[]; install: string }> = {
  ntlm_auth: { command: NTLM_AUTH, args: ['--version'], install: 'apt-get install winbind' },
  'gss-ntlmssp': {
    command: PYTHON,
    args: [
      '-c',
      // The NTLMSSP mechanism is registered with MIT GSSAPI by /etc/gss/mech.d/*.conf.
      "import gssapi, gssapi.raw as r; assert gssapi.OID.from_int_seq('1.3.6.1.4.1.311.2.2.10') in r.indicate_mechs()",
    ],
    install: 'apt-get install gss-ntlmssp python3-gssapi',
  },
  'samba-gensec': {
    command: PYTHON,
    args: ['-c', 'from samba import gensec'],
    install: 'apt-get install python3-samba (a dependency of winbind)',
  },
  // FreeRDP's hashing tool exits 1 without -u/-p, so ask the shell whether it exists.
  'winpr-hash': {
    command: 'sh',
    args: ['-c', 'command -v winpr-hash'],
    install: 'apt-get install winpr-utils',
  },
  // MIT Kerberos' KDC and tools for a throwaway realm (peers/mit-realm.ts); admin tools live in
  // /usr/sbin, often outside a user's PATH.
  'mit-krb5': {
    command: 'sh',
    args: [
      '-c',
      'PATH="$PATH:/usr/sbin:/sbin"; for t in krb5kdc kdb5_util kadmin.local kinit klist kvno ktutil; do command -v $t || exit 1; done',
    ],
    install: 'apt-get install krb5-kdc krb5-admin-server krb5-user',
  },
  // MIT's GSSAPI from python (scripts/peers/gss_peer.py with --mech krb5 or spnego).
  'python3-gssapi': {
    command: PYTHON,
    args: ['-c', 'import gssapi'],
    install: 'apt-get install python3-gssapi',
  },
  // Samba's AD DC (peers/samba-dc.ts): samba-tool provisions a domain from samba-ad-provision's
  // templates and samba runs its KDC. Provisioning chowns sysvol, so it needs root.
  'samba-ad-dc': {
    command: 'sh',
    args: [
      '-c',
      `PATH="$PATH:/usr/sbin:/sbin"; [ "$(id -u)" = 0 ] && command -v samba && command -v samba-tool && command -v kinit && test -d /usr/share/samba/setup && ${PYTHON} -c 'import samba.samdb'`,
    ],
    install: 'root, and apt-get install samba samba-ad-dc samba-ad-provision krb5-user',
  },
};

const cache = new Map<PeerName, string | null>();

/** Why `peer` cannot run here, or null when it can. */
export function peerMissing(peer: PeerName): string | null {
  if (!cache.has(peer)) {
    const probe = PROBES[peer];
    const result = spawnSync(probe.command, probe.args, { encoding: 'utf8', timeout: 15_000 });
    const ok = !result.error && result.status === 0;
    cache.set(peer, ok ? null : `${peer} is not usable here (${probe.install})`);
  }
  return cache.get(peer)!;
}

function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/**
 * `describe` when every peer named is usable; otherwise skipped, or in CI one failing test that
 * says what to install.
 */
export function describeWithPeers(peers: PeerName[], title: string, body: () => void): void {
  const missing = peers.map(peerMissing).filter((why): why is string => why !== null);
  if (missing.length === 0) {
    describe(title, body);
  } else if (inCi()) {
    describe(title, () => {
      test('has its interop peers installed (CI must not skip them)', () => {
        throw new Error(missing.join('; '));
      });
    });
  } else {
    describe.skip(`${title} (skipped: ${missing.join('; ')})`, body);
  }
}
