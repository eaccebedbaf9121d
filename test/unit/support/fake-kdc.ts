/**
 * A KDC in the test process, made of the message codecs and the enctype table: it answers AS-REQs
 * (with or without requiring PA-ENC-TIMESTAMP) and TGS-REQs (checking the PA-TGS-REQ's ticket,
 * authenticator and body checksum as a real KDC does), and lets a test bend each answer: another
 * nonce, another sname, a flipped byte, a KRB-ERROR of its choice.
 */
import { randomBytes } from 'node:crypto';
import { enctypeProfile, Enctype } from '../../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import { parseApReq, parseAuthenticator } from '../../../lib/emulated/mechanisms/kerberos/messages/ap';
import {
  encodeEtypeInfo2,
  encodeMethodData,
  parseEncryptedData,
  parsePaEncTsEnc,
} from '../../../lib/emulated/mechanisms/kerberos/messages/common';
import {
  KdcOption,
  KrbErrorCode,
  NameType,
  PaType,
  TicketFlag,
} from '../../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  encodeEncKdcRepPart,
  encodeKdcRep,
} from '../../../lib/emulated/mechanisms/kerberos/messages/kdc-rep';
import { parseKdcReq } from '../../../lib/emulated/mechanisms/kerberos/messages/kdc-req';
import { encodeKrbError } from '../../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import {
  encodeEncTicketPart,
  encodeTicket,
  parseEncTicketPart,
} from '../../../lib/emulated/mechanisms/kerberos/messages/ticket';
import type {
  EncKdcRepPart,
  EtypeInfo2Entry,
  KdcRep,
  KdcReq,
  PaData,
  PrincipalName,
} from '../../../lib/emulated/mechanisms/kerberos/messages/types';

export interface FakeUser {
  password: string;
  /** The etypes the user has keys in, the KDC's preference first. */
  etypes: number[];
  /** The salt the keys were made with; the default (realm + name) when absent. */
  salt?: string;
  s2kParams?: Buffer;
}

/** What a test may change in the next replies. */
export interface Bend {
  nonce?: number;
  sname?: PrincipalName;
  /** The srealm of the reply's enc-part. */
  srealm?: string;
  cname?: PrincipalName;
  /** Flip a byte of the enc-part's ciphertext. */
  tamper?: boolean;
  /** Answer every request with this KRB-ERROR code. */
  error?: number;
  eText?: string;
  /** The e-data of that KRB-ERROR. */
  eData?: Buffer;
  /** Encrypt the reply's enc-part with this etype's key (the user's), whatever was asked. */
  replyEtype?: number;
  /** ETYPE-INFO2 entries to send instead of the user's own. */
  etypeInfo2?: EtypeInfo2Entry[];
  /** The ticket's endtime, seconds from now. */
  lifetimeSeconds?: number;
  /** The session key's etype, whatever the request offered. */
  sessionEtype?: number;
  /** No ETYPE-INFO2 in an AS-REP without preauth; PA-PW-SALT instead when set. */
  pwSalt?: string;
}

export class FakeKdc {
  readonly krbtgtKey = randomBytes(32);
  readonly users = new Map<string, FakeUser>();
  /** Service name ('HTTP/web.test') → its aes256 key. */
  readonly services = new Map<string, Buffer>();
  /** Services trusted for delegation: their tickets carry ok-as-delegate. */
  readonly okAsDelegate = new Set<string>();
  requirePreauth = true;
  bend: Bend = {};
  readonly requests: KdcReq[] = [];
  /** The session keys handed out, newest last. */
  readonly sessionKeys: Buffer[] = [];
  now = () => new Date();

  constructor(readonly realm = 'FAKE.TEST') {}

  /** The user's long-term key for `etype`. */
  userKey(name: string, etype: number): Buffer {
    const user = this.users.get(name)!;
    const salt = user.salt ?? `${this.realm}${name.split('/').join('')}`;
    return enctypeProfile(etype).stringToKey(Buffer.from(user.password), Buffer.from(salt), user.s2kParams);
  }

  /** Answer one request, as a KDC would. */
  handle(bytes: Buffer): Buffer {
    const req = parseKdcReq(bytes);
    this.requests.push(req);
    if (this.bend.error !== undefined) return this.error(this.bend.error, this.bend.eText, this.bend.eData);
    return req.msgType === 10 ? this.as(req) : this.tgs(req);
  }

  private as(req: KdcReq): Buffer {
    const name = req.reqBody.cname!.nameString.join('/');
    const user = this.users.get(name);
    if (!user) return this.error(KrbErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN);
    const etype = user.etypes.find((e) => req.reqBody.etype.includes(e));
    if (etype === undefined) return this.error(KrbErrorCode.KDC_ERR_ETYPE_NOSUPP);
    const info: EtypeInfo2Entry[] = this.bend.etypeInfo2 ?? [
      { etype, salt: user.salt, s2kParams: user.s2kParams },
    ];
    const timestamp = req.padata?.find((p) => p.padataType === PaType.ENC_TIMESTAMP);
    if (this.requirePreauth && !timestamp) {
      const eData = encodeMethodData([
        { padataType: PaType.ETYPE_INFO2, padataValue: encodeEtypeInfo2(info) },
        { padataType: PaType.ENC_TIMESTAMP, padataValue: Buffer.alloc(0) },
      ]);
      return this.error(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED, undefined, eData);
    }
    if (timestamp) {
      const enc = parseEncryptedData(timestamp.padataValue);
      let when: Date;
      try {
        const plain = enctypeProfile(enc.etype).decrypt(
          this.userKey(name, enc.etype),
          KeyUsage.AS_REQ_PA_ENC_TIMESTAMP,
          enc.cipher,
        );
        when = parsePaEncTsEnc(plain).patimestamp;
      } catch {
        return this.error(KrbErrorCode.KDC_ERR_PREAUTH_FAILED);
      }
      if (Math.abs(when.getTime() - this.now().getTime()) > 300_000)
        return this.error(KrbErrorCode.KRB_AP_ERR_SKEW);
    }
    const replyEtype = this.bend.replyEtype ?? etype;
    const padata: PaData[] | undefined = timestamp
      ? undefined
      : this.bend.pwSalt !== undefined
        ? [{ padataType: PaType.PW_SALT, padataValue: Buffer.from(this.bend.pwSalt) }]
        : [{ padataType: PaType.ETYPE_INFO2, padataValue: encodeEtypeInfo2(info) }];
    const flags = TicketFlag.FORWARDABLE | TicketFlag.INITIAL | (timestamp ? TicketFlag.PRE_AUTHENT : 0);
    return this.reply(
      req,
      11,
      this.userKey(name, replyEtype),
      replyEtype,
      KeyUsage.AS_REP_ENC_PART,
      flags,
      padata,
    );
  }

  private tgs(req: KdcReq): Buffer {
    const paTgs = req.padata?.find((p) => p.padataType === PaType.TGS_REQ);
    if (!paTgs) return this.error(KrbErrorCode.KDC_ERR_PADATA_TYPE_NOSUPP);
    const apReq = parseApReq(paTgs.padataValue);
    const tgtPart = parseEncTicketPart(
      enctypeProfile(Enctype.AES256_CTS_HMAC_SHA1_96).decrypt(
        this.krbtgtKey,
        KeyUsage.KDC_REP_TICKET,
        apReq.ticket.encPart.cipher,
      ),
    );
    const session = enctypeProfile(tgtPart.key.keyType);
    const authenticator = parseAuthenticator(
      session.decrypt(tgtPart.key.keyValue, KeyUsage.TGS_REQ_AUTHENTICATOR, apReq.authenticator.cipher),
    );
    // RFC 4120 3.3.2: the checksum covers the body's bytes as received.
    try {
      session.verifyChecksum(
        tgtPart.key.keyValue,
        KeyUsage.TGS_REQ_AUTHENTICATOR_CKSUM,
        req.reqBody.encoded!,
        authenticator.cksum!.checksum,
      );
    } catch {
      return this.error(KrbErrorCode.KRB_AP_ERR_MODIFIED);
    }
    if (tgtPart.endtime.getTime() < this.now().getTime())
      return this.error(KrbErrorCode.KRB_AP_ERR_TKT_EXPIRED);
    const sname = req.reqBody.sname!.nameString.join('/');
    const isTgt = sname === `krbtgt/${this.realm}`;
    if (!isTgt && !this.services.has(sname)) return this.error(KrbErrorCode.KDC_ERR_S_PRINCIPAL_UNKNOWN);
    const key = authenticator.subkey ?? tgtPart.key;
    const usage = authenticator.subkey
      ? KeyUsage.TGS_REP_ENC_PART_SUBKEY
      : KeyUsage.TGS_REP_ENC_PART_SESSION_KEY;
    const forwarded = req.reqBody.kdcOptions & KdcOption.FORWARDED ? TicketFlag.FORWARDED : 0;
    const forwardable = req.reqBody.kdcOptions & KdcOption.FORWARDABLE ? TicketFlag.FORWARDABLE : 0;
    const okAsDelegate = this.okAsDelegate.has(sname) ? TicketFlag.OK_AS_DELEGATE : 0;
    return this.reply(
      { ...req, reqBody: { ...req.reqBody, cname: tgtPart.cname } },
      13,
      key.keyValue,
      key.keyType,
      usage,
      forwarded | forwardable | okAsDelegate,
    );
  }

  /** The service key a ticket for `sname` is encrypted in. */
  serviceKey(sname: string): Buffer {
    return sname === `krbtgt/${this.realm}` ? this.krbtgtKey : this.services.get(sname)!;
  }

  private reply(
    req: KdcReq,
    msgType: 11 | 13,
    replyKey: Buffer,
    replyEtype: number,
    usage: number,
    flags: number,
    padata?: PaData[],
  ): Buffer {
    const now = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    const endtime = new Date(now.getTime() + (this.bend.lifetimeSeconds ?? 36_000) * 1000);
    const sessionEtype = this.bend.sessionEtype ?? req.reqBody.etype[0];
    const sessionKey = randomBytes(enctypeProfile(sessionEtype).keyLength);
    this.sessionKeys.push(sessionKey);
    const cname = req.reqBody.cname!;
    const sname = req.reqBody.sname!;
    const ticketPart = encodeEncTicketPart({
      flags,
      key: { keyType: sessionEtype, keyValue: sessionKey },
      crealm: this.realm,
      cname,
      transited: { trType: 1, contents: Buffer.alloc(0) },
      authtime: now,
      endtime,
    });
    const ticket = encodeTicket({
      realm: this.realm,
      sname,
      encPart: {
        etype: Enctype.AES256_CTS_HMAC_SHA1_96,
        kvno: 1,
        cipher: enctypeProfile(Enctype.AES256_CTS_HMAC_SHA1_96).encrypt(
          this.serviceKey(sname.nameString.join('/')),
          KeyUsage.KDC_REP_TICKET,
          ticketPart,
        ),
      },
    });
    const encPart: EncKdcRepPart = {
      application: msgType === 11 ? 25 : 26,
      key: { keyType: sessionEtype, keyValue: sessionKey },
      lastReq: [],
      nonce: this.bend.nonce ?? req.reqBody.nonce,
      flags,
      authtime: now,
      endtime,
      srealm: this.bend.srealm ?? this.realm,
      sname: this.bend.sname ?? sname,
    };
    const cipher = enctypeProfile(replyEtype).encrypt(replyKey, usage, encodeEncKdcRepPart(encPart));
    if (this.bend.tamper) cipher[cipher.length - 20] ^= 1;
    const rep: KdcRep = {
      msgType,
      padata,
      crealm: this.realm,
      cname: this.bend.cname ?? cname,
      ticket,
      encPart: { etype: replyEtype, cipher },
    };
    return encodeKdcRep(rep);
  }

  private error(code: number, eText?: string, eData?: Buffer): Buffer {
    const now = new Date(Math.floor(this.now().getTime() / 1000) * 1000);
    return encodeKrbError({
      stime: now,
      susec: 0,
      errorCode: code,
      realm: this.realm,
      sname: { nameType: NameType.SRV_INST, nameString: ['krbtgt', this.realm] },
      eText,
      eData,
    });
  }
}
