/**
 * Sending one request to a realm's KDCs until one answers (RFC 4120 7.2): KDCs in the order
 * locate.ts gives, each over UDP when the request is small enough (udp_preference_limit) and
 * over TCP otherwise or when UDP gets no answer, or when the caller says a UDP reply means "too
 * big" (KRB_ERR_RESPONSE_TOO_BIG, which the Kerberos layer recognises). The whole send has one
 * deadline; when it passes or no KDC answers, SEC_E_NO_AUTHENTICATING_AUTHORITY lists what was
 * tried and why each failed.
 */
import { peerText, sspiError } from '../../errors';
import { DEFAULT_UDP_PREFERENCE_LIMIT } from './krb5-conf';
import { locateKdcs, type KdcAddress, type LocateOptions } from './locate';
import { KdcUnreachable, exchange } from './transport';

/** MIT waits about a second for a UDP answer before the next try. */
export const UDP_TIMEOUT_MS = 1000;
export const TCP_TIMEOUT_MS = 3000;
export const DEFAULT_DEADLINE_MS = 10_000;

export interface SendOptions extends LocateOptions {
  /** The whole send, every KDC and transport included (ms). */
  deadlineMs?: number;
  /** A UDP reply that asks for TCP instead (KRB_ERR_RESPONSE_TOO_BIG). */
  wantsTcp?: (reply: Buffer) => boolean;
  signal?: AbortSignal;
}

/** The first reply any of the realm's KDCs gives to `request`. */
export async function sendToKdc(realm: string, request: Buffer, options: SendOptions = {}): Promise<Buffer> {
  const kdcs = await locateKdcs(realm, options);
  const limit = options.config?.udpPreferenceLimit ?? DEFAULT_UDP_PREFERENCE_LIMIT;
  const deadline = Date.now() + (options.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const tried: string[] = [];
  for (const kdc of kdcs) {
    for (const protocol of protocolsFor(kdc, request.length, limit)) {
      const left = deadline - Date.now();
      if (left <= 0) return noAnswer(realm, tried, 'the deadline passed');
      const timeoutMs = Math.min(left, protocol === 'udp' ? UDP_TIMEOUT_MS : TCP_TIMEOUT_MS);
      try {
        const reply = await exchange(
          { host: kdc.host, port: kdc.port, protocol, timeoutMs, signal: options.signal },
          request,
        );
        if (protocol === 'udp' && options.wantsTcp?.(reply)) {
          tried.push(`${where(kdc)} udp: the reply is too big for UDP`);
          continue;
        }
        return reply;
      } catch (err) {
        if (!(err instanceof KdcUnreachable)) throw err;
        tried.push(`${where(kdc)} ${protocol}: ${err.message}`);
      }
    }
  }
  return noAnswer(realm, tried);
}

/** UDP first for requests up to the limit (RFC 4120 7.2.1 and MIT), TCP first above it. */
function protocolsFor(kdc: KdcAddress, length: number, limit: number): Array<'udp' | 'tcp'> {
  if (kdc.transport !== 'any') return [kdc.transport];
  return length <= limit ? ['udp', 'tcp'] : ['tcp', 'udp'];
}

function where(kdc: KdcAddress): string {
  const host = peerText(kdc.host);
  return host.includes(':') ? `[${host}]:${kdc.port}` : `${host}:${kdc.port}`;
}

function noAnswer(realm: string, tried: string[], why?: string): never {
  throw sspiError(
    'SEC_E_NO_AUTHENTICATING_AUTHORITY',
    `No KDC of the realm ${realm} answered${why ? ` (${why})` : ''}: ${tried.join('; ') || 'none was tried'}.`,
  );
}
