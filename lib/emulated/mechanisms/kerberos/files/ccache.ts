/**
 * MIT's FILE: credential cache (doc/formats/ccache_file_format.rst in MIT krb5; what kinit and
 * kvno write): version 0x0504 (0x0503 read too; both big-endian), in version 4 a header of tagged
 * fields (tag 1: the KDC's clock offset), the default principal, then credentials until the file
 * ends. A principal: 32-bit name type, 32-bit component count, 32-bit counted realm and
 * components. A credential: client, server, keyblock (16-bit enctype, written twice in version 3,
 * and 32-bit counted key), four 32-bit times, is_skey, 32-bit ticket flags, counted addresses
 * and authdata, the ticket and the second ticket as DER bytes. Entries whose server realm is
 * "X-CACHECONF:" are MIT's configuration, not tickets: kept apart, and written back.
 */
import { copySecret, wipe, type SecretBuffer } from '../../../../secret';
import type { AuthorizationDataEntry, EncryptionKey, HostAddress, PrincipalName } from '../messages/types';
import { FileReader, FileWriter, malformedFile } from './file-codec';

export { ccachePathFromEnv } from './ccache-name';

/** A principal with its realm, as a ccache stores it. */
export interface CcachePrincipal {
  realm: string;
  name: PrincipalName;
}

/** One credential: a ticket and what the KDC told about it. `key` is in secret memory. */
export interface CcacheCredential {
  client: CcachePrincipal;
  server: CcachePrincipal;
  /** The session key (RFC 4120 5.4.2 EncKDCRepPart key). */
  key: EncryptionKey;
  authtime: Date;
  /** Absent when 0 (the ticket starts at authtime). */
  starttime?: Date;
  endtime: Date;
  /** Absent when 0 (not renewable). */
  renewTill?: Date;
  /** True for a user-to-user ticket, encrypted in the second ticket's session key. */
  isSkey: boolean;
  /** TicketFlags, bit 0 the most significant (forwardable 0x40000000). */
  ticketFlags: number;
  addresses: HostAddress[];
  authData: AuthorizationDataEntry[];
  /** The Ticket's DER ([APPLICATION 1]); a configuration entry's value. */
  ticket: Buffer;
  /** The second ticket's DER (user-to-user), empty when none. */
  secondTicket: Buffer;
}

/** A parsed credential cache. Release its keys with wipeCcache(). */
export interface Ccache {
  /** The file format version read: 4 (what encodeCcache writes) or 3. */
  version: 3 | 4;
  /** Header tag 1: the KDC's clock minus ours, when the file has it. */
  kdcTimeOffset?: { seconds: number; microseconds: number };
  defaultPrincipal: CcachePrincipal;
  /** The tickets, in file order. */
  credentials: CcacheCredential[];
  /** MIT's configuration entries (server realm "X-CACHECONF:"), in file order. */
  configEntries: CcacheCredential[];
}

/** The server realm that marks a configuration entry. */
export const CCACHE_CONFIG_REALM = 'X-CACHECONF:';

/** Bounds on what a ccache may hold; kinit writes under 2 KiB, a busy cache some dozens. */
export const CCACHE_LIMITS = {
  fileBytes: 4 << 20,
  credentials: 4096,
  headerBytes: 1024,
  components: 16,
  stringBytes: 1024,
  keyBytes: 64,
  addresses: 64,
  authData: 64,
  dataBytes: 1 << 20,
} as const;

/** A credential cache file's contents; SspiError SEC_E_INVALID_TOKEN for a bad file. */
export function parseCcache(file: Buffer): Ccache {
  if (file.length > CCACHE_LIMITS.fileBytes) {
    throw malformedFile(
      'credential cache',
      `it is ${file.length} bytes, over the limit of ${CCACHE_LIMITS.fileBytes}`,
    );
  }
  if (file.length < 2 || file[0] !== 0x05 || (file[1] !== 0x03 && file[1] !== 0x04)) {
    throw malformedFile('credential cache', 'it does not start with version 0x0503 or 0x0504');
  }
  const version = file[1] as 3 | 4;
  const reader = new FileReader(file.subarray(2), false, 'credential cache');
  const kdcTimeOffset = version === 4 ? readHeader(reader) : undefined;
  const cache: Ccache = {
    version,
    ...(kdcTimeOffset && { kdcTimeOffset }),
    defaultPrincipal: readPrincipal(reader, 'default principal'),
    credentials: [],
    configEntries: [],
  };
  try {
    while (reader.remaining > 0) {
      if (cache.credentials.length + cache.configEntries.length === CCACHE_LIMITS.credentials) {
        reader.fail(`it has more than ${CCACHE_LIMITS.credentials} credentials`);
      }
      const credential = readCredential(reader, version);
      if (credential.server.realm === CCACHE_CONFIG_REALM) cache.configEntries.push(credential);
      else cache.credentials.push(credential);
    }
    return cache;
  } catch (err) {
    wipeCcache(cache);
    throw err;
  }
}

/** Version 4's header: its length, then tag/length/value fields; unknown tags are skipped. */
function readHeader(reader: FileReader): Ccache['kdcTimeOffset'] {
  const length = reader.u16('header length');
  if (length > CCACHE_LIMITS.headerBytes) reader.fail(`the header is ${length} bytes, over the limit`);
  const header = reader.record(length, 'header');
  let offset: Ccache['kdcTimeOffset'];
  while (header.remaining > 0) {
    const tag = header.u16('header tag');
    const field = header.record(header.u16('header field length'), 'header field');
    if (tag === 1) {
      if (field.remaining !== 8) field.fail('the KDC time offset field is not 8 bytes');
      offset = { seconds: field.i32('time offset'), microseconds: field.i32('time offset microseconds') };
    }
  }
  return offset;
}

function readPrincipal(reader: FileReader, field: string): CcachePrincipal {
  const nameType = reader.i32(`${field} name type`);
  const count = reader.count(
    reader.u32(`${field} component count`),
    CCACHE_LIMITS.components,
    4,
    `${field} components`,
  );
  const realm = reader.text(reader.u32(`${field} realm length`), CCACHE_LIMITS.stringBytes, `${field} realm`);
  const nameString: string[] = [];
  for (let i = 0; i < count; i++) {
    nameString.push(
      reader.text(reader.u32(`${field} component length`), CCACHE_LIMITS.stringBytes, `${field} component`),
    );
  }
  return { realm, name: { nameType, nameString } };
}

function readData(reader: FileReader, field: string): Buffer {
  const length = reader.u32(`${field} length`);
  if (length > CCACHE_LIMITS.dataBytes) reader.fail(`the ${field} is ${length} bytes, over the limit`);
  return Buffer.from(reader.bytesOf(length, field));
}

const optionalTime = (seconds: number): Date | undefined =>
  seconds === 0 ? undefined : new Date(seconds * 1000);

function readCredential(reader: FileReader, version: 3 | 4): CcacheCredential {
  const client = readPrincipal(reader, 'client');
  const server = readPrincipal(reader, 'server');
  const keyType = reader.i16('enctype');
  if (version === 3) reader.i16('repeated enctype');
  const keyLength = reader.u32('key length');
  if (keyLength > CCACHE_LIMITS.keyBytes) reader.fail(`a key is ${keyLength} bytes, over the limit`);
  const keyValue = copySecret(reader.bytesOf(keyLength, 'key'));
  try {
    const authtime = new Date(reader.u32('authtime') * 1000);
    const starttime = optionalTime(reader.u32('starttime'));
    const endtime = new Date(reader.u32('endtime') * 1000);
    const renewTill = optionalTime(reader.u32('renew_till'));
    const isSkey = reader.u8('is_skey');
    if (isSkey > 1) reader.fail(`is_skey is ${isSkey}, not 0 or 1`);
    const ticketFlags = reader.u32('ticket flags');
    const addresses: HostAddress[] = [];
    const addressCount = reader.count(reader.u32('address count'), CCACHE_LIMITS.addresses, 6, 'addresses');
    for (let i = 0; i < addressCount; i++) {
      addresses.push({ addrType: reader.u16('address type'), address: readData(reader, 'address') });
    }
    const authData: AuthorizationDataEntry[] = [];
    const authDataCount = reader.count(reader.u32('authdata count'), CCACHE_LIMITS.authData, 6, 'authdata');
    for (let i = 0; i < authDataCount; i++) {
      authData.push({ adType: reader.i16('authdata type'), adData: readData(reader, 'authdata') });
    }
    const ticket = readData(reader, 'ticket');
    const secondTicket = readData(reader, 'second ticket');
    const credential = {
      client,
      server,
      key: { keyType, keyValue },
      authtime,
      endtime,
      isSkey: isSkey === 1,
    };
    return {
      ...credential,
      ...(starttime && { starttime }),
      ...(renewTill && { renewTill }),
      ticketFlags,
      addresses,
      authData,
      ticket,
      secondTicket,
    };
  } catch (err) {
    wipe(keyValue);
    throw err;
  }
}

/**
 * A version 4 credential cache file holding `cache` (its configuration entries first, as kinit
 * writes them). The result holds session keys: it is secret memory, for the caller to wipe.
 */
export function encodeCcache(cache: Ccache): SecretBuffer {
  const out = new FileWriter('credential cache');
  out.u16(0x0504, 'version');
  if (cache.kdcTimeOffset) {
    out.u16(12, 'header length');
    out.u16(1, 'header tag');
    out.u16(8, 'header field length');
    out.i32(cache.kdcTimeOffset.seconds, 'time offset');
    out.i32(cache.kdcTimeOffset.microseconds, 'time offset microseconds');
  } else {
    out.u16(0, 'header length');
  }
  writePrincipal(out, cache.defaultPrincipal);
  for (const credential of [...cache.configEntries, ...cache.credentials]) writeCredential(out, credential);
  return out.finish();
}

function writePrincipal(out: FileWriter, principal: CcachePrincipal): void {
  out.i32(principal.name.nameType, 'name type');
  out.u32(principal.name.nameString.length, 'component count');
  out.countedText(principal.realm, 32, 'realm');
  for (const component of principal.name.nameString) out.countedText(component, 32, 'component');
}

const seconds = (time: Date | undefined): number => (time ? Math.floor(time.getTime() / 1000) : 0);

function writeCredential(out: FileWriter, credential: CcacheCredential): void {
  writePrincipal(out, credential.client);
  writePrincipal(out, credential.server);
  out.i16(credential.key.keyType, 'enctype');
  out.counted(credential.key.keyValue, 32, 'key');
  out.u32(seconds(credential.authtime), 'authtime');
  out.u32(seconds(credential.starttime), 'starttime');
  out.u32(seconds(credential.endtime), 'endtime');
  out.u32(seconds(credential.renewTill), 'renew_till');
  out.u8(credential.isSkey ? 1 : 0, 'is_skey');
  out.u32(credential.ticketFlags >>> 0, 'ticket flags');
  out.u32(credential.addresses.length, 'address count');
  for (const { addrType, address } of credential.addresses) {
    out.u16(addrType, 'address type');
    out.counted(address, 32, 'address');
  }
  out.u32(credential.authData.length, 'authdata count');
  for (const { adType, adData } of credential.authData) {
    out.i16(adType, 'authdata type');
    out.counted(adData, 32, 'authdata');
  }
  out.counted(credential.ticket, 32, 'ticket');
  out.counted(credential.secondTicket, 32, 'second ticket');
}

/** Zero every session key the cache holds. */
export function wipeCcache(cache: Ccache): void {
  for (const credential of [...cache.credentials, ...cache.configEntries]) wipe(credential.key.keyValue);
}

/** The credential for `server` (realm and components; name type ignored), if the cache has one. */
export function findCredential(cache: Ccache, server: CcachePrincipal): CcacheCredential | undefined {
  return cache.credentials.find(
    (c) =>
      c.server.realm === server.realm &&
      c.server.name.nameString.length === server.name.nameString.length &&
      c.server.name.nameString.every((component, i) => component === server.name.nameString[i]),
  );
}
