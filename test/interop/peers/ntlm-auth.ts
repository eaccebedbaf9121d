/**
 * Samba's ntlm_auth (package winbind) as an NTLMSSP client and acceptor, no winbindd needed.
 *
 * Client, --helper-protocol=ntlmssp-client-1:
 *   "SF <features>" → "OK"; "YR" → "YR <NEGOTIATE>"; "TT <CHALLENGE>" → "AF <AUTHENTICATE>"
 *   (or "KK"); "GK" → "GK <session key>"; "GF" → "GF 0x<negotiated flags>".
 * Acceptor, --helper-protocol=squid-2.5-ntlmssp --password=PW:
 *   "YR <NEGOTIATE>" → "TT <CHALLENGE>"; "KK <AUTHENTICATE>" → "AF DOMAIN\user" or "NA <NT status>";
 *   then "GK"/"GF" as above. It accepts any user and domain whose NTLMv2 response the one
 *   password makes (found by experiment with Samba 4.17).
 * Tokens are base64. Passwords go on argv because ntlm_auth takes them nowhere else; they are
 * test-only values.
 */
import { LineProcess } from './line-process';
import { NTLM_AUTH } from './availability';

/** The features that make the client negotiate sign and seal (MS-NLMP 2.2.2.5). */
const CLIENT_FEATURES = 'NTLMSSP_FEATURE_SESSION_KEY NTLMSSP_FEATURE_SIGN NTLMSSP_FEATURE_SEAL';

function expectPrefix(peer: LineProcess, line: string, prefixes: string[]): { prefix: string; rest: string } {
  const prefix = line.slice(0, 2);
  if (!prefixes.includes(prefix) || (line.length > 2 && line[2] !== ' ')) {
    throw peer.failure(`answered "${line}", expected ${prefixes.join(' or ')}`);
  }
  return { prefix, rest: line.slice(3) };
}

async function sessionInfo(peer: LineProcess): Promise<{ sessionKey: Buffer; flags: number }> {
  const key = expectPrefix(peer, await peer.request('GK'), ['GK']).rest;
  const flags = expectPrefix(peer, await peer.request('GF'), ['GF']).rest;
  return { sessionKey: Buffer.from(key, 'base64'), flags: Number.parseInt(flags, 16) >>> 0 };
}

/** ntlm_auth as the NTLMSSP initiator. */
export class NtlmAuthClient {
  private readonly peer: LineProcess;

  constructor(identity: { user: string; domain: string; password: string }, configFile: string) {
    this.peer = new LineProcess(
      NTLM_AUTH,
      [
        `--configfile=${configFile}`,
        '--helper-protocol=ntlmssp-client-1',
        `--username=${identity.user}`,
        `--domain=${identity.domain}`,
        `--password=${identity.password}`,
      ],
      { label: 'ntlm_auth client' },
    );
  }

  /** The NEGOTIATE_MESSAGE, asking for sign, seal and a session key. */
  async negotiate(): Promise<Buffer> {
    expectPrefix(this.peer, await this.peer.request(`SF ${CLIENT_FEATURES}`), ['OK']);
    return Buffer.from(expectPrefix(this.peer, await this.peer.request('YR'), ['YR']).rest, 'base64');
  }

  /** The AUTHENTICATE_MESSAGE answering `challenge`. */
  async authenticate(challenge: Buffer): Promise<Buffer> {
    const answer = await this.peer.request(`TT ${challenge.toString('base64')}`);
    return Buffer.from(expectPrefix(this.peer, answer, ['AF', 'KK']).rest, 'base64');
  }

  /** The session key (ExportedSessionKey) and negotiated flags once authenticated. */
  session(): Promise<{ sessionKey: Buffer; flags: number }> {
    return sessionInfo(this.peer);
  }

  close(): Promise<void> {
    return this.peer.close();
  }
}

/** ntlm_auth as the NTLMSSP acceptor, checking every user against one password. */
export class NtlmAuthAcceptor {
  private readonly peer: LineProcess;

  constructor(password: string, configFile: string) {
    this.peer = new LineProcess(
      NTLM_AUTH,
      [`--configfile=${configFile}`, '--helper-protocol=squid-2.5-ntlmssp', `--password=${password}`],
      { label: 'ntlm_auth acceptor' },
    );
  }

  /** The CHALLENGE_MESSAGE answering `negotiate`. */
  async challenge(negotiate: Buffer): Promise<Buffer> {
    const answer = await this.peer.request(`YR ${negotiate.toString('base64')}`);
    return Buffer.from(expectPrefix(this.peer, answer, ['TT']).rest, 'base64');
  }

  /** The verdict on an AUTHENTICATE_MESSAGE: the user ntlm_auth logged on, or its NT status. */
  async authenticate(
    authenticate: Buffer,
  ): Promise<{ accepted: true; user: string } | { accepted: false; reason: string }> {
    const answer = await this.peer.request(`KK ${authenticate.toString('base64')}`);
    const { prefix, rest } = expectPrefix(this.peer, answer, ['AF', 'NA', 'BH']);
    return prefix === 'AF'
      ? { accepted: true, user: rest }
      : { accepted: false, reason: `${prefix} ${rest}` };
  }

  /** The session key (ExportedSessionKey) and negotiated flags once authenticated. */
  session(): Promise<{ sessionKey: Buffer; flags: number }> {
    return sessionInfo(this.peer);
  }

  close(): Promise<void> {
    return this.peer.close();
  }
}
