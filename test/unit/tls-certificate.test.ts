import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSelfSignedCertificate, subjectPublicKeyOf } from '../../lib/emulated/tls/certificate';
import { isSspiError } from '../../lib/errors';

const fixtures = join(__dirname, '..', 'fixtures', 'credssp');
const pemToDer = (pem: string) => new X509Certificate(pem).raw;

describe('subjectPublicKeyOf', () => {
  // The expected bytes were written by the openssl CLI (see test/fixtures/credssp/README.md).
  it('returns the RSAPublicKey DER of an RSA certificate, not the SPKI', () => {
    const der = pemToDer(readFileSync(join(fixtures, 'rsa-cert.pem'), 'utf8'));
    const expected = Buffer.from(
      readFileSync(join(fixtures, 'rsa-subject-public-key.hex'), 'utf8').trim(),
      'hex',
    );
    expect(subjectPublicKeyOf(der)).toEqual(expected);
    expect(expected[0]).toBe(0x30);
  });

  it('returns the uncompressed point of an EC certificate', () => {
    const der = pemToDer(readFileSync(join(fixtures, 'ec-cert.pem'), 'utf8'));
    const expected = Buffer.from(
      readFileSync(join(fixtures, 'ec-subject-public-key.hex'), 'utf8').trim(),
      'hex',
    );
    const key = subjectPublicKeyOf(der);
    expect(key).toEqual(expected);
    expect(key.length).toBe(65);
    expect(key[0]).toBe(0x04);
  });

  it('refuses bytes that are not a certificate with SEC_E_INVALID_TOKEN', () => {
    let caught: unknown;
    try {
      subjectPublicKeyOf(Buffer.from('300302017f', 'hex'));
    } catch (err) {
      caught = err;
    }
    expect(isSspiError(caught, 'SEC_E_INVALID_TOKEN')).toBe(true);
  });
});

describe('generateSelfSignedCertificate', () => {
  it('makes an RSA-2048 certificate that verifies with its own key and names the host', async () => {
    const made = await generateSelfSignedCertificate({ commonName: 'server.example' });
    const x509 = new X509Certificate(made.der);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.checkHost('server.example')).toBe('server.example');
    expect(x509.checkHost('other.example')).toBeUndefined();
    expect(x509.publicKey.asymmetricKeyType).toBe('rsa');
    expect(x509.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(x509.subject).toBe('CN=server.example');
    expect(x509.ca).toBe(false);
    // The PEM key belongs to the certificate.
    expect(x509.checkPrivateKey(require('node:crypto').createPrivateKey(made.keyPem))).toBe(true);
    // SubjectPublicKey of our own certificate equals what Node exports as PKCS#1.
    expect(subjectPublicKeyOf(made.der)).toEqual(x509.publicKey.export({ type: 'pkcs1', format: 'der' }));
  });

  it('makes an ECDSA P-256 certificate on request', async () => {
    const made = await generateSelfSignedCertificate({ commonName: 'ec.example', keyType: 'ecdsa' });
    const x509 = new X509Certificate(made.certPem);
    expect(x509.verify(x509.publicKey)).toBe(true);
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const jwk = x509.publicKey.export({ format: 'jwk' });
    const point = Buffer.concat([
      Buffer.from([4]),
      Buffer.from(jwk.x as string, 'base64url'),
      Buffer.from(jwk.y as string, 'base64url'),
    ]);
    expect(subjectPublicKeyOf(made.der)).toEqual(point);
  });

  it('puts an IP address in subjectAltName as an iPAddress', async () => {
    const made = await generateSelfSignedCertificate({ commonName: '192.0.2.7', keyType: 'ecdsa' });
    const x509 = new X509Certificate(made.der);
    expect(x509.checkIP('192.0.2.7')).toBe('192.0.2.7');
  });
});
