/**
 * The Ticket-Granting Service exchange (RFC 4120 3.3), without sockets: a service ticket, or a
 * forwarded TGT for delegation, from a TGT. The TGS-REQ carries PA-TGS-REQ (5.4.1, 7.5.2): an
 * AP-REQ with the TGT whose Authenticator, encrypted in the TGT's session key under key usage 7,
 * holds a checksum of the KDC-REQ-BODY's bytes keyed with that key under usage 6 (3.3.1), and
 * optionally a subkey. The TGS-REP's enc-part is decrypted with the subkey under usage 9 when we
 * sent one, else with the session key under usage 8 (3.3.4), and checked as the AS-REP is.
 *
 * The request goes to the KDC the TGT is for (krbtgt/REALM: REALM's). A service of another
 * realm may come back as a referral, a TGT of that KDC for the next realm on the way
 * (RFC 4120 3.3.1, RFC 6806 8); with `acceptReferrals` the exchange yields it, and the caller,
 * seeing referralRealm(), asks that realm's KDC with it.
 */
import { sspiError } from '../../../../errors';
import { copySecret, wipe, type SecretBuffer } from '../../../../secret';
import { enctypeProfile, type EnctypeProfile } from '../crypto/enctypes';
import { isKerberosCryptoError } from '../crypto/crypto-error';
import { KeyUsage } from '../crypto/key-usage';
import { encodeApReq, encodeAuthenticator } from '../messages/ap';
import { KdcOption, MessageType, NameType, PaType, TicketFlag } from '../messages/constants';
import { parseEncKdcRepPart } from '../messages/kdc-rep';
import { encodeKdcReq, encodeKdcReqBody } from '../messages/kdc-req';
import type { EncryptionKey, KdcRep, KdcReqBody } from '../messages/types';
import type { KdcStep } from './as-exchange';
import { badReply, credentialOf, nameOf, tgsRealmOf, type KdcCredential } from './credential';
import { readKdcReply, refusalOf } from './kdc-reply';
import {
  environmentOf,
  kerberosTimeOf,
  newNonce,
  offeredEtypes,
  type ExchangeEnvironment,
} from './request-parts';
import type { RealmPrincipal } from './spn';

/** What a TGS exchange needs. */
export interface TgsExchangeOptions extends ExchangeEnvironment {
  /** The TGT; borrowed, never wiped here (its session key is copied for the reply). */
  tgt: KdcCredential;
  /** The service (its realm must be the TGT's). */
  server: RealmPrincipal;
  /** Extra KDCOptions; FORWARDABLE is added when the TGT is forwardable, as MIT does. */
  kdcOptions?: number;
  /** Send a fresh subkey in the Authenticator (the reply then comes under it). */
  useSubkey?: boolean;
  /** Offer rc4-hmac session keys too. */
  allowRc4?: boolean;
  /** Accept a referral (a TGT for another realm) in place of the service; see referralRealm(). */
  acceptReferrals?: boolean;
}

/** One TGS exchange; single use. The caller disposes the ticket it yields. */
export class TgsExchange {
  private readonly env: Required<ExchangeEnvironment>;
  private nonce = 0;
  private subkey: EncryptionKey | undefined;
  /**
   * The key the reply comes under: the subkey, or a copy of the TGT's session key taken at
   * start(), since the store may replace (and wipe) that TGT while the KDC answers.
   */
  private replyKey: EncryptionKey | undefined;
  private state: 'new' | 'sent' | 'over' = 'new';

  constructor(private readonly options: TgsExchangeOptions) {
    this.env = environmentOf(options);
  }

  /** The realm whose KDC the request goes to: the one the TGT is for (krbtgt/REALM). */
  get kdcRealm(): string {
    return tgsRealmOf(this.options.tgt);
  }

  /** The TGS-REQ. */
  start(): Buffer {
    if (this.state !== 'new') throw new Error('TgsExchange.start() called twice');
    this.state = 'sent';
    const { tgt, server } = this.options;
    this.nonce = newNonce(this.env.randomBytes);
    const forwardable = tgt.flags & TicketFlag.FORWARDABLE ? KdcOption.FORWARDABLE : 0;
    const body: KdcReqBody = {
      kdcOptions: (this.options.kdcOptions ?? 0) | forwardable,
      realm: server.realm,
      sname: server.name,
      // As MIT: the service ticket may live as long as the TGT.
      till: tgt.endtime,
      nonce: this.nonce,
      etype: offeredEtypes(this.options.allowRc4),
    };
    const bodyBytes = encodeKdcReqBody(body);
    const apReq = this.apReq(bodyBytes);
    return encodeKdcReq({
      msgType: MessageType.TGS_REQ,
      padata: [{ padataType: PaType.TGS_REQ, padataValue: apReq }],
      reqBody: { ...body, encoded: bodyBytes },
    });
  }

  /** Take the TGS-REP (or KRB-ERROR): the ticket, or the SspiError the refusal maps to. */
  receive(reply: Buffer): KdcStep {
    if (this.state !== 'sent') throw new Error('TgsExchange.receive() called with no request outstanding');
    try {
      const read = readKdcReply(reply, MessageType.TGS_REP);
      if (read.error)
        throw refusalOf(read.error, {
          exchange: 'TGS',
          client: nameOf(this.options.tgt.client),
          server: nameOf(this.options.server),
        });
      return { credential: this.credentialOf(read.rep) };
    } finally {
      this.dispose();
    }
  }

  /** End the exchange: wipe the subkey or the session key's copy. Idempotent. */
  dispose(): void {
    this.state = 'over';
    if (this.replyKey) wipe(this.replyKey.keyValue);
  }

  /** PA-TGS-REQ's AP-REQ (RFC 4120 5.5.1) over the body's bytes. */
  private apReq(bodyBytes: Buffer): Buffer {
    const { tgt } = this.options;
    const sessionKey = tgt.key;
    const profile = sessionKeyProfile(tgt);
    if (this.options.useSubkey) {
      const random = this.env.randomBytes(profile.keyLength);
      this.subkey = { keyType: sessionKey.keyType, keyValue: profile.randomToKey(random) };
      wipe(random);
    }
    this.replyKey = this.subkey ?? { keyType: sessionKey.keyType, keyValue: copySecret(sessionKey.keyValue) };
    const { time, usec } = kerberosTimeOf(this.env.now());
    // Written into secret memory (it holds the subkey), wiped once encrypted.
    const plaintext = encodeAuthenticator({
      crealm: tgt.client.realm,
      cname: tgt.client.name,
      cksum: {
        cksumType: profile.checksumType,
        checksum: profile.checksum(sessionKey.keyValue, KeyUsage.TGS_REQ_AUTHENTICATOR_CKSUM, bodyBytes),
      },
      cusec: usec,
      ctime: time,
      subkey: this.subkey,
    });
    try {
      const cipher = profile.encrypt(sessionKey.keyValue, KeyUsage.TGS_REQ_AUTHENTICATOR, plaintext);
      return encodeApReq({
        apOptions: 0,
        ticket: tgt.ticket,
        authenticator: { etype: sessionKey.keyType, cipher },
      });
    } finally {
      wipe(plaintext);
    }
  }

  /** Decrypt and check the TGS-REP (RFC 4120 3.3.4). */
  private credentialOf(rep: KdcRep): KdcCredential {
    const key = this.replyKey!;
    const usage = this.subkey ? KeyUsage.TGS_REP_ENC_PART_SUBKEY : KeyUsage.TGS_REP_ENC_PART_SESSION_KEY;
    if (rep.encPart.etype !== key.keyType)
      throw badReply(
        'TGS-REP',
        `its enc-part is in etype ${rep.encPart.etype}, not our key's ${key.keyType}`,
      );
    let plaintext: SecretBuffer;
    try {
      plaintext = enctypeProfile(key.keyType).decrypt(key.keyValue, usage, rep.encPart.cipher);
    } catch (err) {
      if (isKerberosCryptoError(err))
        throw badReply('TGS-REP', `its enc-part does not decrypt (${err.message})`);
      throw err;
    }
    try {
      return credentialOf(rep, parseEncKdcRepPart(plaintext), {
        what: 'TGS-REP',
        nonce: this.nonce,
        client: this.options.tgt.client,
        server: this.options.server,
        etypes: offeredEtypes(this.options.allowRc4),
        referralsFrom: this.options.acceptReferrals ? this.kdcRealm : undefined,
      });
    } finally {
      wipe(plaintext);
    }
  }
}

/** The enctype of the TGT's session key; SEC_E_NO_CREDENTIALS for one we do not run (an old ccache's DES). */
function sessionKeyProfile(tgt: KdcCredential): EnctypeProfile {
  let profile: EnctypeProfile;
  try {
    profile = enctypeProfile(tgt.key.keyType);
  } catch (err) {
    if (!isKerberosCryptoError(err, 'unsupported')) throw err;
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `The session key of ${nameOf(tgt.server)} is of etype ${tgt.key.keyType}, which we do not support.`,
    );
  }
  if (tgt.key.keyValue.length !== profile.keyLength)
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `The session key of ${nameOf(tgt.server)} is not a key of its etype.`,
    );
  return profile;
}

/** Whether `tgt` may be forwarded (its FORWARDABLE flag, RFC 4120 2.6). */
export function canForward(tgt: KdcCredential): boolean {
  return (tgt.flags & TicketFlag.FORWARDABLE) !== 0;
}

/**
 * The TGS exchange for a forwarded TGT (RFC 4120 2.6, kdc-option FORWARDED): a new
 * krbtgt/REALM ticket with no addresses, for a delegation's KRB-CRED. SEC_E_NO_CREDENTIALS when
 * the TGT is not forwardable (callers check {@link canForward} first, as Windows then simply
 * does not delegate).
 */
export function forwardedTgtExchange(
  tgt: KdcCredential,
  env: ExchangeEnvironment & { allowRc4?: boolean } = {},
): TgsExchange {
  if (!canForward(tgt))
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      `The TGT of ${nameOf(tgt.client)} is not forwardable: it cannot be delegated.`,
    );
  const realm = tgsRealmOf(tgt);
  return new TgsExchange({
    ...env,
    tgt,
    server: { name: { nameType: NameType.SRV_INST, nameString: ['krbtgt', realm] }, realm },
    kdcOptions: KdcOption.FORWARDED,
  });
}
