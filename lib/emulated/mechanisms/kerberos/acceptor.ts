/**
 * The Kerberos GSS acceptor (RFC 4121 4.1; RFC 4120 3.2.3-3.2.4), sans-IO: one AP-REQ in, the
 * context complete, with an AP-REP out when the initiator asked for mutual authentication. The
 * AP-REP carries an acceptor subkey and our sequence number, as MIT sends by default. The checks
 * are in ap-req-checks.ts; a failure sends the initiator a framed KRB-ERROR (SspiError.output), as
 * MIT and Windows do, and throws the status Windows' acceptor reports.
 */
import { SspiError, invalidArgValue } from '../../../errors';
import { copySecret, wipe, type SecretBuffer } from '../../../secret';
import type { MechanismContext, MechanismStep } from '../mechanism-context';
import {
  checkAuthenticator,
  checkGssChecksum,
  checkTicketTimes,
  decryptAuthenticator,
  decryptTicket,
  type ServiceKeyLookup,
} from './ap-req-checks';
import { KerberosContextBase, identityOf } from './context';
import { readDelegation, type DelegatedCredentials } from './delegation';
import type { BoundKey } from './crypto/bound-key';
import { Enctype, enctypeProfile } from './crypto/enctypes';
import { KeyUsage } from './crypto/key-usage';
import { randomSecret, randomUint32 } from './crypto/random-pool';
import { ApFailure, asSspiError } from './errors';
import { encodeApRep, encodeEncApRepPart, parseApReq } from './messages/ap';
import { principalToString } from './messages/common';
import { ApOption, GssFlag, GssTokenId, KRB5_OID, KrbErrorCode } from './messages/constants';
import { encodeKrbError } from './messages/krb-error';
import { wrapInitialContextToken, type ChannelBindings } from './messages/gss-token';
import type { ApReq, Authenticator, EncTicketPart, EncryptionKey } from './messages/types';
import type { ReplayCache } from './replay-cache';
import { readContextToken } from './token-framing';

/** The clock skew RFC 4120 1.7 suggests and MIT and Windows default to. */
export const DEFAULT_CLOCK_SKEW_MS = 5 * 60_000;

export interface KerberosAcceptorOptions {
  /** The service's long-term keys (a keytab's entries). */
  keys: ServiceKeyLookup;
  /** Shared by every acceptor of the service; made for at least `clockSkewMs`. */
  replayCache: ReplayCache;
  /** The clock skew allowed; default 5 minutes. */
  clockSkewMs?: number;
  /** The clock; default the system's. */
  now?: () => Date;
  /** Our channel bindings (RFC 4121 4.1.1.2); the initiator's checksum must carry their MD5. */
  channelBindings?: ChannelBindings;
  /** Refuse an initiator that sent no channel bindings while we have some; default false (as MIT). */
  channelBindingsRequired?: boolean;
}

export class KerberosAcceptor extends KerberosContextBase implements MechanismContext {
  private delegatedValue: DelegatedCredentials | undefined;
  /** The OID the client's token came under; our reply goes under the same. */
  private mechOid: string = KRB5_OID;

  constructor(private readonly options: KerberosAcceptorOptions) {
    super();
    const skewMs = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    // A cache made for a smaller skew would forget authenticators this acceptor still takes.
    if (options.replayCache.clockSkewMs < skewMs) {
      throw invalidArgValue(
        'replayCache',
        options.replayCache.clockSkewMs,
        `must be made for a clock skew of at least the acceptor's ${skewMs} ms`,
      );
    }
  }

  /** The credentials the client forwarded (GSS_C_DELEG_FLAG), once complete. */
  get delegated(): DelegatedCredentials | undefined {
    return this.delegatedValue;
  }

  step(input: Buffer | null): MechanismStep {
    return this.runStep(() => {
      const now = (this.options.now ?? (() => new Date()))();
      let apReq: ApReq | undefined;
      try {
        if (!input || input.length === 0)
          throw new ApFailure(
            'SEC_E_INVALID_TOKEN',
            KrbErrorCode.KRB_AP_ERR_MSG_TYPE,
            'Expected the client’s AP-REQ, but got no token.',
          );
        const { oid, tokId, inner } = readContextToken(input, 'The client’s token');
        this.mechOid = oid;
        if (tokId !== GssTokenId.AP_REQ)
          throw new ApFailure(
            'SEC_E_INVALID_TOKEN',
            KrbErrorCode.KRB_AP_ERR_MSG_TYPE,
            `Expected an AP-REQ from the client (TOK_ID 0100), not ${tokId.toString(16).padStart(4, '0')}.`,
          );
        const parsed = parseApReq(inner);
        apReq = parsed;
        return this.accept(parsed, now);
      } catch (err) {
        throw this.failure(asSspiError(err, 'The client’s AP-REQ'), apReq, now);
      }
    });
  }

  private accept(apReq: ApReq, now: Date): MechanismStep {
    const skewMs = this.options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
    if (apReq.apOptions & ApOption.USE_SESSION_KEY)
      throw new ApFailure(
        'SEC_E_UNSUPPORTED_FUNCTION',
        KrbErrorCode.KRB_AP_ERR_NOKEY,
        'The client sent a user-to-user AP-REQ, which this acceptor does not take.',
      );
    const ticket = decryptTicket(apReq.ticket, this.options.keys);
    this.secrets.push(ticket.key.keyValue);
    checkTicketTimes(ticket, now, skewMs);
    const { auth, session } = decryptAuthenticator(apReq.authenticator, ticket.key);
    try {
      return this.acceptAuthenticated(apReq, ticket, auth, session, now, skewMs);
    } finally {
      session.dispose();
    }
  }

  /** The rest of accept(), once the authenticator decrypted with the ticket's session key, `session`. */
  private acceptAuthenticated(
    apReq: ApReq,
    ticket: EncTicketPart,
    auth: Authenticator,
    session: BoundKey,
    now: Date,
    skewMs: number,
  ): MechanismStep {
    if (auth.subkey) this.secrets.push(auth.subkey.keyValue);
    checkAuthenticator(auth, ticket, now, skewMs);
    const checksum = checkGssChecksum(auth, {
      channelBindings: this.options.channelBindings,
      required: this.options.channelBindingsRequired ?? false,
    });
    let flags =
      checksum.flags &
      (GssFlag.DELEG | GssFlag.MUTUAL | GssFlag.REPLAY | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG);
    let delegated: DelegatedCredentials | undefined;
    if (flags & GssFlag.DELEG && checksum.delegation) {
      delegated = readDelegation(checksum.delegation, auth.subkey ? [ticket.key, auth.subkey] : [ticket.key]);
      this.secrets.push(...delegated.ticketInfo.map((info) => info.key.keyValue));
    } else {
      flags &= ~GssFlag.DELEG;
    }
    this.recordAuthenticator(apReq, ticket, auth, now);
    this.delegatedValue = delegated;
    this.identityValue = identityOf(ticket.cname, ticket.crealm);
    this.lifetimeValue = { start: ticket.starttime ?? ticket.authtime, end: ticket.endtime };
    const mutual = (apReq.apOptions & ApOption.MUTUAL_REQUIRED) !== 0;
    this.flagsValue = mutual ? flags | GssFlag.MUTUAL : flags & ~GssFlag.MUTUAL;
    const initiatorKey = auth.subkey ?? ticket.key;
    const initiatorSequence = auth.seqNumber ?? 0;
    if (!mutual) {
      // No AP-REP: our first sequence number is the initiator's (RFC 4121 4.2.6, as MIT does).
      this.establish(
        {
          key: copySecret(initiatorKey.keyValue),
          keyType: initiatorKey.keyType,
          acceptorSubkey: false,
          sendSequence: initiatorSequence,
          receiveSequence: initiatorSequence,
          mechOid: this.mechOid,
        },
        'acceptor',
      );
      return { output: Buffer.alloc(0), complete: true };
    }
    return {
      output: this.apRep(auth, ticket.key.keyType, session, initiatorKey, initiatorSequence),
      complete: true,
    };
  }

  /** RFC 4120 3.2.3: refuse an authenticator seen within the skew window. */
  private recordAuthenticator(apReq: ApReq, ticket: EncTicketPart, auth: Authenticator, now: Date): void {
    const verdict = this.options.replayCache.record(
      {
        client: principalToString(ticket.cname, ticket.crealm),
        server: principalToString(apReq.ticket.sname, apReq.ticket.realm),
        ctime: auth.ctime,
        cusec: auth.cusec,
        authenticatorCipher: apReq.authenticator.cipher,
      },
      now,
    );
    if (verdict === 'replay')
      throw new ApFailure(
        'SEC_E_INVALID_TOKEN',
        KrbErrorCode.KRB_AP_ERR_REPEAT,
        'The client’s authenticator was seen before: the AP-REQ is a replay.',
      );
    if (verdict === 'full')
      throw new ApFailure(
        'SEC_E_INSUFFICIENT_MEMORY',
        KrbErrorCode.KRB_ERR_GENERIC,
        'The replay cache is full; try again once older entries expire.',
      );
  }

  /**
   * RFC 4120 5.5.2 and RFC 4121 4.1: the AP-REP echoing ctime and cusec, with an acceptor subkey
   * of the initiator's key's enctype (none for rc4-hmac, whose tokens have no AcceptorSubkey
   * flag) and our sequence number; the context then runs on that subkey.
   */
  private apRep(
    auth: Authenticator,
    sessionKeyType: number,
    session: BoundKey,
    initiatorKey: EncryptionKey,
    initiatorSequence: number,
  ): Buffer {
    const seqNumber = randomUint32() & 0x3fffffff;
    let subkey: SecretBuffer | undefined;
    if (initiatorKey.keyType !== Enctype.RC4_HMAC) {
      const profile = enctypeProfile(initiatorKey.keyType);
      const random = randomSecret(profile.keyLength);
      subkey = profile.randomToKey(random);
      wipe(random);
    }
    const plain = encodeEncApRepPart({
      ctime: auth.ctime,
      cusec: auth.cusec,
      subkey: subkey && { keyType: initiatorKey.keyType, keyValue: subkey },
      seqNumber,
    });
    let cipher: Buffer;
    try {
      cipher = session.encrypt(KeyUsage.AP_REP_ENC_PART, plain);
    } finally {
      wipe(plain);
    }
    this.establish(
      {
        key: subkey ?? copySecret(initiatorKey.keyValue),
        keyType: initiatorKey.keyType,
        acceptorSubkey: subkey !== undefined,
        sendSequence: seqNumber,
        receiveSequence: initiatorSequence,
        mechOid: this.mechOid,
      },
      'acceptor',
    );
    return wrapInitialContextToken(
      GssTokenId.AP_REP,
      encodeApRep({ encPart: { etype: sessionKeyType, cipher } }),
      this.mechOid,
    );
  }

  /** The error to throw, with a framed KRB-ERROR for the initiator (RFC 4121 4.1, RFC 4120 5.9.1). */
  private failure(err: unknown, apReq: ApReq | undefined, now: Date): unknown {
    if (!(err instanceof SspiError)) return err;
    const errorCode = err instanceof ApFailure ? err.krbErrorCode : KrbErrorCode.KRB_ERR_GENERIC;
    const krbError = encodeKrbError({
      stime: new Date(Math.floor(now.getTime() / 1000) * 1000),
      susec: (now.getTime() % 1000) * 1000,
      errorCode,
      realm: apReq?.ticket.realm ?? '',
      sname: apReq?.ticket.sname ?? { nameType: 0, nameString: [] },
    });
    err.output = wrapInitialContextToken(GssTokenId.KRB_ERROR, krbError, this.mechOid);
    return err;
  }
}
