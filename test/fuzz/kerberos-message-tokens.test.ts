/**
 * Kerberos per-message tokens under hostile input: mutated Wrap and MIC tokens, RFC 4121's (CFX,
 * every AES enctype) and RFC 4757's (rc4-hmac), into the receiving side. Each call returns the
 * plaintext or throws an SspiError (altered, malformed, out of sequence), nothing else, in bounded
 * time. The receiver is made afresh for each input with the sender's key and sequence numbers, so
 * the seeds are tokens it would take and every mutation reaches the checks behind the header.
 */
import fc from 'fast-check';
import { SspiError } from '../../lib/errors';
import { CfxProtection, cfxCipherOf } from '../../lib/emulated/mechanisms/kerberos/cfx';
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { Rc4Protection } from '../../lib/emulated/mechanisms/kerberos/rc4-tokens';
import { fcParams, runs, timeoutFor } from './support/budget';
import { tokenArb } from './support/mutate';
import { checkParser, type ParserTarget } from './support/parser-property';

const RUNS = 1_000;
const MESSAGE = Buffer.from('a message of some 40 bytes, sealed or signed');
const isSspiError = (err: unknown) => err instanceof SspiError;

/** What both sides of one context need: a sender and a fresh receiver at the same point. */
interface Sides {
  name: string;
  sender(): { wrap(m: Buffer, conf?: boolean): Buffer; getMic(m: Buffer): Buffer };
  receiver(): { unwrap(t: Buffer): Buffer; verifyMic(m: Buffer, t: Buffer): void };
}

function cfxSides(enctype: number): Sides {
  const profile = enctypeProfile(enctype);
  const key = profile.randomToKey(Buffer.alloc(profile.keyLength, 0x5a));
  const make = (role: 'initiator' | 'acceptor') =>
    new CfxProtection({
      role,
      cipher: cfxCipherOf(profile, key),
      acceptorSubkey: true,
      sendSequence: role === 'initiator' ? 5n : 9n,
      receiveSequence: role === 'initiator' ? 9n : 5n,
    });
  return { name: profile.name, sender: () => make('initiator'), receiver: () => make('acceptor') };
}

function rc4Sides(): Sides {
  const key = Buffer.alloc(16, 0x3c);
  const make = (role: 'initiator' | 'acceptor') =>
    new Rc4Protection({
      role,
      key,
      sendSequence: role === 'initiator' ? 5 : 9,
      receiveSequence: role === 'initiator' ? 9 : 5,
    });
  return { name: 'rc4-hmac', sender: () => make('initiator'), receiver: () => make('acceptor') };
}

const targets: ParserTarget[] = [
  cfxSides(Enctype.AES256_CTS_HMAC_SHA1_96),
  cfxSides(Enctype.AES128_CTS_HMAC_SHA256_128),
  cfxSides(Enctype.AES256_CTS_HMAC_SHA384_192),
  rc4Sides(),
].flatMap((sides) => [
  {
    name: `kerberos unwrap (${sides.name})`,
    parse: (input: Buffer) => sides.receiver().unwrap(input),
    allowed: isSspiError,
    seeds: () => [sides.sender().wrap(MESSAGE), sides.sender().wrap(MESSAGE, false)],
  },
  {
    name: `kerberos verify MIC (${sides.name})`,
    parse: (input: Buffer) => sides.receiver().verifyMic(MESSAGE, input),
    allowed: isSspiError,
    seeds: () => [sides.sender().getMic(MESSAGE)],
  },
]);

describe.each(targets.map((t) => [t.name, t] as const))('%s', (_name, target) => {
  it(
    'takes its seeds, and throws only SspiError on mutated and random input, in bounded time',
    () => {
      for (const seed of target.seeds()) expect(() => target.parse(seed)).not.toThrow();
      fc.assert(
        fc.property(tokenArb(target.seeds()), (input) => {
          checkParser(target, input);
        }),
        fcParams(RUNS),
      );
    },
    timeoutFor(runs(RUNS), 1),
  );
});
