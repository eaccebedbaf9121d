/**
 * MIT's FILE: keytab (doc/formats/keytab_file_format.rst in MIT krb5; what `kadmin ktadd` and
 * `ktutil wkt` write): a version (0x0502 big-endian; 0x0501 in the writer's native byte order,
 * read too), then records, each behind a signed 32-bit length: positive for an entry (which may
 * be shorter than its record), negative for a zero-filled hole left by a removed entry, 0 for the
 * end. An entry: principal (16-bit component count, 16-bit counted realm and components, 32-bit
 * name type, absent in 0x0501 whose count includes the realm), 32-bit timestamp, 8-bit kvno,
 * keyblock (16-bit enctype, 16-bit counted key), then, when four more bytes fit in the record and
 * are not zero, the 32-bit kvno that supersedes the 8-bit one.
 */
import { endianness } from 'node:os';
import { sspiError } from '../../../../errors';
import { wipe, copySecret, type SecretBuffer } from '../../../../secret';
import type { EncryptionKey, PrincipalName } from '../messages/types';
import { FileReader, FileWriter, malformedFile } from './file-codec';

/** One key of a keytab. `key.keyValue` is in secret memory: release it with wipeKeytab(). */
export interface KeytabEntry {
  principal: PrincipalName;
  realm: string;
  /** When the entry was written (whole seconds). */
  timestamp: Date;
  /** The key version: the 32-bit extension when present and not 0, else the 8-bit field. */
  kvno: number;
  key: EncryptionKey;
}

/** Bounds on what a keytab may hold; real ones are a few KiB. */
export const KEYTAB_LIMITS = {
  fileBytes: 1 << 20,
  entries: 4096,
  components: 16,
  stringBytes: 1024,
  keyBytes: 64,
} as const;

const VERSION_1 = 0x0501;
const VERSION_2 = 0x0502;

/** Every entry of a keytab file, holes skipped; SspiError SEC_E_INVALID_TOKEN for a bad file. */
export function parseKeytab(file: Buffer): KeytabEntry[] {
  if (file.length > KEYTAB_LIMITS.fileBytes) {
    throw malformedFile('keytab', `it is ${file.length} bytes, over the limit of ${KEYTAB_LIMITS.fileBytes}`);
  }
  if (file.length < 2 || file[0] !== 0x05 || (file[1] !== 0x01 && file[1] !== 0x02)) {
    throw malformedFile('keytab', 'it does not start with version 0x0501 or 0x0502');
  }
  const version = file.readUInt16BE(0);
  // Version 1 integers are in the writing machine's byte order: ours, as MIT assumes.
  const reader = new FileReader(file.subarray(2), version === VERSION_1 && endianness() === 'LE', 'keytab');
  const entries: KeytabEntry[] = [];
  try {
    while (reader.remaining >= 4) {
      const size = reader.i32('record length');
      if (size === 0) break; // the end, whatever follows
      if (size === -0x80000000) reader.fail('a hole of length -2^31');
      if (size < 0) {
        reader.bytesOf(-size, 'hole');
        continue;
      }
      if (entries.length === KEYTAB_LIMITS.entries) {
        reader.fail(`it has more than ${KEYTAB_LIMITS.entries} entries`);
      }
      entries.push(readEntry(reader.record(size, 'entry'), version));
    }
    if (reader.remaining > 0 && reader.remaining < 4) reader.fail('it ends inside a record length');
    return entries;
  } catch (err) {
    wipeKeytab(entries);
    throw err;
  }
}

function readEntry(entry: FileReader, version: number): KeytabEntry {
  let count = entry.u16('component count');
  if (version === VERSION_1) count -= 1; // 0x0501 counts the realm
  if (count < 1) entry.fail('an entry has a principal of no components');
  entry.count(count, KEYTAB_LIMITS.components, 2, 'principal components');
  const realm = counted(entry, 'realm');
  const nameString: string[] = [];
  for (let i = 0; i < count; i++) nameString.push(counted(entry, 'principal component'));
  const nameType = version === VERSION_1 ? 0 : entry.i32('name type');
  const timestamp = new Date(entry.u32('timestamp') * 1000);
  const kvno8 = entry.u8('kvno');
  const keyType = entry.i16('enctype');
  const keyLength = entry.u16('key length');
  if (keyLength === 0 || keyLength > KEYTAB_LIMITS.keyBytes) {
    entry.fail(`a key is ${keyLength} bytes long, outside 1..${KEYTAB_LIMITS.keyBytes}`);
  }
  const keyValue = copySecret(entry.bytesOf(keyLength, 'key'));
  // MIT reads the 32-bit kvno when four bytes are left in the record; 0 there is zero fill.
  const kvno32 = entry.remaining >= 4 ? entry.u32('32-bit kvno') : 0;
  return {
    principal: { nameType, nameString },
    realm,
    timestamp,
    kvno: kvno32 !== 0 ? kvno32 : kvno8,
    key: { keyType, keyValue },
  };
}

function counted(entry: FileReader, field: string): string {
  const length = entry.u16(`${field} length`);
  if (length === 0) entry.fail(`an entry has an empty ${field}`);
  return entry.text(length, KEYTAB_LIMITS.stringBytes, field);
}

/**
 * A keytab file (version 0x0502) holding `entries`, each with the 32-bit kvno extension as MIT
 * 1.14 and later write it. The result holds the keys: it is secret memory, for the caller to wipe.
 */
export function encodeKeytab(entries: readonly KeytabEntry[]): SecretBuffer {
  const out = new FileWriter('keytab');
  const records: SecretBuffer[] = [];
  try {
    out.u16(VERSION_2, 'version');
    for (const entry of entries) {
      const record = encodeEntry(entry);
      records.push(record);
      out.i32(record.length, 'record length');
      out.raw(record);
    }
    return out.finish();
  } finally {
    for (const record of records) wipe(record);
  }
}

function encodeEntry(entry: KeytabEntry): SecretBuffer {
  const record = new FileWriter('keytab');
  const { nameString, nameType } = entry.principal;
  // A principal has at least one component, and no string is empty: MIT reads a count or a
  // length of 0 as the end of the file.
  if (nameString.length === 0 || entry.realm === '' || nameString.includes('')) {
    throw sspiError(
      'SEC_E_INVALID_PARAMETER',
      'Cannot write the keytab: a principal has an empty realm or name.',
    );
  }
  record.u16(nameString.length, 'component count');
  record.countedText(entry.realm, 16, 'realm');
  for (const component of nameString) record.countedText(component, 16, 'component');
  record.i32(nameType, 'name type');
  record.u32(Math.floor(entry.timestamp.getTime() / 1000), 'timestamp');
  record.u8(entry.kvno & 0xff, 'kvno');
  record.i16(entry.key.keyType, 'enctype');
  record.counted(entry.key.keyValue, 16, 'key');
  record.u32(entry.kvno, '32-bit kvno');
  return record.finish();
}

/** Zero every key the entries hold. */
export function wipeKeytab(entries: readonly KeytabEntry[]): void {
  for (const entry of entries) wipe(entry.key.keyValue);
}

/**
 * The keys of `principal`@`realm` MIT's krb5_kt_get_entry (kt_file.c) would choose: one per
 * enctype (or the one of `etype`). With a kvno (not 0): the entry of exactly that kvno, else the
 * first whose kvno is its low 8 bits (a kvno an older writer truncated). Without: the most recent,
 * by kvno with MIT's wraparound rule (a kvno under 128 written no earlier than one over 240 is
 * newer). Names compare by realm and components, not name type, as krb5_principal_compare does.
 */
export function keysFor(
  entries: readonly KeytabEntry[],
  principal: PrincipalName,
  realm: string,
  kvno?: number,
  etype?: number,
): KeytabEntry[] {
  const chosen = new Map<number, KeytabEntry>();
  const exact = new Set<number>();
  for (const entry of entries) {
    if (entry.realm !== realm || !sameComponents(entry.principal.nameString, principal.nameString)) continue;
    const keyType = entry.key.keyType;
    if (etype !== undefined && keyType !== etype) continue;
    const current = chosen.get(keyType);
    if (!kvno || entry.kvno === 0) {
      if (!current || moreRecent(entry, current)) chosen.set(keyType, entry);
    } else if (!exact.has(keyType)) {
      if (entry.kvno === kvno) {
        chosen.set(keyType, entry);
        exact.add(keyType);
      } else if (entry.kvno === (kvno & 0xff) && !current) {
        chosen.set(keyType, entry);
      }
    }
  }
  return [...chosen.values()];
}

function sameComponents(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((component, i) => component === b[i]);
}

/** kt_file.c more_recent(): kvno order, unless the kvno wrapped around (8-bit or 16-bit storage). */
function moreRecent(a: KeytabEntry, b: KeytabEntry): boolean {
  const aTime = a.timestamp.getTime();
  const bTime = b.timestamp.getTime();
  if (aTime >= bTime && a.kvno < 128 && b.kvno > 240) return true;
  if (aTime <= bTime && a.kvno > 240 && b.kvno < 128) return false;
  return a.kvno > b.kvno;
}
