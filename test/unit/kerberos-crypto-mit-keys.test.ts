import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';

// Keys MIT krb5 1.20.1's ktutil wrote on this machine (`addent -password -p alice@EXAMPLE.COM -k 1
// -e <enctype>` with the password "S3crét!", then `klist -k -K -e`): an independent check of every
// string-to-key, with a non-ASCII password and MIT's default salt (realm | principal name) and
// default iteration counts.
const password = Buffer.from('S3crét!', 'utf8');
const salt = Buffer.from('EXAMPLE.COMalice', 'utf8');
const mitKeys: Array<[number, string]> = [
  [Enctype.AES128_CTS_HMAC_SHA1_96, '403de859842d57fe425a6a228b558e80'],
  [Enctype.AES256_CTS_HMAC_SHA1_96, 'dd5568b167287501ff5cc22b6660791e6a712a47ed874e292d51b1bd3de5f81c'],
  [Enctype.AES128_CTS_HMAC_SHA256_128, 'd9dcfa555b1d95cb6f26cefba3908bb8'],
  [Enctype.AES256_CTS_HMAC_SHA384_192, 'a9d33079caa54495a1dbaed0b241402e5d3d2951c0fa1f6542412f896b1b0f3e'],
  [Enctype.RC4_HMAC, 'cdff26430de7d9af77ea95da49e3b7e4'],
];

describe('string-to-key against MIT krb5', () => {
  it.each(mitKeys)('enctype %i gives the key ktutil wrote', (enctype, key) => {
    expect(enctypeProfile(enctype).stringToKey(password, salt).toString('hex')).toBe(key);
  });
});
