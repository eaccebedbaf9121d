import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLIENT_SERVER_HASH_MAGIC,
  SERVER_CLIENT_HASH_MAGIC,
  bindingMatches,
  clientPubKeyAuth,
  incrementFirstByte,
  serverPubKeyAuth,
} from '../../lib/emulated/packages/credssp/pubkeyauth';
import {
  checkDelegationPolicy,
  parseSpn,
  spnPatternMatches,
} from '../../lib/emulated/packages/credssp/policy';
import {
  describeErrorCode,
  errorCodeOfSecStatus,
  secStatusOfErrorCode,
} from '../../lib/emulated/packages/credssp/ntstatus';
import { SEC } from '../../lib/constants';
import { isSspiError } from '../../lib/errors';

const fixtures = join(__dirname, '..', 'fixtures', 'credssp');
const rsaKey = Buffer.from(readFileSync(join(fixtures, 'rsa-subject-public-key.hex'), 'utf8').trim(), 'hex');
const nonce = Buffer.from(
  JSON.parse(readFileSync(join(fixtures, 'tsrequest-vectors.json'), 'utf8')).nonce as string,
  'hex',
);

describe('pubKeyAuth binding', () => {
  it('has the 38-byte magics with their NUL', () => {
    expect(CLIENT_SERVER_HASH_MAGIC.length).toBe(38);
    expect(SERVER_CLIENT_HASH_MAGIC[37]).toBe(0);
  });

  // Expected values computed with Python's hashlib over magic || nonce || key.
  it('hashes magic, nonce and SubjectPublicKey for version 5 and later', () => {
    for (const version of [5, 6]) {
      expect(clientPubKeyAuth(version, rsaKey, nonce).toString('hex')).toBe(
        '0e52784ad79ed32edab30dd171f62dfb393bbaa5da3f97385a6ce18ebb30c281',
      );
      expect(serverPubKeyAuth(version, rsaKey, nonce).toString('hex')).toBe(
        '83e5ae221b8b8467d08e31c98cd309ec19012b9de19b456855e4fb47ca6cbcaa',
      );
    }
  });

  it('sends the key itself and expects it back with the first byte plus one for versions 2 to 4', () => {
    for (const version of [2, 3, 4]) {
      expect(clientPubKeyAuth(version, rsaKey, undefined)).toEqual(rsaKey);
      const echo = serverPubKeyAuth(version, rsaKey, undefined);
      expect(echo[0]).toBe(rsaKey[0] + 1);
      expect(echo.subarray(1)).toEqual(rsaKey.subarray(1));
    }
  });

  it('carries a 0xFF first byte into the next one', () => {
    expect(incrementFirstByte(Buffer.from([0xff, 0x01]))).toEqual(Buffer.from([0x00, 0x02]));
  });

  it('refuses to hash without a client nonce', () => {
    let caught: unknown;
    try {
      serverPubKeyAuth(6, rsaKey, undefined);
    } catch (err) {
      caught = err;
    }
    expect(isSspiError(caught, 'SEC_E_INVALID_TOKEN')).toBe(true);
  });

  it('compares bindings of different lengths as unequal', () => {
    expect(bindingMatches(Buffer.from([1, 2]), Buffer.from([1, 2, 3]))).toBe(false);
    expect(bindingMatches(Buffer.from([1, 2]), Buffer.from([1, 2]))).toBe(true);
  });
});

describe('SPN patterns', () => {
  it.each([
    ['TERMSRV/*', 'TERMSRV/host.example', true],
    ['TERMSRV/*', 'termsrv/HOST.example', true],
    ['TERMSRV/*', 'WSMAN/host.example', false],
    ['TERMSRV/host.example', 'TERMSRV/host.example', true],
    ['TERMSRV/host.example', 'TERMSRV/HOST.EXAMPLE:3389', true],
    ['TERMSRV/host.example', 'TERMSRV/other.example', false],
    ['TERMSRV/host.example', 'TERMSRV/host.example.evil', false],
    ['WSMAN/*.corp.example', 'WSMAN/a.corp.example', true],
    ['WSMAN/*.corp.example', 'WSMAN/a.b.corp.example', true],
    ['WSMAN/*.corp.example', 'WSMAN/corp.example', false],
    ['WSMAN/*.corp.example', 'WSMAN/acorp.example', false],
    ['*', 'HTTP/anything', true],
    ['*/host.example', 'HTTP/host.example', true],
    ['TERMSRV/*', '', false],
  ])('%s against %s → %s', (pattern, target, expected) => {
    expect(spnPatternMatches(pattern, target)).toBe(expected);
  });

  it('parses service, host and port', () => {
    expect(parseSpn('TERMSRV/host.example:3389')).toEqual({ service: 'TERMSRV', host: 'host.example' });
    expect(parseSpn('TERMSRV/[::1]:3389')).toEqual({ service: 'TERMSRV', host: '::1' });
  });
});

describe('checkDelegationPolicy', () => {
  const policy = {
    allowFreshCredentials: ['TERMSRV/*', 'WSMAN/*.corp.example'],
    allowFreshCredentialsWhenNTLMOnly: ['TERMSRV/*'],
    encryptionOracle: 'mitigated' as const,
  };
  const codeOf = (fn: () => void) => {
    try {
      fn();
      return 'allowed';
    } catch (err) {
      return isSspiError(err) ? err.code : String(err);
    }
  };

  it('allows what the matching list allows', () => {
    expect(codeOf(() => checkDelegationPolicy(policy, 'TERMSRV/h', false))).toBe('allowed');
    expect(codeOf(() => checkDelegationPolicy(policy, 'WSMAN/a.corp.example', true))).toBe('allowed');
  });

  it('says NTLM-only when only the mutual-auth list allows the target', () => {
    expect(codeOf(() => checkDelegationPolicy(policy, 'WSMAN/a.corp.example', false))).toBe(
      'SEC_E_POLICY_NLTM_ONLY',
    );
  });

  it('refuses a target no list allows', () => {
    expect(codeOf(() => checkDelegationPolicy(policy, 'HTTP/web', false))).toBe('SEC_E_DELEGATION_POLICY');
    expect(codeOf(() => checkDelegationPolicy(policy, 'HTTP/web', true))).toBe('SEC_E_DELEGATION_POLICY');
  });
});

describe('errorCode mapping', () => {
  it.each([
    [0xc000006d, 'SEC_E_LOGON_DENIED'],
    [0xc000006e, 'SEC_E_LOGON_DENIED'],
    [0xc0000071, 'SEC_E_LOGON_DENIED'],
    [0xc0000022, 'SEC_E_LOGON_DENIED'],
    [0xc00000bb, 'SEC_E_UNSUPPORTED_FUNCTION'],
    [0x8009030c, 'SEC_E_LOGON_DENIED'],
    [0x8009030f, 'SEC_E_MESSAGE_ALTERED'],
    [0x8007052e, 'SEC_E_LOGON_DENIED'],
    [0xc00700ea, 'SEC_E_INTERNAL_ERROR'],
    [0xc0001234, 'SEC_E_LOGON_DENIED'],
  ])('0x%s → %s', (code, expected) => {
    expect(secStatusOfErrorCode(code)).toBe(expected);
  });

  it('sends STATUS_LOGON_FAILURE for a denied logon and round-trips other statuses', () => {
    expect(errorCodeOfSecStatus(SEC.E_LOGON_DENIED)).toBe(0xc000006d);
    expect(secStatusOfErrorCode(errorCodeOfSecStatus(SEC.E_MESSAGE_ALTERED))).toBe('SEC_E_MESSAGE_ALTERED');
    expect(secStatusOfErrorCode(errorCodeOfSecStatus(SEC.E_INVALID_TOKEN))).toBe('SEC_E_INVALID_TOKEN');
  });

  it('names the status in messages', () => {
    expect(describeErrorCode(0xc000006d)).toBe('STATUS_LOGON_FAILURE (0xc000006d)');
    expect(describeErrorCode(0x8009030c)).toBe('SEC_E_LOGON_DENIED (0x8009030c)');
  });
});
