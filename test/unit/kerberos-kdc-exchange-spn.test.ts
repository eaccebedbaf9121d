/** Target names as service principals (spn.ts): the forms Windows and MIT take, ports, realms. */
import { configOf, parseProfile } from '../../lib/emulated/kdc/krb5-conf';
import {
  principalTextParts,
  servicePrincipalOf,
} from '../../lib/emulated/mechanisms/kerberos/kdc-exchange/spn';

const config = configOf(
  parseProfile(`
[domain_realm]
  .corp.example = CORP.EXAMPLE
  special.example = SPECIAL.EXAMPLE
`),
);
const hints = { clientRealm: 'HOME.TEST', config };

test.each([
  ['TERMSRV/host', 2, ['TERMSRV', 'host'], 'HOME.TEST'],
  ['HTTP/web.corp.example', 2, ['HTTP', 'web.corp.example'], 'CORP.EXAMPLE'],
  ['HTTP/special.example', 2, ['HTTP', 'special.example'], 'SPECIAL.EXAMPLE'],
  ['HTTP/web.corp.example@OTHER.REALM', 2, ['HTTP', 'web.corp.example'], 'OTHER.REALM'],
  ['TERMSRV/host.corp.example:3389', 2, ['TERMSRV', 'host.corp.example:3389'], 'CORP.EXAMPLE'],
  ['MSSQLSvc/db.corp.example:1433/inst', 2, ['MSSQLSvc', 'db.corp.example:1433', 'inst'], 'CORP.EXAMPLE'],
  ['HTTP@Web.Corp.Example', 3, ['HTTP', 'web.corp.example'], 'CORP.EXAMPLE'],
  ['host@machine', 3, ['host', 'machine'], 'HOME.TEST'],
  ['a\\/b/c\\@d', 2, ['a/b', 'c@d'], 'HOME.TEST'],
])('%s names %j', (target, nameType, nameString, realm) => {
  expect(servicePrincipalOf(target, hints)).toEqual({ name: { nameType, nameString }, realm });
});

test('without krb5.conf the client realm is the service realm', () => {
  expect(servicePrincipalOf('HTTP/web.corp.example', { clientRealm: 'HOME.TEST' }).realm).toBe('HOME.TEST');
});

test.each([
  '',
  'HTTP',
  '@host',
  'HTTP/',
  '/host',
  'HTTP//x',
  'HTTP/x@',
  'HTTP/x@R@S',
  'HTTP@',
  'a\\',
  'x'.repeat(2000),
])('%j is SEC_E_TARGET_UNKNOWN', (target) => {
  expect(() => servicePrincipalOf(target, hints)).toThrow(
    expect.objectContaining({ code: 'SEC_E_TARGET_UNKNOWN' }),
  );
});

test('principalTextParts: components, realm and escapes', () => {
  expect(principalTextParts('alice')).toEqual({ components: ['alice'], realm: undefined });
  expect(principalTextParts('host/x.test@R.TEST')).toEqual({
    components: ['host', 'x.test'],
    realm: 'R.TEST',
  });
  expect(principalTextParts('a\\\\b')).toEqual({ components: ['a\\b'], realm: undefined });
  expect(principalTextParts('a/b/c/d/e/f/g/h/i')).toBeUndefined();
});
