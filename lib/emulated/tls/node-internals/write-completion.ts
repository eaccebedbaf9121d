/**
 * Completing TLS's writes into the record pipe at once instead of a turn later.
 *
 * A TLSSocket over a JS stream writes through JSStreamSocket (lib/internal/js_stream_socket.js),
 * which reports every write complete from a setImmediate ("ensure that write was dispatched"):
 * its native side must not be re-entered from inside the write call. Until then TLSWrap holds
 * back all further output, so each CredSSP leg and each EncryptMessage used to wait one check
 * phase for the previous write. Our pipe takes a write whole and synchronously, so the write is
 * in fact done when TLS's call returns; calling JSStreamSocket's own `finishWrite` from our code
 * at that point (the native call has unwound) is what the setImmediate would do, minus the turn.
 * The setImmediate still runs later and finds nothing to finish (finishWrite ignores a write
 * request that is already finished, as it does for a cancelled one).
 *
 * This reads two Node internals: the TLS handle's `_parentWrap` (the JSStreamSocket, set in
 * lib/_tls_wrap.js `_wrapHandle`) and JSStreamSocket's `kCurrentWriteRequest` symbol. When a
 * Node release changes either, `writeFinisherOf` returns undefined and the engine falls back to
 * waiting for the check phase, which is slower and just as correct.
 */
import type { TLSSocket } from 'node:tls';

interface JsStreamSocketInternals {
  _handle: unknown;
  finishWrite(handle: unknown, errorCode: number): void;
  [key: symbol]: unknown;
}

/** Completes every write TLS has in flight into the pipe; false when one could not be completed. */
export type WriteFinisher = () => boolean;

/** Writes one finishWrite may set off before we decide Node is not behaving as read (a bound, not a limit in practice). */
const MAX_CHAINED_WRITES = 64;

/**
 * JSStreamSocket's `kCurrentWriteRequest`: one symbol for the process (a module-level constant of
 * js_stream_socket.js), found on the first socket and then only checked for on each new one.
 */
let currentWriteRequest: symbol | undefined;

function currentWriteRequestOf(wrap: JsStreamSocketInternals): symbol | undefined {
  if (currentWriteRequest !== undefined && Object.prototype.hasOwnProperty.call(wrap, currentWriteRequest)) {
    return currentWriteRequest;
  }
  currentWriteRequest = Object.getOwnPropertySymbols(wrap).find(
    (s) => s.description === 'kCurrentWriteRequest',
  );
  return currentWriteRequest;
}

/** The finisher for this TLSSocket's JSStreamSocket; undefined when Node's internals are not as described above. */
export function writeFinisherOf(socket: TLSSocket): WriteFinisher | undefined {
  const wrap = (socket as unknown as { _handle?: { _parentWrap?: unknown } })._handle?._parentWrap as
    JsStreamSocketInternals | undefined;
  if (!wrap || typeof wrap.finishWrite !== 'function') return undefined;
  const current = currentWriteRequestOf(wrap);
  if (current === undefined) return undefined;
  return () => {
    // Finishing one write lets TLSWrap flush what it held back, which may start the next.
    for (let i = 0; i < MAX_CHAINED_WRITES; i++) {
      if (wrap[current] === null || wrap[current] === undefined) return true;
      if (!wrap._handle) return false;
      wrap.finishWrite(wrap._handle, 0);
    }
    return wrap[current] === null || wrap[current] === undefined;
  };
}
