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

/** The name of a SECURITY_STATUS, e.g. `statusName(0x8009030c) === 'SEC_E_LOGON_DENIED'`. */
export function statusName(status: number): string {
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
  /** The status name, e.g. 'SEC_E_LOGON_DENIED'. */
  readonly code: string;
  /** The SECURITY_STATUS as an unsigned 32-bit number. */
  readonly status: number;
  /** A token to send to the peer so it learns why (CredSSP TSRequest with errorCode, SPNEGO reject). */
  output?: Buffer;

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
  const err = new TypeError(
    `The argument '${name}' ${reason}. Received ${describe(value)}`,
  ) as TypeError & { code: string };
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
