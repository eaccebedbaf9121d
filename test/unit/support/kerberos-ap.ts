/**
 * A pretend KDC for the AP-exchange tests: a service key we choose, and tickets for it made the
 * way a KDC makes them (RFC 4120 5.3: an EncTicketPart encrypted under the service key with key
 * usage 2), so our initiator and acceptor can meet without any network.
 */
import { randomBytes } from 'node:crypto';
import { enctypeProfile } from '../../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { KeyUsage } from '../../../lib/emulated/mechanisms/kerberos/crypto/key-usage';
import {
  KerberosAcceptor,
  type KerberosAcceptorOptions,
} from '../../../lib/emulated/mechanisms/kerberos/acceptor';
import {
  KerberosInitiator,
  type KerberosInitiatorOptions,
} from '../../../lib/emulated/mechanisms/kerberos/initiator';
import { ReplayCache } from '../../../lib/emulated/mechanisms/kerberos/replay-cache';
import { NameType } from '../../../lib/emulated/mechanisms/kerberos/messages/constants';
import {
  encodeEncTicketPart,
  encodeTicket,
  parseTicket,
} from '../../../lib/emulated/mechanisms/kerberos/messages/ticket';
import type {
  EncTicketPart,
  EncryptionKey,
  PrincipalName,
  Ticket,
} from '../../../lib/emulated/mechanisms/kerberos/messages/types';

export const REALM = 'EXAMPLE.TEST';
export const SNAME: PrincipalName = {
  nameType: NameType.SRV_HST,
  nameString: ['HTTP', 'web.example.test'],
};
export const CNAME: PrincipalName = { nameType: NameType.PRINCIPAL, nameString: ['alice'] };
/** The clock every test runs on unless it says otherwise. */
export const NOW = new Date('2026-12-07T01:00:00.000Z');

/** A random key of `enctype`. */
export function randomKey(enctype: number): EncryptionKey {
  const profile = enctypeProfile(enctype);
  return { keyType: enctype, keyValue: profile.randomToKey(randomBytes(profile.keyLength)) };
}

/** A service with one long-term key (kvno 3) and the lookup an acceptor takes. */
export interface Service {
  sname: PrincipalName;
  realm: string;
  key: EncryptionKey;
  kvno: number;
  keys: KerberosAcceptorOptions['keys'];
}

export function makeService(enctype: number, sname = SNAME, realm = REALM): Service {
  const key = randomKey(enctype);
  const kvno = 3;
  return {
    sname,
    realm,
    key,
    kvno,
    keys: (name, r, v, etype) =>
      r === realm &&
      name.nameString.join('/') === sname.nameString.join('/') &&
      (v === undefined || v === kvno) &&
      etype === enctype
        ? key
        : undefined,
  };
}

export interface TicketOptions {
  /** The session key's enctype; default the service key's. */
  sessionEnctype?: number;
  cname?: PrincipalName;
  crealm?: string;
  authtime?: Date;
  starttime?: Date;
  endtime?: Date;
  flags?: number;
}

/** A ticket for `service`, as a KDC issues it, and its session key. */
export function issueTicket(
  service: Service,
  opts: TicketOptions = {},
): { ticket: Ticket; sessionKey: EncryptionKey } {
  const sessionKey = randomKey(opts.sessionEnctype ?? service.key.keyType);
  const authtime = opts.authtime ?? new Date(NOW.getTime() - 60_000);
  const part: EncTicketPart = {
    flags: opts.flags ?? 0,
    key: sessionKey,
    crealm: opts.crealm ?? REALM,
    cname: opts.cname ?? CNAME,
    transited: { trType: 1, contents: Buffer.alloc(0) },
    authtime,
    starttime: opts.starttime,
    endtime: opts.endtime ?? new Date(authtime.getTime() + 10 * 3600_000),
  };
  const cipher = enctypeProfile(service.key.keyType).encrypt(
    service.key.keyValue,
    KeyUsage.KDC_REP_TICKET,
    encodeEncTicketPart(part),
  );
  const { encoded } = encodeTicket({
    realm: service.realm,
    sname: service.sname,
    encPart: { etype: service.key.keyType, kvno: service.kvno, cipher },
  });
  // Read back, as a ccache's ticket would be.
  return { ticket: parseTicket(encoded), sessionKey };
}

export interface PairOptions {
  initiator?: Partial<KerberosInitiatorOptions>;
  acceptor?: Partial<KerberosAcceptorOptions>;
  ticket?: TicketOptions;
}

/** An initiator with a fresh ticket for `service` and an acceptor of `service`, both on NOW. */
export function makePair(service: Service, flags: number, opts: PairOptions = {}) {
  const { ticket, sessionKey } = issueTicket(service, opts.ticket);
  const initiator = new KerberosInitiator({
    ticket,
    sessionKey,
    cname: opts.ticket?.cname ?? CNAME,
    crealm: opts.ticket?.crealm ?? REALM,
    flags,
    now: () => NOW,
    ...opts.initiator,
  });
  const acceptor = new KerberosAcceptor({
    keys: service.keys,
    replayCache: new ReplayCache(),
    now: () => NOW,
    ...opts.acceptor,
  });
  return { initiator, acceptor, ticket, sessionKey };
}

/** `token` with the byte at `offset` flipped. */
export function flipped(token: Buffer, offset: number): Buffer {
  const copy = Buffer.from(token);
  copy[offset] ^= 0x01;
  return copy;
}

/** Run `work`, returning what it threw (failing the test if it threw nothing). */
export function thrown(work: () => unknown): Error & { code?: string; output?: Buffer } {
  try {
    work();
  } catch (err) {
    return err as Error & { code?: string; output?: Buffer };
  }
  throw new Error('expected a throw');
}
