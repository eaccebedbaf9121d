/**
 * Argument checks for the public API. A wrong type or value is a programming error: a TypeError
 * with Node's codes, thrown before any backend is called.
 */
import type { SecBuffer } from './backend/types';
import { SECBUFFER, SECURITY_NATIVE_DREP, SECURITY_NETWORK_DREP } from './constants';
import { invalidArgType, invalidArgValue } from './errors';

export function requireObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidArgType(name, 'of type object', value);
  }
  return value as Record<string, unknown>;
}

export function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  return value;
}

export function requireOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string') throw invalidArgType(name, 'of type string', value);
  if (!allowed.includes(value as T)) {
    throw invalidArgValue(name, value, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** fContextReq and friends: an unsigned 32-bit integer. */
export function requireFlags(name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw invalidArgValue(name, value, 'must be an unsigned 32-bit integer');
  }
  return value >>> 0;
}

export function dataRep(value: unknown): number {
  if (value === undefined) return SECURITY_NATIVE_DREP;
  if (typeof value !== 'number') throw invalidArgType('targetDataRep', 'of type number', value);
  if (value !== SECURITY_NATIVE_DREP && value !== SECURITY_NETWORK_DREP) {
    throw invalidArgValue('targetDataRep', value, 'must be SECURITY_NATIVE_DREP or SECURITY_NETWORK_DREP');
  }
  return value;
}

export function requireBuffer(name: string, value: unknown): Buffer {
  if (!Buffer.isBuffer(value)) {
    if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    throw invalidArgType(name, 'an instance of Buffer or Uint8Array', value);
  }
  return value;
}

/** `input`: a Buffer means [TOKEN(buffer), EMPTY], as docs/API.md says; absent means no input. */
export function inputBuffers(value: unknown): SecBuffer[] {
  if (value === undefined || value === null) return [];
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) {
    return [
      { type: SECBUFFER.TOKEN, buffer: requireBuffer('input', value) },
      { type: SECBUFFER.EMPTY, buffer: Buffer.alloc(0) },
    ];
  }
  if (!Array.isArray(value)) throw invalidArgType('input', 'a Buffer or an array of SecBuffer', value);
  return value.map((item, i) => {
    const b = requireObject(`input[${i}]`, item);
    const type = requireFlags(`input[${i}].type`, b.type);
    return {
      type,
      buffer: b.buffer === undefined ? Buffer.alloc(0) : requireBuffer(`input[${i}].buffer`, b.buffer),
    };
  });
}
