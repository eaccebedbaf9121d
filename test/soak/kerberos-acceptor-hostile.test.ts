/**
 * What a peer without a ticket can make a Kerberos acceptor spend (issue 13's rule, for issue 12's
 * acceptor): 2,000 hostile AP-REQs through the public API (package Kerberos, a keytab), each in a
 * context of its own — tickets and authenticators altered in their ciphertext, truncated, a valid
 * AP-REQ replayed, random bytes. Each is refused with a SEC_E_* SspiError carrying a KRB-ERROR of
 * bounded size, and the figures are printed: CPU time per refusal and the heap left after them.
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  acceptSecurityContext,
  acquireCredentialsHandle,
  freeCredentialsHandle,
  ASC_REQ,
  type CredentialsHandle,
} from '../../lib';
import { SspiError } from '../../lib/errors';
import { Enctype } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { encodeKeytab } from '../../lib/emulated/mechanisms/kerberos/files/keytab';
import { GssFlag } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { KerberosInitiator } from '../../lib/emulated/mechanisms/kerberos/initiator';
import { CNAME, REALM, flipped, issueTicket, makeService } from '../unit/support/kerberos-ap';

const REFUSALS = 2_000;
setFlagsFromString('--expose-gc');
/** A full collection, so the heap figure is what stays, not garbage not yet collected. */
const gc = runInNewContext('gc') as () => void;
const service = makeService(Enctype.AES256_CTS_HMAC_SHA1_96);
let credential: CredentialsHandle;

/** A valid AP-REQ for the service, made now (the acceptor runs on the real clock). */
function apReq(): Buffer {
  const now = new Date();
  const { ticket, sessionKey } = issueTicket(service, { authtime: new Date(now.getTime() - 60_000) });
  return new KerberosInitiator({
    ticket,
    sessionKey,
    cname: CNAME,
    crealm: REALM,
    flags: GssFlag.MUTUAL | GssFlag.CONF | GssFlag.INTEG,
    now: () => now,
  }).step(null).output;
}

/** The hostile inputs, in turn: each kind of damage, over fresh valid AP-REQs. */
function hostile(n: number, replayed: Buffer): Buffer {
  const token = apReq();
  switch (n % 5) {
    case 0: // inside the ticket's ciphertext: the service key's integrity check fails
      return flipped(token, Math.floor(token.length * 0.4));
    case 1: // inside the authenticator's ciphertext, near the end
      return flipped(token, token.length - 3);
    case 2:
      return token.subarray(0, Math.floor(token.length / 2));
    case 3:
      return replayed;
    default:
      return randomBytes(token.length);
  }
}

beforeAll(async () => {
  const keytab = encodeKeytab([
    {
      principal: service.sname,
      realm: REALM,
      timestamp: new Date(Math.floor(Date.now() / 1000) * 1000),
      kvno: service.kvno,
      key: service.key,
    },
  ]);
  credential = await acquireCredentialsHandle({
    package: 'Kerberos',
    use: 'inbound',
    emulated: { kerberos: { keytab } },
  });
});
afterAll(() => freeCredentialsHandle(credential));

test('hostile AP-REQs are refused with SEC_E_* statuses, in bounded CPU and memory', async () => {
  const flags = ASC_REQ.CONFIDENTIALITY | ASC_REQ.INTEGRITY;
  const replayed = apReq();
  const accepted = await acceptSecurityContext({ credential, flags, input: replayed });
  expect(accepted.statusName).toBe('SEC_E_OK');

  const inputs = Array.from({ length: REFUSALS }, (_, n) => hostile(n, replayed));
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  const codes = new Map<string, number>();
  let largestReply = 0;
  for (const input of inputs) {
    const err = await acceptSecurityContext({ credential, flags, input }).then(
      () => new Error('a hostile AP-REQ was accepted'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SspiError);
    const { code, output } = err as SspiError;
    expect(code).toMatch(/^SEC_E_/);
    expect(code).not.toBe('SEC_E_INTERNAL_ERROR');
    codes.set(code, (codes.get(code) ?? 0) + 1);
    largestReply = Math.max(largestReply, output?.length ?? 0);
  }
  const cpu = process.cpuUsage(cpuBefore);
  gc();
  const heapGrowthKiB = (process.memoryUsage().heapUsed - heapBefore) / 1024;
  const cpuPerRefusalUs = (cpu.user + cpu.system) / REFUSALS;
  console.log(
    `Kerberos acceptor, ${REFUSALS} hostile AP-REQs: ${cpuPerRefusalUs.toFixed(0)} µs CPU each, ` +
      `largest KRB-ERROR ${largestReply} bytes, heap ${heapGrowthKiB.toFixed(0)} KiB after; ` +
      [...codes].map(([c, k]) => `${c} ×${k}`).join(', '),
  );
  // Bounds with room for a loaded machine: a refusal costs well under a millisecond here.
  expect(cpuPerRefusalUs).toBeLessThan(5_000);
  expect(largestReply).toBeLessThan(512);
  expect(heapGrowthKiB).toBeLessThan(16 * 1024);
});
