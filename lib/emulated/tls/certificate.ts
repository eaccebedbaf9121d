/**
 * X.509 for CredSSP: a self-signed server certificate for an acceptor that was given none, and
 * the SubjectPublicKey that the pubKeyAuth exchange binds to (MS-CSSP 3.1.5 step 3).
 *
 * Node can sign but has no certificate builder, so the certificate (RFC 5280 4.1) is written
 * with our DER writer and signed with crypto.sign.
 */
import { generateKeyPair, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import { sspiError } from '../../errors';
import {
  DerError,
  TagClass,
  bitString,
  contextExplicit,
  expectSequence,
  integer,
  nullValue,
  octetString,
  oid,
  parseDer,
  readBitString,
  sequence,
  set,
  utcTime,
  utf8String,
  contextImplicit,
} from '../asn1/der';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Object identifiers used below (RFC 5280, RFC 4055, RFC 5758). */
const OID = {
  commonName: '2.5.4.3',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

export type CertificateKeyType = 'rsa' | 'ecdsa';

export interface SelfSignedOptions {
  /** The subject and issuer CN, and the DNS name in subjectAltName. */
  commonName: string;
  /** RSA-2048 (default, what Windows' RDP listener makes) or ECDSA P-256. */
  keyType?: CertificateKeyType;
  /** Days of validity from now; default 365. */
  validDays?: number;
}

export interface SelfSignedCertificate {
  /** The certificate, DER. */
  der: Buffer;
  /** The certificate, PEM, for tls.createSecureContext. */
  certPem: string;
  /** The private key, PKCS#8 PEM. */
  keyPem: string;
}

/** Make a key pair and a self-signed server certificate for it (RFC 5280 4.1). */
export async function generateSelfSignedCertificate(
  options: SelfSignedOptions,
): Promise<SelfSignedCertificate> {
  const keyType = options.keyType ?? 'rsa';
  const { publicKey, privateKey } =
    keyType === 'ecdsa'
      ? await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
      : await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const notBefore = new Date(now - 24 * 3600 * 1000); // a day back, for peers with a slow clock
  const notAfter = new Date(now + (options.validDays ?? 365) * 24 * 3600 * 1000);
  const name = distinguishedName(options.commonName);
  const signatureAlgorithm =
    keyType === 'ecdsa'
      ? sequence(oid(OID.ecdsaWithSHA256)) // RFC 5758 3.2: parameters absent
      : sequence(oid(OID.sha256WithRSAEncryption), nullValue()); // RFC 4055 5: parameters NULL
  const tbsCertificate = sequence(
    contextExplicit(0, integer(2)), // v3
    integer(serialNumber()),
    signatureAlgorithm,
    name,
    sequence(utcTime(notBefore), utcTime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    contextExplicit(3, sequence(...serverExtensions(options.commonName))),
  );
  const signature = sign('sha256', tbsCertificate, privateKey);
  const der = sequence(tbsCertificate, signatureAlgorithm, bitString(signature));
  return {
    der,
    certPem: toPem(der),
    keyPem: (privateKey as KeyObject).export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/**
 * The SubjectPublicKey of a certificate: the contents of the BIT STRING inside its
 * SubjectPublicKeyInfo (RFC 5280 4.1.2.7) — for RSA the RSAPublicKey DER, for EC the point.
 * This, not the SPKI and not the certificate, is what MS-CSSP 3.1.5 hashes into pubKeyAuth.
 */
export function subjectPublicKeyOf(certificateDer: Buffer): Buffer {
  try {
    const [tbs] = expectSequence(parseDer(certificateDer));
    const fields = expectSequence(tbs);
    // version [0] is DEFAULT v1 and may be absent; then the fields shift by one.
    const first = fields[0];
    const hasVersion = first !== undefined && first.tagClass === TagClass.Context && first.tagNumber === 0;
    const spki = fields[hasVersion ? 6 : 5];
    if (!spki) throw new DerError('the certificate has no SubjectPublicKeyInfo');
    const [algorithm, subjectPublicKey] = expectSequence(spki);
    if (!algorithm || !subjectPublicKey) throw new DerError('SubjectPublicKeyInfo is incomplete');
    const { bytes, unusedBits } = readBitString(subjectPublicKey);
    if (unusedBits !== 0) throw new DerError('SubjectPublicKey is not a whole number of octets');
    return Buffer.from(bytes);
  } catch (err) {
    if (err instanceof DerError) {
      throw sspiError('SEC_E_INVALID_TOKEN', `The server certificate could not be read: ${err.message}.`);
    }
    throw err;
  }
}

/** Name ::= SEQUENCE OF RelativeDistinguishedName, here one CN (RFC 5280 4.1.2.4). */
function distinguishedName(commonName: string): Buffer {
  return sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
}

/** A positive, non-zero 16-byte serial (RFC 5280 4.1.2.2: at most 20 octets, positive). */
function serialNumber(): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01;
  return serial;
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue }; ours are not critical. */
function extension(id: string, value: Buffer): Buffer {
  return sequence(oid(id), octetString(value));
}

/**
 * A TLS server certificate: serverAuth, and the host in subjectAltName (RFC 5280 4.2.1).
 * No keyUsage or basicConstraints: with them OpenSSL no longer treats the certificate as its own
 * issuer, and a client could not trust it by listing it as a root (`ca`), which is how a
 * self-signed RDP certificate is pinned.
 */
function serverExtensions(commonName: string): Buffer[] {
  return [
    extension(OID.extKeyUsage, sequence(oid(OID.serverAuth))),
    extension(OID.subjectAltName, sequence(generalName(commonName))),
  ];
}

/** GeneralName: iPAddress [7] for an address, dNSName [2] otherwise (RFC 5280 4.2.1.6). */
function generalName(host: string): Buffer {
  const family = isIP(host);
  if (family === 4) return contextImplicit(7, Buffer.from(host.split('.').map(Number)));
  if (family === 6) return contextImplicit(7, ipv6Octets(host));
  return contextImplicit(2, Buffer.from(host, 'ascii'));
}

function ipv6Octets(address: string): Buffer {
  const [head, tail = ''] = address.includes('::') ? address.split('::') : [address, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = new Array(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = address.includes('::') ? [...headGroups, ...zeros, ...tailGroups] : headGroups;
  const out = Buffer.alloc(16);
  groups.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), i * 2));
  return out;
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
