/**
 * The Kerberos GSS initiator (RFC 4121 4.1; RFC 4120 3.2), sans-IO: the package has the service
 * ticket and its session key in hand (from a ccache or its own TGS exchange) and gives them here.
 *   1. step(null) → InitialContextToken { AP-REQ }: the authenticator carries the 0x8003 checksum
 *      (channel-binding hash, GSS flags, a forwarded TGT), a fresh subkey and a sequence number.
 *   2. With mutual authentication, step(AP-REP) checks the acceptor knew the session key (its
 *      EncAPRepPart echoes our ctime and cusec) and takes its subkey and sequence number. A
 *      KRB-ERROR in its place fails with the status Windows reports for it.
 * Without mutual authentication the context is complete after the first leg.
 */
import { sspiError } from '../../../errors';
import { copySecret, wipe, type SecretBuffer } from '../../../secret';
import type { ContextLifetime, MechanismContext, MechanismStep } from '../mechanism-context';
import { KerberosContextBase, identityOf } from './context';
import type { BoundKey } from './crypto/bound-key';
import { Enctype, enctypeProfile, type EnctypeProfile } from './crypto/enctypes';
import { randomSecret, randomUint32 } from './crypto/random-pool';
import { KeyUsage } from './crypto/key-usage';
import { asSspiError, sspiErrorOfKrbError } from './errors';
import { encodeApReq, encodeAuthenticator, parseApRep, parseEncApRepPart } from './messages/ap';
import { ApOption, GSS_CHECKSUM_TYPE, GssFlag, GssTokenId } from './messages/constants';
import {
  channelBindingsHash,
  encodeGssChecksum,
  wrapInitialContextToken,
  type ChannelBindings,
} from './messages/gss-token';
import { parseKrbError } from './messages/krb-error';
import type { EncApRepPart, EncryptionKey, PrincipalName, Ticket } from './messages/types';
import { readContextToken } from './token-framing';

/** The GSS flags this mechanism can grant (RFC 4121 4.1.1.1); others asked for are dropped. */
const GRANTABLE_FLAGS =
  GssFlag.DELEG | GssFlag.MUTUAL | GssFlag.REPLAY | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG;

export interface KerberosInitiatorOptions {
  /** The service ticket. */
  ticket: Ticket;
  /** Its session key; copied in, the caller's copy stays the caller's. */
  sessionKey: EncryptionKey;
  /** The ticket's validity, from the KDC's reply (or the ccache) that gave it; the context's lifetime. */
  ticketLifetime?: ContextLifetime;
  /** The client principal and realm the ticket was issued to. */
  cname: PrincipalName;
  crealm: string;
  /** GSS_C_* flags wanted (GssFlag: MUTUAL, DELEG, REPLAY, SEQUENCE, CONF, INTEG). */
  flags: number;
  /**
   * The channel bindings (TLS: applicationData 'tls-server-end-point:' and the certificate hash,
   * RFC 5929); their MD5 goes into the checksum (RFC 4121 4.1.1.2).
   */
  channelBindings?: ChannelBindings;
  /** A KRB-CRED forwarding a TGT, sent when `flags` has DELEG (RFC 4121 4.1.1.1). */
  delegation?: Buffer;
  /** The clock; default the system's. */
  now?: () => Date;
}

type Phase = 'initial' | 'awaiting-ap-rep';

export class KerberosInitiator extends KerberosContextBase implements MechanismContext {
  private phase: Phase = 'initial';
  private readonly profile: EnctypeProfile;
  /** The session key, bound: the AP-REQ's authenticator and the AP-REP share its derived-key cipher. */
  private readonly ticketSessionKey: BoundKey;
  private subkey: SecretBuffer | undefined;
  private sentAuthenticator: { ctime: Date; cusec: number; seqNumber: number } | undefined;

  constructor(private readonly options: KerberosInitiatorOptions) {
    super();
    this.profile = enctypeProfileOrThrow(options.sessionKey.keyType);
    if (options.sessionKey.keyValue.length !== this.profile.keyLength)
      throw sspiError('SEC_E_NO_KERB_KEY', `The session key is not a ${this.profile.name} key.`);
    this.ticketSessionKey = this.profile.bind(options.sessionKey.keyValue);
    this.identityValue = identityOf(options.cname, options.crealm);
    this.lifetimeValue = options.ticketLifetime;
  }

  step(input: Buffer | null): MechanismStep {
    return this.runStep(() => {
      if (this.phase === 'initial') {
        if (input && input.length > 0)
          throw sspiError('SEC_E_INVALID_TOKEN', 'The Kerberos initiator’s first step takes no token.');
        return this.apReq();
      }
      if (!input || input.length === 0)
        throw sspiError('SEC_E_INVALID_TOKEN', 'Expected the service’s AP-REP, but got no token.');
      return this.apRep(input);
    });
  }

  /** RFC 4121 4.1.1: the authenticator with the 0x8003 checksum, a subkey and a sequence number. */
  private apReq(): MechanismStep {
    const { options, profile } = this;
    let flags = options.flags & GRANTABLE_FLAGS;
    if (!options.delegation) flags &= ~GssFlag.DELEG;
    const mutual = (flags & GssFlag.MUTUAL) !== 0;
    const checksum = encodeGssChecksum({
      bindingsHash: channelBindingsHash(options.channelBindings),
      flags,
      delegation: flags & GssFlag.DELEG ? options.delegation : undefined,
    });
    const random = randomSecret(profile.keyLength);
    this.subkey = profile.randomToKey(random);
    wipe(random);
    this.secrets.push(this.subkey);
    const now = (options.now ?? (() => new Date()))();
    const ctime = new Date(Math.floor(now.getTime() / 1000) * 1000);
    // Microseconds: the clock's milliseconds and three random digits, so that two authenticators
    // made within one millisecond still differ for the acceptor's replay cache.
    const cusec = (now.getTime() % 1000) * 1000 + (randomUint32() % 1000);
    // 30 bits, as MIT draws it: some peers read the 32-bit field as signed.
    const seqNumber = randomUint32() & 0x3fffffff;
    const plain = encodeAuthenticator({
      crealm: options.crealm,
      cname: options.cname,
      cksum: { cksumType: GSS_CHECKSUM_TYPE, checksum },
      cusec,
      ctime,
      subkey: { keyType: profile.enctype, keyValue: this.subkey },
      seqNumber,
    });
    let cipher: Buffer;
    try {
      cipher = this.ticketSessionKey.encrypt(KeyUsage.AP_REQ_AUTHENTICATOR, plain);
    } finally {
      wipe(plain);
    }
    const apReq = encodeApReq({
      apOptions: mutual ? ApOption.MUTUAL_REQUIRED : 0,
      ticket: options.ticket,
      authenticator: { etype: profile.enctype, cipher },
    });
    this.flagsValue = flags;
    this.sentAuthenticator = { ctime, cusec, seqNumber };
    const output = wrapInitialContextToken(GssTokenId.AP_REQ, apReq);
    if (mutual) {
      this.phase = 'awaiting-ap-rep';
      return { output, complete: false };
    }
    // No AP-REP: the acceptor's first sequence number is ours (RFC 4121 4.2.6, as MIT does).
    this.ticketSessionKey.dispose();
    this.establish(
      {
        key: copySecret(this.subkey),
        keyType: profile.enctype,
        acceptorSubkey: false,
        sendSequence: seqNumber,
        receiveSequence: seqNumber,
      },
      'initiator',
    );
    return { output, complete: true };
  }

  /** RFC 4120 3.2.5 and 5.5.2: the AP-REP must decrypt with the session key and echo our authenticator. */
  private apRep(token: Buffer): MechanismStep {
    const { tokId, inner } = readContextToken(token, 'The service’s reply');
    if (tokId === GssTokenId.KRB_ERROR) throw sspiErrorOfKrbError(parseKrbError(inner), 'The service');
    if (tokId !== GssTokenId.AP_REP)
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        `Expected an AP-REP from the service (TOK_ID 0200), not ${tokId.toString(16).padStart(4, '0')}.`,
      );
    const part = this.decryptApRep(inner);
    // Wiped with the context's other secrets, whether or not the checks below pass.
    if (part.subkey) this.secrets.push(part.subkey.keyValue);
    const sent = this.sentAuthenticator!;
    if (part.ctime.getTime() !== sent.ctime.getTime() || part.cusec !== sent.cusec) {
      throw sspiError(
        'SEC_E_MUTUAL_AUTH_FAILED',
        'The service’s AP-REP does not echo this authenticator’s time: it answers another request.',
      );
    }
    let key: SecretBuffer;
    let keyType: number;
    // An rc4-hmac acceptor subkey over our rc4-hmac subkey is not taken: RFC 4757 tokens have no
    // AcceptorSubkey flag, and MIT's initiator keeps its own key then, so a peer that sends one
    // cannot mean it for the tokens.
    const ignoredSubkey =
      part.subkey?.keyType === Enctype.RC4_HMAC && this.profile.enctype === Enctype.RC4_HMAC;
    if (part.subkey && !ignoredSubkey) {
      const subkeyProfile = enctypeProfileOrThrow(part.subkey.keyType);
      if (part.subkey.keyValue.length !== subkeyProfile.keyLength)
        throw sspiError('SEC_E_INVALID_TOKEN', `The service’s subkey is not a ${subkeyProfile.name} key.`);
      key = part.subkey.keyValue;
      keyType = subkeyProfile.enctype;
    } else {
      key = copySecret(this.subkey!);
      keyType = this.profile.enctype;
    }
    this.establish(
      {
        key,
        keyType,
        acceptorSubkey: part.subkey !== undefined && !ignoredSubkey,
        sendSequence: sent.seqNumber,
        receiveSequence: part.seqNumber ?? 0,
      },
      'initiator',
    );
    return { output: Buffer.alloc(0), complete: true };
  }

  private decryptApRep(inner: Buffer): EncApRepPart {
    let plain: SecretBuffer | undefined;
    try {
      const apRep = parseApRep(inner);
      if (apRep.encPart.etype !== this.profile.enctype)
        throw sspiError(
          'SEC_E_MUTUAL_AUTH_FAILED',
          `The service’s AP-REP is encrypted with etype ${apRep.encPart.etype}, not the session key’s.`,
        );
      plain = this.ticketSessionKey.decrypt(KeyUsage.AP_REP_ENC_PART, apRep.encPart.cipher);
      // The parser copies the subkey into secret memory of its own: it outlives `plain`.
      return parseEncApRepPart(plain);
    } catch (err) {
      throw asSspiError(err, 'The service’s AP-REP', 'SEC_E_MUTUAL_AUTH_FAILED');
    } finally {
      wipe(plain);
      // The session key's work is done: the context runs on a subkey from here.
      this.ticketSessionKey.dispose();
    }
  }

  override dispose(): void {
    this.ticketSessionKey.dispose();
    super.dispose();
  }
}

function enctypeProfileOrThrow(enctype: number): EnctypeProfile {
  try {
    return enctypeProfile(enctype);
  } catch (err) {
    throw asSspiError(err, 'The Kerberos key');
  }
}
