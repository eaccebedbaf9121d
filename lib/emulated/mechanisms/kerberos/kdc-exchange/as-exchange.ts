/**
 * The Authentication Service exchange (RFC 4120 3.1): a TGT for krbtgt/REALM@REALM from a
 * password or a keytab key, without sockets: `start()` gives the first AS-REQ, `receive()` takes
 * each reply and gives the next request or the TGT.
 *
 * As MIT's kinit does, the first AS-REQ goes without pre-authentication. A KDC that requires it
 * answers KDC_ERR_PREAUTH_REQUIRED with METHOD-DATA whose PA-ETYPE-INFO2 names the etype, salt
 * and s2kparams of the client's key (5.2.7.5); the second AS-REQ then carries PA-ENC-TIMESTAMP,
 * the current time encrypted in that key under key usage 1 (5.2.7.2). The AS-REP's enc-part is
 * decrypted under key usage 3 and checked (3.1.5). A KDC that needs no pre-authentication answers
 * the first AS-REQ at once; the key's salt then comes from the reply's PA-ETYPE-INFO2 or
 * PA-PW-SALT, else it is the default one.
 */
import { sspiError } from '../../../../errors';
import { wipe, type SecretBuffer } from '../../../../secret';
import { enctypeProfile } from '../crypto/enctypes';
import { isKerberosCryptoError } from '../crypto/crypto-error';
import { KeyUsage } from '../crypto/key-usage';
import { encodeEncryptedData, encodePaEncTsEnc, parseEtypeInfo2, parseMethodData } from '../messages/common';
import { KdcOption, KrbErrorCode, MessageType, NameType, PaType } from '../messages/constants';
import { parseEncKdcRepPart } from '../messages/kdc-rep';
import { encodeKdcReq } from '../messages/kdc-req';
import type { KdcRep, KrbError, PaData } from '../messages/types';
import { ClientKeys, type ClientSecret, type SaltInfo } from './client-keys';
import { badReply, credentialOf, nameOf, type KdcCredential } from './credential';
import { readKdcReply, refusalOf } from './kdc-reply';
import {
  environmentOf,
  kerberosTimeOf,
  newNonce,
  offeredEtypes,
  type ExchangeEnvironment,
} from './request-parts';
import type { RealmPrincipal } from './spn';

/** MIT kinit's: a forwardable TGT, renewable if the KDC allows. */
export const DEFAULT_AS_OPTIONS = KdcOption.FORWARDABLE | KdcOption.RENEWABLE_OK;
/** MIT's default ticket_lifetime: one day (the KDC shortens it to its own limits). */
export const DEFAULT_LIFETIME_SECONDS = 24 * 60 * 60;

/** PA-DATA of the pre-authentication framework (RFC 6113 5.4, 5.2; RFC 6806 11; RFC 8070), not methods. */
const FRAMEWORK_PADATA: ReadonlySet<number> = new Set([
  PaType.FX_FAST,
  PaType.FX_COOKIE,
  PaType.REQ_ENC_PA_REP,
  PaType.AS_FRESHNESS,
]);

/** What an AS exchange needs. */
export interface AsExchangeOptions extends ExchangeEnvironment {
  /** The client: its name (NT-PRINCIPAL) and realm. */
  client: RealmPrincipal;
  /** Its password or keytab keys; the exchange borrows them and never wipes them. */
  secret: ClientSecret;
  /** KDCOptions (RFC 4120 5.4.1); DEFAULT_AS_OPTIONS when not given. */
  kdcOptions?: number;
  /** Offer rc4-hmac too (RFC 8429: off by default). */
  allowRc4?: boolean;
  /** The ticket lifetime to ask for, in seconds. */
  lifetimeSeconds?: number;
}

/** What a KDC exchange does next: send a request, or it is done. */
export type KdcStep =
  { request: Buffer; credential?: undefined } | { credential: KdcCredential; request?: undefined };

/** One AS exchange; single use. The caller disposes the TGT it yields. */
export class AsExchange {
  private readonly env: Required<ExchangeEnvironment>;
  private readonly keys: ClientKeys;
  private readonly etypes: number[];
  private readonly tgs: RealmPrincipal;
  private nonce = 0;
  private state: 'new' | 'sent' | 'preauth-sent' | 'over' = 'new';
  /** The key our PA-ENC-TIMESTAMP was made with: the KDC accepted it if it answers with an AS-REP. */
  private preauth: { etype: number; key: SecretBuffer } | undefined;
  /** The KDC's ETYPE-INFO2 entry we chose, for a reply in the same etype. */
  private saltInfo: SaltInfo | undefined;

  constructor(private readonly options: AsExchangeOptions) {
    this.env = environmentOf(options);
    this.keys = new ClientKeys(options.client, options.secret);
    // A keytab offers only the etypes it has keys for (as kinit -k does).
    this.etypes = offeredEtypes(options.allowRc4).filter((e) => this.keys.has(e));
    if (this.etypes.length === 0)
      throw sspiError(
        'SEC_E_NO_CREDENTIALS',
        `The keytab holds no key for ${nameOf(options.client)} in an encryption type we support.`,
      );
    const realm = options.client.realm;
    this.tgs = { name: { nameType: NameType.SRV_INST, nameString: ['krbtgt', realm] }, realm };
  }

  /** The first AS-REQ, without pre-authentication. */
  start(): Buffer {
    if (this.state !== 'new') throw new Error('AsExchange.start() called twice');
    this.state = 'sent';
    return this.request();
  }

  /** Take the KDC's reply to the last request: the next request, or the TGT. */
  receive(reply: Buffer): KdcStep {
    if (this.state !== 'sent' && this.state !== 'preauth-sent')
      throw new Error('AsExchange.receive() called with no request outstanding');
    try {
      const read = readKdcReply(reply, MessageType.AS_REP);
      if (read.error) return { request: this.afterError(read.error) };
      const credential = this.credentialOf(read.rep);
      this.dispose();
      return { credential };
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** End the exchange: wipe every key derived from the password. Idempotent. */
  dispose(): void {
    this.state = 'over';
    this.keys.dispose();
  }

  private request(padata?: PaData[]): Buffer {
    this.nonce = newNonce(this.env.randomBytes);
    const now = this.env.now().getTime();
    return encodeKdcReq({
      msgType: MessageType.AS_REQ,
      padata,
      reqBody: {
        kdcOptions: this.options.kdcOptions ?? DEFAULT_AS_OPTIONS,
        cname: this.options.client.name,
        realm: this.options.client.realm,
        sname: this.tgs.name,
        till: new Date(now + (this.options.lifetimeSeconds ?? DEFAULT_LIFETIME_SECONDS) * 1000),
        nonce: this.nonce,
        etype: this.etypes,
      },
    });
  }

  /** KDC_ERR_PREAUTH_REQUIRED once: the request again with PA-ENC-TIMESTAMP; any other error ends it. */
  private afterError(error: KrbError): Buffer {
    if (error.errorCode !== KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED || this.state !== 'sent')
      throw refusalOf(error, {
        exchange: 'AS',
        client: nameOf(this.options.client),
        server: nameOf(this.tgs),
      });
    const methods = error.eData ? parseMethodData(error.eData) : [];
    const types = methods.map((m) => m.padataType);
    if (!types.includes(PaType.ENC_TIMESTAMP)) {
      // MIT's KDC, with no key of the client in an etype we offered, lists neither ETYPE-INFO2
      // nor PA-ENC-TIMESTAMP: only the FAST framework (RFC 6113), no method at all.
      if (types.every((t) => FRAMEWORK_PADATA.has(t)))
        throw sspiError(
          'SEC_E_KDC_UNKNOWN_ETYPE',
          `The KDC has no key for ${nameOf(this.options.client)} in an encryption type we offered ` +
            `(${this.etypes.join(', ')}${this.options.allowRc4 ? '' : '; rc4-hmac (23) only with allowRc4'}).`,
        );
      throw sspiError(
        'SEC_E_UNSUPPORTED_PREAUTH',
        `The KDC asks ${nameOf(this.options.client)} for pre-authentication we do not do ` +
          `(padata types ${types.join(', ')}; we do PA-ENC-TIMESTAMP).`,
      );
    }
    this.saltInfo = this.chooseSalt(methods);
    const key = this.keys.keyFor(this.saltInfo);
    this.preauth = { etype: this.saltInfo.etype, key };
    this.state = 'preauth-sent';
    return this.request([{ padataType: PaType.ENC_TIMESTAMP, padataValue: this.encTimestamp() }]);
  }

  /** The first ETYPE-INFO2 entry (the KDC's order) in an etype we offered; else our first etype. */
  private chooseSalt(methods: PaData[]): SaltInfo {
    const info2 = methods.find((m) => m.padataType === PaType.ETYPE_INFO2);
    if (!info2) return { etype: this.etypes[0] };
    const entries = parseEtypeInfo2(info2.padataValue);
    const entry = entries.find((e) => this.etypes.includes(e.etype));
    if (!entry)
      throw sspiError(
        'SEC_E_KDC_UNKNOWN_ETYPE',
        `The KDC has keys for ${nameOf(this.options.client)} only in etypes ` +
          `${entries.map((e) => e.etype).join(', ')}, none of which we offered (${this.etypes.join(', ')}).`,
      );
    return {
      etype: entry.etype,
      salt: entry.salt === undefined ? undefined : Buffer.from(entry.salt, 'utf8'),
      s2kParams: entry.s2kParams,
    };
  }

  /** PA-ENC-TIMESTAMP (RFC 4120 5.2.7.2): PA-ENC-TS-ENC encrypted under key usage 1. */
  private encTimestamp(): Buffer {
    const { etype, key } = this.preauth!;
    const { time, usec } = kerberosTimeOf(this.env.now());
    const plaintext = encodePaEncTsEnc(time, usec);
    const cipher = enctypeProfile(etype).encrypt(key, KeyUsage.AS_REQ_PA_ENC_TIMESTAMP, plaintext);
    return encodeEncryptedData({ etype, cipher });
  }

  /** Decrypt and check the AS-REP (RFC 4120 3.1.5). */
  private credentialOf(rep: KdcRep): KdcCredential {
    const etype = rep.encPart.etype;
    if (!this.etypes.includes(etype))
      throw badReply('AS-REP', `its enc-part is in etype ${etype}, which we did not offer`);
    const key =
      this.preauth?.etype === etype ? this.preauth.key : this.keys.keyFor(this.replySalt(rep, etype));
    let plaintext: Buffer;
    try {
      plaintext = enctypeProfile(etype).decrypt(key, KeyUsage.AS_REP_ENC_PART, rep.encPart.cipher);
    } catch (err) {
      if (!isKerberosCryptoError(err)) throw err;
      if (this.preauth || err.reason !== 'integrity')
        // The KDC accepted our timestamp, so the key is right: the reply was altered.
        throw badReply('AS-REP', `its enc-part does not decrypt (${err.message})`);
      throw sspiError(
        'SEC_E_LOGON_DENIED',
        `The logon of ${nameOf(this.options.client)} failed: the AS-REP does not decrypt with the ` +
          'password given (a wrong password).',
      );
    }
    try {
      const encPart = parseEncKdcRepPart(plaintext);
      return credentialOf(rep, encPart, {
        what: 'AS-REP',
        nonce: this.nonce,
        client: this.options.client,
        server: this.tgs,
        etypes: this.etypes,
      });
    } finally {
      wipe(plaintext);
    }
  }

  /** How to derive the key of a reply that came without our pre-authentication. */
  private replySalt(rep: KdcRep, etype: number): SaltInfo {
    for (const pa of rep.padata ?? []) {
      if (pa.padataType === PaType.ETYPE_INFO2) {
        const entry = parseEtypeInfo2(pa.padataValue).find((e) => e.etype === etype);
        if (entry)
          return {
            etype,
            salt: entry.salt === undefined ? undefined : Buffer.from(entry.salt, 'utf8'),
            s2kParams: entry.s2kParams,
          };
      }
      // PA-PW-SALT (RFC 4120 5.2.7.3): the salt's bytes as they are.
      if (pa.padataType === PaType.PW_SALT) return { etype, salt: pa.padataValue };
    }
    if (this.saltInfo?.etype === etype) return this.saltInfo;
    return { etype };
  }
}
