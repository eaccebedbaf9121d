/**
 * What `credssp rdp-check` says about its outcome: the human verdict on stdout, or with `--json`
 * one JSON line whose fields are named as `serve`'s auth lines are (user, domain, version, inner,
 * message, peerStatus). Account names, sizes and statuses only: never a password or token bytes.
 */
import type { X509Certificate } from 'node:crypto';
import { peerText } from '../errors';
import { SspiError } from '../index';
import { EXIT, exitCodeOf } from './exit-codes';
import type { Leg } from './legs';

/** The command line's facts a report names. */
export interface CheckTarget {
  host: string;
  port: number;
  user: string;
  domain: string;
  /** The backend the credential runs on. */
  backend: string;
}

/** What one check found so far; filled in as it goes, so a failure reports what was reached. */
export interface CheckRun {
  /** Each token sent or received (kept only with --verbose). */
  legs: Leg[];
  /** When the TCP connection was started; null if the check never got that far. */
  startedAt: number | null;
  /** The exchange reached SEC_E_OK. */
  complete: boolean;
  /** The TSRequest version both sides used (MS-CSSP 2.2.1), when the package says. */
  version: number | null;
  /** The inner package, e.g. "NTLM", when the package says. */
  inner: string | null;
  certificate?: X509Certificate;
}

/** A CheckRun before anything happened. */
export function newCheckRun(): CheckRun {
  return { legs: [], startedAt: null, complete: false, version: null, inner: null };
}

/** The `--json` line of a success. */
export function successLine(target: CheckTarget, run: CheckRun): string {
  const certificate = run.certificate
    ? { subject: certificateSubject(run.certificate), sha256: run.certificate.fingerprint256 }
    : null;
  return JSON.stringify({ ...commonFields(target, run, 'success', 'SEC_E_OK'), certificate });
}

/**
 * The `--json` line of a failure. `result` follows the exit code: "refused" (1), "usage" (2),
 * "error" (3); `status` is the SEC_E_* name when a security call failed, else null.
 */
export function failureLine(target: CheckTarget, run: CheckRun, err: unknown): string {
  const code = exitCodeOf(err);
  const result = code === EXIT.REFUSED ? 'refused' : code === EXIT.USAGE ? 'usage' : 'error';
  const sspi = err instanceof SspiError ? err : undefined;
  return JSON.stringify({
    ...commonFields(target, run, result, sspi ? sspi.code : null),
    ...(sspi?.peerStatus !== undefined
      ? { peerStatus: `0x${(sspi.peerStatus >>> 0).toString(16).padStart(8, '0')}` }
      : {}),
    message: err instanceof Error ? err.message : String(err),
  });
}

/** The human verdict of a success (stdout). */
export function successText(target: CheckTarget, run: CheckRun): string[] {
  const lines = [
    `NLA succeeded: ${target.domain ? `${target.domain}\\` : ''}${target.user} authenticated to ${targetName(target)} (${target.host}:${target.port}).`,
  ];
  // Not validated (no ISC_REQ_MUTUAL_AUTH): shown so the user can compare it with the server's.
  if (run.certificate) {
    lines.push(
      `server certificate (not validated): ${certificateSubject(run.certificate)}, SHA-256 ${run.certificate.fingerprint256}`,
    );
  }
  return lines;
}

/** The service principal rdp-check authenticates to. */
export function targetName(target: Pick<CheckTarget, 'host'>): string {
  return `TERMSRV/${target.host}`;
}

function commonFields(target: CheckTarget, run: CheckRun, result: string, status: string | null) {
  return {
    event: 'rdp-check',
    result,
    status,
    host: target.host,
    port: target.port,
    target: targetName(target),
    user: target.user,
    domain: target.domain,
    package: 'CredSSP',
    backend: target.backend,
    version: run.version,
    inner: run.inner,
    elapsedMs: run.startedAt === null ? null : Date.now() - run.startedAt,
  };
}

function certificateSubject(certificate: X509Certificate): string {
  return peerText(certificate.subject.replace(/\n/g, ', '));
}
