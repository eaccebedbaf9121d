/**
 * The Kerberos AP exchange under hostile tokens: mutated AP-REQs (ours, with every option, and
 * MIT's) into our acceptor, mutated AP-REPs and KRB-ERRORs (ours and MIT's) into our initiator.
 * Each leg returns or throws an SspiError, nothing else (no RangeError, no TypeError), in bounded
 * time; every refusal by the acceptor carries a framed KRB-ERROR for the initiator.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { SspiError } from '../../lib/errors';
import { KerberosAcceptor } from '../../lib/emulated/mechanisms/kerberos/acceptor';
import { Enctype } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { GssFlag, GssTokenId } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { unwrapInitialContextToken } from '../../lib/emulated/mechanisms/kerberos/messages/gss-token';
import { parseKrbError } from '../../lib/emulated/mechanisms/kerberos/messages/krb-error';
import { ReplayCache } from '../../lib/emulated/mechanisms/kerberos/replay-cache';
import { KerberosInitiator } from '../../lib/emulated/mechanisms/kerberos/initiator';
import { CNAME, NOW, REALM, issueTicket, makeService } from '../unit/support/kerberos-ap';
import { fcParams, runs, timeoutFor } from './support/budget';
import { tokenArb } from './support/mutate';
import { checkParser, type ParserTarget } from './support/parser-property';

const RUNS = 1_000;
const FIXTURES = join(__dirname, '../fixtures/kerberos');
const FLAGS = GssFlag.MUTUAL | GssFlag.CONF | GssFlag.INTEG;

/** MIT's framed context tokens whose file name starts with `prefix`. */
function mit(prefix: string): Buffer[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.gss.hex'))
    .map((f) => Buffer.from(readFileSync(join(FIXTURES, f), 'utf8').trim(), 'hex'));
}

const service = makeService(Enctype.AES256_CTS_HMAC_SHA1_96);
const { ticket, sessionKey } = issueTicket(service);
const replayCache = new ReplayCache({ maxEntries: 10 * RUNS });
const bindings = { applicationData: Buffer.from('tls-server-end-point:cb') };
const initiator = (opts: { flags?: number; channelBindings?: typeof bindings } = {}) =>
  new KerberosInitiator({
    ticket,
    sessionKey,
    cname: CNAME,
    crealm: REALM,
    flags: FLAGS,
    now: () => NOW,
    ...opts,
  });
const acceptor = () =>
  new KerberosAcceptor({
    keys: service.keys,
    replayCache,
    now: () => NOW,
    channelBindings: bindings,
  });

const apReqs = [
  initiator().step(null).output,
  initiator({ flags: GssFlag.CONF }).step(null).output,
  initiator({ channelBindings: bindings }).step(null).output,
  ...mit('ap-req'),
];
const replies = [
  acceptor().step(initiator().step(null).output).output,
  (() => {
    try {
      acceptor().step(Buffer.from('6e00', 'hex'));
    } catch (err) {
      return (err as SspiError).output!;
    }
    throw new Error('expected a refusal');
  })(),
  ...mit('ap-rep'),
  ...mit('krb-error'),
];

const isSspiError = (err: unknown) => err instanceof SspiError;

const targets: ParserTarget[] = [
  {
    name: 'kerberos acceptor step (AP-REQ)',
    parse(input) {
      try {
        return acceptor().step(input);
      } catch (err) {
        // Every refusal tells the initiator, in a KRB-ERROR it can read.
        const output = (err as SspiError).output;
        if (!output) throw new Error(`a refusal without a KRB-ERROR: ${(err as Error).message}`);
        const framed = unwrapInitialContextToken(output);
        if (framed.tokId !== GssTokenId.KRB_ERROR) throw new Error('the refusal token is not a KRB-ERROR');
        parseKrbError(framed.inner);
        throw err;
      }
    },
    allowed: isSspiError,
    seeds: () => apReqs,
    // A refusal's KRB-ERROR names the ticket's service: at most what the AP-REQ carried, framed.
    growth: 2,
  },
  {
    name: 'kerberos initiator step (AP-REP or KRB-ERROR)',
    parse(input) {
      const ours = initiator();
      ours.step(null);
      return ours.step(input);
    },
    allowed: isSspiError,
    seeds: () => replies,
  },
];

describe.each(targets.map((t) => [t.name, t] as const))('%s', (_name, target) => {
  it(
    'throws only SspiError on mutated and random input, in bounded time',
    () => {
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
