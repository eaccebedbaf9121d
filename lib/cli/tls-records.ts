/**
 * A one-line description of the TLS records in a CredSSP token, for `credssp demo`: which
 * handshake messages travel in the clear and how many records are encrypted. It reads the
 * record layer only (RFC 8446 5.1, RFC 5246 6.2.1) and never throws: what it cannot read it
 * calls "unreadable".
 */

const CONTENT_TYPES: Record<number, string> = {
  20: 'ChangeCipherSpec',
  21: 'Alert',
  22: 'Handshake',
  23: 'ApplicationData',
};

/** Handshake message types (RFC 8446 4, RFC 5246 7.4). */
const HANDSHAKE_TYPES: Record<number, string> = {
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
};

const RECORD_HEADER_LENGTH = 5;

/**
 * The state of one direction of a TLS connection that matters to the description: after a
 * ChangeCipherSpec, handshake records are encrypted and their content unreadable.
 */
export interface RecordDirection {
  encrypted: boolean;
}

/** Describe one token, e.g. "ServerHello, Certificate, ServerKeyExchange, ServerHelloDone". */
export function describeTlsRecords(token: Buffer, direction: RecordDirection): string {
  const parts: string[] = [];
  let encryptedRecords = 0;
  let offset = 0;
  while (offset < token.length) {
    if (token.length - offset < RECORD_HEADER_LENGTH) return [...parts, 'unreadable bytes'].join(', ');
    const type = token[offset];
    const length = token.readUInt16BE(offset + 3);
    const body = token.subarray(offset + RECORD_HEADER_LENGTH, offset + RECORD_HEADER_LENGTH + length);
    if (!(type in CONTENT_TYPES) || body.length !== length) return [...parts, 'unreadable bytes'].join(', ');
    offset += RECORD_HEADER_LENGTH + length;
    if (type === 20) {
      direction.encrypted = true;
      parts.push('ChangeCipherSpec');
    } else if (type === 22 && !direction.encrypted) {
      parts.push(...handshakeMessageNames(body));
    } else if (type === 21 && !direction.encrypted) {
      parts.push('Alert');
    } else {
      encryptedRecords++;
    }
  }
  if (encryptedRecords > 0)
    parts.push(`${encryptedRecords} encrypted record${encryptedRecords > 1 ? 's' : ''}`);
  return parts.join(', ');
}

function handshakeMessageNames(body: Buffer): string[] {
  const names: string[] = [];
  let offset = 0;
  while (body.length - offset >= 4) {
    const type = body[offset];
    const length = body.readUIntBE(offset + 1, 3);
    names.push(HANDSHAKE_TYPES[type] ?? `handshake type ${type}`);
    offset += 4 + length;
  }
  return names;
}
