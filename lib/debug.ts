/**
 * `NODE_DEBUG=credssp` tracing (util.debuglog): what api.ts did, for both backends. Each line
 * names sizes, statuses, versions and attribute bits, never a token's bytes, a password, an NT
 * hash or a key. Callers check `tracing()` first, so a process without NODE_DEBUG builds no
 * string and makes no extra call.
 */
import { debuglog } from 'node:util';
import { SECBUFFER } from './constants';
import type { SecBuffer } from './backend/types';
import type { SecurityContext } from './handles';

const log = debuglog('credssp');

/**
 * Calls made on each context so far, to number the legs. Kept here rather than on the handle:
 * only tracing needs it, and it is only written while tracing is on.
 */
const legsOf = new WeakMap<SecurityContext, number>();

/** True when NODE_DEBUG names credssp. */
export function tracing(): boolean {
  return log.enabled;
}

/** acquireCredentialsHandle succeeded, or failed with `err`. */
export function traceAcquire(pkg: string, use: string, backend: string, err?: unknown): void {
  if (err === undefined) log('acquire %s %s credential, %s backend', pkg, use, backend);
  else log('acquire %s %s credential, %s backend, failed: %s', pkg, use, backend, failureText(err));
}

/** One initialize/accept call returned a success or informational status. */
export function traceLeg(
  context: SecurityContext,
  input: readonly SecBuffer[],
  result: { statusName: string; output: Buffer; attributes: number },
): void {
  const leg = (legsOf.get(context) ?? 0) + 1;
  legsOf.set(context, leg);
  log(
    '%s %s leg %d: in %d bytes, out %d bytes, %s, attributes 0x%s',
    callName(context.role),
    context.package,
    leg,
    tokenBytes(input),
    result.output.length,
    result.statusName,
    result.attributes.toString(16).padStart(8, '0'),
  );
}

/** One initialize/accept call failed; `context` is null when the first call failed. */
export function traceLegFailure(
  role: 'initiator' | 'acceptor',
  pkg: string,
  context: SecurityContext | null,
  input: readonly SecBuffer[],
  err: unknown,
): void {
  const leg = (context ? (legsOf.get(context) ?? 0) : 0) + 1;
  if (context) legsOf.set(context, leg);
  log('%s %s leg %d failed: in %d bytes, %s', callName(role), pkg, leg, tokenBytes(input), failureText(err));
}

/** The CredSSP (TSRequest) version both sides settled on, once the exchange is complete. */
export function traceVersion(context: SecurityContext, version: number): void {
  log('%s %s: TSRequest version %d', context.role, context.package, version);
}

/** deleteSecurityContext or freeCredentialsHandle. */
export function traceRelease(what: 'context' | 'credential', pkg: string, detail: string): void {
  log('%s %s %s %s', what === 'context' ? 'delete' : 'free', pkg, detail, what);
}

function callName(role: 'initiator' | 'acceptor'): string {
  return role === 'initiator' ? 'initialize' : 'accept';
}

/** The bytes of the TOKEN buffers: the size of what the peer sent, not its content. */
function tokenBytes(input: readonly SecBuffer[]): number {
  return input.reduce((sum, b) => sum + (b.type === SECBUFFER.TOKEN ? b.buffer.length : 0), 0);
}

/** SspiError messages hold no secret (README, "Errors"); other errors are named by their message too. */
function failureText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
