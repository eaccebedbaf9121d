/**
 * The python peers (scripts/peers/gss_peer.py: gss-ntlmssp or MIT Kerberos through python3-gssapi, and
 * scripts/peers/samba_gensec_peer.py: Samba's gensec NTLMSSP client), which speak one JSON object
 * per line with base64 payloads; see the scripts' docstrings for the protocol.
 */
import { GSS_PEER_SCRIPT, PYTHON, SAMBA_GENSEC_PEER_SCRIPT } from './availability';
import { LineProcess } from './line-process';

/** One leg's answer. */
export interface PeerStep {
  token: Buffer | null;
  complete: boolean;
  /**
   * Set on completion: on an acceptor the initiator's name as it saw it ('DOMAIN\\user',
   * 'alice@REALM'); on a Kerberos initiator the target's.
   */
  peer?: string;
  /** Set on completion: the SSPI session key. */
  sessionKey?: Buffer;
  /** Set on completion (gss_peer.py): the negotiated mechanism's dotted OID. */
  mech?: string;
  /** Set on completion (gss_peer.py): the GSS context flags, by name ('mutual_authentication', ...). */
  flagNames?: string[];
  /** Set on an acceptor's completion (gss_peer.py): whether a delegated credential arrived. */
  delegated?: boolean;
}

/** How MIT's Kerberos under python3-gssapi runs (scripts/peers/gss_peer.py). */
export interface MitGssOptions {
  /** The realm's environment (MitRealm.env), with KRB5CCNAME (initiator) or KRB5_KTNAME (acceptor). */
  env: Record<string, string>;
  /** Initiator: the target, 'HTTP@host'. */
  target?: string;
  /** Initiator: request delegation. */
  deleg?: boolean;
  /** Acceptor: store a delegated credential into this ccache file. */
  storeDelegated?: string;
}

/** The peer refused (or broke); `reason` is its GSS or NT status text. */
export class PeerRefused extends Error {
  constructor(readonly reason: string) {
    super(`the peer refused: ${reason}`);
    this.name = 'PeerRefused';
  }
}

interface Answer {
  token?: string | null;
  complete?: boolean;
  peer?: string;
  sessionKey?: string;
  wrapped?: string;
  unwrapped?: string;
  confidential?: boolean;
  mic?: string;
  verified?: boolean;
  mech?: string;
  flagNames?: string[];
  delegated?: boolean;
  error?: string;
  ready?: boolean;
}

export type Identity = { user: string; domain: string; password: string };

export class JsonPeer {
  private constructor(private readonly process: LineProcess) {}

  /**
   * gss-ntlmssp as the initiator, logging on with the one entry of `userFile` (see writeUserFile):
   * its default credentials, the only ones its SPNEGO can negotiate with.
   */
  static gssInitiator(mech: 'ntlm' | 'spnego', userFile: string): JsonPeer {
    return new JsonPeer(
      new LineProcess(PYTHON, [GSS_PEER_SCRIPT, '--role', 'initiator', '--mech', mech], {
        label: `gss-ntlmssp ${mech} initiator`,
        env: { NTLM_USER_FILE: userFile },
      }),
    );
  }

  /** gss-ntlmssp as the acceptor, taking the users of `userFile` ('DOMAIN:USER:PASSWORD' lines). */
  static gssAcceptor(mech: 'ntlm' | 'spnego', userFile: string): JsonPeer {
    return new JsonPeer(
      new LineProcess(PYTHON, [GSS_PEER_SCRIPT, '--role', 'acceptor', '--mech', mech], {
        label: `gss-ntlmssp ${mech} acceptor`,
        env: { NTLM_USER_FILE: userFile },
      }),
    );
  }

  /**
   * MIT's GSSAPI as the initiator, raw Kerberos or SPNEGO, from the ccache in `options.env`'s
   * KRB5CCNAME; NTLM is kept out (no NTLM_USER_FILE).
   */
  static mitInitiator(mech: 'krb5' | 'spnego', options: MitGssOptions): JsonPeer {
    const args = ['--role', 'initiator', '--mech', mech, '--target', options.target ?? 'HTTP@localhost'];
    if (options.deleg) args.push('--deleg');
    return new JsonPeer(
      new LineProcess(PYTHON, [GSS_PEER_SCRIPT, ...args], {
        label: `MIT ${mech} initiator`,
        env: { ...options.env, NTLM_USER_FILE: undefined },
      }),
    );
  }

  /** MIT's GSSAPI as the acceptor, with the keys of the keytab in `options.env`'s KRB5_KTNAME. */
  static mitAcceptor(mech: 'krb5' | 'spnego', options: MitGssOptions): JsonPeer {
    const args = ['--role', 'acceptor', '--mech', mech];
    if (options.storeDelegated) args.push('--store-deleg', options.storeDelegated);
    return new JsonPeer(
      new LineProcess(PYTHON, [GSS_PEER_SCRIPT, ...args], {
        label: `MIT ${mech} acceptor`,
        env: { ...options.env, NTLM_USER_FILE: undefined },
      }),
    );
  }

  /** Samba's gensec NTLMSSP client, logging on as `identity`. */
  static sambaInitiator(identity: Identity, sambaConfig: string): JsonPeer {
    return new JsonPeer(
      new LineProcess(PYTHON, [SAMBA_GENSEC_PEER_SCRIPT], {
        label: 'samba gensec initiator',
        env: {
          PEER_USER: identity.user,
          PEER_DOMAIN: identity.domain,
          PEER_PASSWORD: identity.password,
          SAMBA_CONFIG: sambaConfig,
        },
      }),
    );
  }

  /** The first line: an initiator's first token, or an acceptor's readiness. */
  async start(): Promise<PeerStep> {
    return this.toStep(await this.read());
  }

  /** Feed the peer's next token in; its answer out. Rejects PeerRefused if it refuses. */
  async step(token: Buffer): Promise<PeerStep> {
    return this.toStep(await this.ask({ token: token.toString('base64') }));
  }

  /** gss_wrap with confidentiality (an NTLM sealed message: 16-byte signature, then the data). */
  async wrap(data: Buffer): Promise<Buffer> {
    const answer = await this.ask({ wrap: data.toString('base64') });
    if (answer.wrapped === undefined || answer.confidential !== true) {
      throw this.process.failure('did not seal the message');
    }
    return Buffer.from(answer.wrapped, 'base64');
  }

  /** gss_wrap without confidentiality: the data in clear, signed. */
  async wrapSigned(data: Buffer): Promise<Buffer> {
    const answer = await this.ask({ wrap: data.toString('base64'), conf: false });
    if (answer.wrapped === undefined || answer.confidential !== false) {
      throw this.process.failure('sealed a message asked for integrity only');
    }
    return Buffer.from(answer.wrapped, 'base64');
  }

  /** gss_get_mic over `data`. */
  async getMic(data: Buffer): Promise<Buffer> {
    const answer = await this.ask({ getMic: data.toString('base64') });
    if (answer.mic === undefined) throw this.process.failure('gave no MIC');
    return Buffer.from(answer.mic, 'base64');
  }

  /** gss_verify_mic of `mic` over `data`; rejects PeerRefused when it does not verify. */
  async verifyMic(data: Buffer, mic: Buffer): Promise<void> {
    const answer = await this.ask({ verifyMic: data.toString('base64'), mic: mic.toString('base64') });
    if (answer.verified !== true) throw this.process.failure('did not say the MIC verified');
  }

  /** gss_unwrap; also says whether the message was sealed (not only signed). */
  async unwrap(message: Buffer): Promise<{ data: Buffer; confidential: boolean }> {
    const answer = await this.ask({ unwrap: message.toString('base64') });
    if (answer.unwrapped === undefined) throw this.process.failure('gave no unwrapped message');
    return {
      data: Buffer.from(answer.unwrapped ?? '', 'base64'),
      confidential: answer.confidential === true,
    };
  }

  close(): Promise<void> {
    return this.process.close();
  }

  get transcript(): string[] {
    return this.process.transcript;
  }

  private async ask(request: object): Promise<Answer> {
    this.process.send(JSON.stringify(request));
    return this.read();
  }

  private async read(): Promise<Answer> {
    const line = await this.process.nextLine();
    let answer: Answer;
    try {
      answer = JSON.parse(line) as Answer;
    } catch {
      throw this.process.failure(`printed a line that is not JSON: ${line}`);
    }
    if (answer.error !== undefined) throw new PeerRefused(answer.error);
    return answer;
  }

  private toStep(answer: Answer): PeerStep {
    return {
      token: answer.token ? Buffer.from(answer.token, 'base64') : null,
      complete: answer.complete === true,
      peer: answer.peer,
      sessionKey: answer.sessionKey ? Buffer.from(answer.sessionKey, 'base64') : undefined,
      mech: answer.mech,
      flagNames: answer.flagNames,
      delegated: answer.delegated,
    };
  }
}
