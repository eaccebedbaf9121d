/**
 * Property: whatever bytes reach step(), only an SspiError with a protocol code escapes: never a
 * RangeError/TypeError from a parser, never a hang.
 */
import fc from 'fast-check';
import { SspiError } from '../../lib/errors';
import { NtlmAcceptor } from '../../lib/emulated/mechanisms/ntlm/acceptor';
import { NtlmInitiator } from '../../lib/emulated/mechanisms/ntlm/initiator';
import { ntHashOf } from '../../lib/emulated/mechanisms/ntlm/keys';

const NT_HASH = ntHashOf(Buffer.from('pw', 'utf16le'));
/** UNSUPPORTED_FUNCTION is how a well-formed but too-weak offer (no ESS, no 128-bit) is refused. */
const ALLOWED = new Set([
  'SEC_E_INVALID_TOKEN',
  'SEC_E_LOGON_DENIED',
  'SEC_E_MESSAGE_ALTERED',
  'SEC_E_UNSUPPORTED_FUNCTION',
]);

const newInitiator = () =>
  new NtlmInitiator({ user: 'u', domain: 'd', ntHash: NT_HASH, targetName: 'HOST/x' });
/** Fixed server challenge and clock, so every acceptor sends the same CHALLENGE to one NEGOTIATE. */
const fixedEntropy = {
  randomBytes: (n: number) => Buffer.alloc(n, 0x5a),
  now: () => new Date(Date.UTC(2025, 0, 1)),
};
const newAcceptor = () =>
  new NtlmAcceptor({ lookupNtHash: () => NT_HASH, nbComputerName: 'SRV' }, fixedEntropy);

function onlyProtocolErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SspiError) || !ALLOWED.has(err.code)) throw err;
  }
}

/** A valid transcript to mutate. */
function transcript() {
  const client = newInitiator();
  const server = newAcceptor();
  const negotiate = client.step(null).output;
  const challenge = server.step(negotiate).output;
  const authenticate = client.step(challenge).output;
  return { negotiate, challenge, authenticate };
}

/** Random bytes, sometimes behind the NTLMSSP signature and a message type so parsers go deeper. */
const tokens = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.uint8Array({ maxLength: 300 })).map(([type, rest]) => {
    const head = Buffer.alloc(12);
    head.write('NTLMSSP\0', 'latin1');
    head.writeUInt32LE(type, 8);
    return Buffer.concat([head, Buffer.from(rest)]);
  }),
);

/** A valid message with some bytes overwritten, or cut short. */
function mutated(valid: Buffer) {
  return fc.oneof(
    fc.integer({ min: 0, max: valid.length }).map((length) => valid.subarray(0, length)),
    fc
      .array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 6,
      })
      .map((edits) => {
        const copy = Buffer.from(valid);
        for (const [at, value] of edits) copy[at] = value;
        return copy;
      }),
  );
}

describe('NTLM under hostile input', () => {
  const valid = transcript();

  it('the acceptor, first leg: random tokens and mutated NEGOTIATEs', () => {
    fc.assert(
      fc.property(fc.oneof(tokens, mutated(valid.negotiate)), (token) => {
        onlyProtocolErrors(() => newAcceptor().step(token));
      }),
      { numRuns: 400 },
    );
  });

  it('the initiator, second leg: random tokens and mutated CHALLENGEs', () => {
    fc.assert(
      fc.property(fc.oneof(tokens, mutated(valid.challenge)), (token) => {
        const client = newInitiator();
        client.step(null);
        onlyProtocolErrors(() => client.step(token));
      }),
      { numRuns: 400 },
    );
  });

  it('the acceptor, second leg: random tokens and mutated AUTHENTICATEs', () => {
    // Each run rebuilds the acceptor from the same NEGOTIATE; with fixed entropy it issues the same
    // CHALLENGE, so the unmutated parts of the AUTHENTICATE still verify and deeper checks run.
    const check = newAcceptor();
    check.step(valid.negotiate);
    check.step(valid.authenticate);
    expect(check.complete).toBe(true);
    fc.assert(
      fc.property(fc.oneof(tokens, mutated(valid.authenticate)), (token) => {
        const fresh = newAcceptor();
        fresh.step(valid.negotiate);
        onlyProtocolErrors(() => fresh.step(token));
      }),
      { numRuns: 400 },
    );
  });

  it('unwrap and verify: random and mutated sealed messages', () => {
    const client = newInitiator();
    const server = newAcceptor();
    server.step(client.step(server.step(client.step(null).output).output).output);
    const wrapped = client.wrap(Buffer.from('a sealed message of some length'));
    fc.assert(
      fc.property(
        fc.oneof(tokens, mutated(wrapped)),
        fc.uint8Array({ maxLength: 20 }),
        (token, signature) => {
          onlyProtocolErrors(() => server.unwrap(token));
          onlyProtocolErrors(() => server.verify(token, Buffer.from(signature)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
