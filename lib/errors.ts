/**
 * Errors are made here and nowhere else: an SspiError carries the SEC_E_* code, the status
 * number and a sentence a user understands. Messages never contain secrets.
 */
import { SEC, type StatusName } from './constants';

const namesByStatus = new Map<number, StatusName>();
for (const [key, value] of Object.entries(SEC)) {
  // SEC_E_CONTEXT_EXPIRED and SEC_I_CONTEXT_EXPIRED differ only in severity; first wins is fine
  // because their numbers differ (0x80090317 vs 0x00090317).
  if (!namesByStatus.has(value)) namesByStatus.set(value, `SEC_${key}` as StatusName);
}

/**
 * What {@link statusName} gives for a status that is not in `SEC` (a native backend may return
 * one from a newer SDK): `0x` and its eight hex digits, e.g. `'0x80091234'`.
 */
export type UnknownStatusName = `0x${string}`;

/**
 * The name of a SECURITY_STATUS, e.g. `statusName(0x8009030c) === 'SEC_E_LOGON_DENIED'`; a
 * status not in `SEC` gives its hex spelling.
 */
export function statusName(status: number): StatusName | UnknownStatusName {
  const unsigned = status >>> 0;
  return namesByStatus.get(unsigned) ?? `0x${unsigned.toString(16).padStart(8, '0')}`;
}

/** The status number of a name such as 'SEC_E_LOGON_DENIED'. */
export function statusOf(name: StatusName): number {
  return SEC[name.slice(4) as keyof typeof SEC];
}

/** A failed SSPI call. `code` is the status name, `status` the unsigned SECURITY_STATUS. */
export class SspiError extends Error {
  override name = 'SspiError';
  /** The status name, e.g. 'SEC_E_LOGON_DENIED' (hex, e.g. '0x80091234', for a status not in `SEC`). */
  readonly code: StatusName | UnknownStatusName;
  /** The SECURITY_STATUS as an unsigned 32-bit number. */
  readonly status: number;
  /** A token to send to the peer so it learns why (CredSSP TSRequest with errorCode, SPNEGO reject). */
  output?: Buffer;
  /** The raw status the peer reported, when the failure is the peer's verdict (a CredSSP errorCode). */
  peerStatus?: number;

  constructor(status: number, message: string, output?: Buffer) {
    super(message);
    this.status = status >>> 0;
    this.code = statusName(this.status);
    if (output && output.length > 0) this.output = output;
  }
}

/** Make an SspiError from a status name and a user-facing sentence. */
export function sspiError(code: StatusName, message: string, output?: Buffer): SspiError {
  return new SspiError(statusOf(code), message, output);
}

/** True for an SspiError of the given code. */
export function isSspiError(err: unknown, code?: StatusName): err is SspiError {
  return err instanceof SspiError && (code === undefined || err.code === code);
}

/**
 * The rejection of a call stopped by its AbortSignal, shaped as Node's own APIs make it (the
 * AbortError of timers/promises, fs, stream): name 'AbortError', code 'ABORT_ERR', and the
 * signal's reason as `cause`.
 */
export function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason }) as Error & { code: string };
  err.name = 'AbortError';
  err.code = 'ABORT_ERR';
  return err;
}

/** Node-style TypeError for a wrong argument type (ERR_INVALID_ARG_TYPE). */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  const err = new TypeError(
    `The "${name}" argument must be ${expected}. Received ${describe(actual)}`,
  ) as TypeError & { code: string };
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

/** Node-style TypeError for a value of the right type but not allowed (ERR_INVALID_ARG_VALUE). */
export function invalidArgValue(name: string, value: unknown, reason: string): TypeError {
  const err = new TypeError(`The argument '${name}' ${reason}. Received ${describe(value)}`) as TypeError & {
    code: string;
  };
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    return ctor ? `an instance of ${ctor}` : 'an object';
  }
  if (typeof value === 'string') return `type string (${JSON.stringify(value.slice(0, 28))})`;
  return `type ${typeof value} (${String(value)})`;
}

/** How many characters of anything a peer sent an error message or log line may quote. */
export const PEER_TEXT_LIMIT = 64;

/**
 * Control characters (C0, DEL, C1), line and paragraph separators and bidirectional overrides:
 * escaped, so a peer's text cannot break a log line in two or reorder what a terminal shows.
 */
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * A piece of text a peer sent (an OID, a name, a certificate subject), fit to quote in an error
 * message or a log line: its first `limit` characters with "… (N more)" when it is longer, and
 * control characters escaped as \uXXXX. What a peer can make a message hold is then bounded,
 * however long its field was.
 */
export function peerText(text: string, limit = PEER_TEXT_LIMIT): string {
  let end = Math.min(text.length, limit);
  // Never cut a surrogate pair in two.
  const last = text.charCodeAt(end - 1);
  if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
  const shown = text
    .slice(0, end)
    .replace(UNSAFE_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return end < text.length ? `${shown}… (${text.length - end} more)` : shown;
}

/** Sentences for statuses a backend returns as bare numbers (the native one does). */
const defaultMessages: Partial<Record<string, string>> = {
  SEC_E_LOGON_DENIED: 'The logon failed: check the user name, domain and password.',
  SEC_E_INVALID_TOKEN: 'The token from the peer is malformed or belongs to another security package.',
  SEC_E_INVALID_HANDLE: 'The handle is not valid: it was freed, deleted, or is of the wrong kind.',
  SEC_E_NO_CREDENTIALS: 'No credentials are available in the security package.',
  SEC_E_UNKNOWN_CREDENTIALS: 'The credentials supplied to the package were not recognised.',
  SEC_E_MESSAGE_ALTERED: 'The message or signature was altered in transit.',
  SEC_E_OUT_OF_SEQUENCE: 'The message was received out of sequence.',
  SEC_E_UNSUPPORTED_FUNCTION: 'A requested flag or function is not supported by this package.',
  SEC_E_SECPKG_NOT_FOUND: 'The requested security package does not exist on this system.',
  SEC_E_TARGET_UNKNOWN: 'The target was not recognised.',
  SEC_E_WRONG_PRINCIPAL: 'The server is not the one the target name names (mutual authentication failed).',
  SEC_E_MUTUAL_AUTH_FAILED: 'The server could not be authenticated (ISC_REQ_MUTUAL_AUTH was requested).',
  SEC_E_DELEGATION_POLICY: 'The delegation policy does not allow sending credentials to this target.',
  SEC_E_POLICY_NLTM_ONLY:
    'The delegation policy does not allow sending credentials to this target with NTLM-only authentication.',
  SEC_E_NO_AUTHENTICATING_AUTHORITY: 'No authority could be contacted for authentication.',
  SEC_E_INTERNAL_ERROR: 'An error occurred that did not map to an SSPI error code.',
  SEC_E_INSUFFICIENT_MEMORY: 'Not enough memory to complete the request.',
  SEC_E_CONTEXT_EXPIRED: 'The security context has expired or was closed by the peer.',
};

/** A sentence for a status when the backend gave none. */
export function messageForStatus(status: number): string {
  const name = statusName(status);
  return defaultMessages[name] ?? `The security package returned ${name}.`;
}
