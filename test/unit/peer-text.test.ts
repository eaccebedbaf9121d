/**
 * Errors quote at most a short piece of what a peer sent (peerText in lib/errors.ts): a hostile
 * SPNEGO mechList of 1 MiB once became a 1.7 MB error message and `serve` log line.
 */
import {
  application,
  contextExplicit,
  enumerated,
  octetString,
  oid,
  sequence,
  tlv,
} from '../../lib/emulated/asn1/der';
import { NtlmAcceptor } from '../../lib/emulated/mechanisms/ntlm/acceptor';
import { NtlmInitiator } from '../../lib/emulated/mechanisms/ntlm/initiator';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';
import { SpnegoAcceptor } from '../../lib/emulated/mechanisms/spnego/acceptor';
import { SpnegoInitiator } from '../../lib/emulated/mechanisms/spnego/initiator';
import {
  MAX_MECH_TYPES,
  NTLMSSP_OID,
  NegState,
  SPNEGO_OID,
} from '../../lib/emulated/mechanisms/spnego/tokens';
import { PEER_TEXT_LIMIT, peerText, type SspiError } from '../../lib/errors';

/** Longer than any message that quotes one bounded piece of peer text, shorter than an unbounded one. */
const MESSAGE_BOUND = 200;
const NT_HASH = ntHashOf(Buffer.from('pw', 'utf16le'));

/**
 * The longest OID readOid takes (128 octets): 25 arcs of 2^35 - 1, each five octets on the wire
 * and eleven digits in dotted form, about 300 characters in all.
 */
function longOidDer(): Buffer {
  const content = Buffer.alloc(126);
  content[0] = 0x2b;
  for (let arc = 0; arc < 25; arc++)
    content.fill(0xff, 1 + arc * 5, 5 + arc * 5).fill(0x7f, 5 + arc * 5, 6 + arc * 5);
  return tlv(0x06, content);
}

function initialToken(mechTypes: Buffer[]): Buffer {
  return application(
    0,
    oid(SPNEGO_OID),
    contextExplicit(0, sequence(contextExplicit(0, sequence(...mechTypes)))),
  );
}

function errorOf(fn: () => unknown): SspiError {
  try {
    fn();
  } catch (err) {
    return err as SspiError;
  }
  throw new Error('expected a throw');
}

const newAcceptor = () =>
  new SpnegoAcceptor([
    { oids: [NTLMSSP_OID], make: () => new NtlmAcceptor({ lookupNtHash: () => NT_HASH }) },
  ]);

describe('peerText', () => {
  it('returns short text unchanged', () => {
    expect(peerText('1.2.840.113554.1.2.2')).toBe('1.2.840.113554.1.2.2');
  });

  it('keeps the first characters of long text and says how many were left out', () => {
    const text = 'a'.repeat(PEER_TEXT_LIMIT) + 'b'.repeat(1000);
    expect(peerText(text)).toBe(`${'a'.repeat(PEER_TEXT_LIMIT)}… (1000 more)`);
  });

  it('escapes control characters, so a peer cannot start a new log line', () => {
    expect(peerText('CN=x\n{"event":"auth"}\r\u001b[2J\u202e')).toBe(
      'CN=x\\u000a{"event":"auth"}\\u000d\\u001b[2J\\u202e',
    );
  });

  it('does not cut a surrogate pair in two', () => {
    const text = 'a'.repeat(PEER_TEXT_LIMIT - 1) + '😀' + 'z';
    expect(peerText(text)).toBe(`${'a'.repeat(PEER_TEXT_LIMIT - 1)}… (3 more)`);
  });
});

describe('SPNEGO errors quote a bounded piece of the peer’s OIDs', () => {
  it('a 1 MiB mechList without NTLM: SEC_E_INVALID_TOKEN with a short message', () => {
    const oidDer = longOidDer();
    const token = initialToken(Array.from({ length: Math.ceil(2 ** 20 / oidDer.length) }, () => oidDer));
    expect(token.length).toBeGreaterThan(2 ** 20);
    const err = errorOf(() => newAcceptor().step(token));
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(err.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  it(`a mechList of ${MAX_MECH_TYPES} of the longest OIDs, without NTLM: a short message`, () => {
    const token = initialToken(Array.from({ length: MAX_MECH_TYPES }, longOidDer));
    const err = errorOf(() => newAcceptor().step(token));
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(err.message).toMatch(/^The client offered 1\.3\.34359738367\..*… \(\d+ more\), but/);
    expect(err.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  it('a GSS-API framing for a long unknown OID: a short message', () => {
    const token = application(0, longOidDer(), contextExplicit(0, sequence()));
    const err = errorOf(() => newAcceptor().step(token));
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(err.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  /** A NegTokenResp { accept-incomplete, supportedMech: the long OID, responseToken }. */
  const respChoosingLongOid = (responseToken: Buffer) =>
    contextExplicit(
      1,
      sequence(
        contextExplicit(0, enumerated(NegState.AcceptIncomplete)),
        contextExplicit(1, longOidDer()),
        contextExplicit(2, octetString(responseToken)),
      ),
    );

  it('a client switching to a long unknown OID: a short message', () => {
    const acceptor = newAcceptor();
    acceptor.step(initialToken([oid(NTLMSSP_OID)]));
    const negotiate = new NtlmInitiator({ user: 'u', domain: 'd', ntHash: NT_HASH }).step(null).output;
    const err = errorOf(() => acceptor.step(respChoosingLongOid(negotiate)));
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(err.message).toMatch(/^The client switched to 1\.3\..*… \(\d+ more\)\.$/);
    expect(err.message.length).toBeLessThan(MESSAGE_BOUND);
  });

  it('a server choosing a long unknown OID: a short message', () => {
    const client = new SpnegoInitiator([
      { oids: [NTLMSSP_OID], make: () => new NtlmInitiator({ user: 'u', domain: 'd', ntHash: NT_HASH }) },
    ]);
    client.step(null);
    const err = errorOf(() => client.step(respChoosingLongOid(Buffer.alloc(0))));
    expect(err.code).toBe('SEC_E_INVALID_TOKEN');
    expect(err.message.length).toBeLessThan(MESSAGE_BOUND);
  });
});
