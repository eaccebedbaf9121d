/**
 * Everything the TLS engine knows about Node's private TLS internals, behind one entry point.
 *
 * Node has no memory-BIO API, so the engine runs a TLSSocket over a stream of its own. How fast
 * that goes depends on internals (lib/_tls_wrap.js, lib/internal/js_stream_socket.js) that any
 * Node release may change:
 *  - record-pipe.ts: the least of a Duplex JSStreamSocket uses (duck-typed, not a stream.Duplex);
 *  - write-completion.ts: finishing JSStreamSocket's writes at once (`_parentWrap`, `finishWrite`,
 *    `kCurrentWriteRequest`) instead of a check phase later;
 *  - the '_tlsError' event: how a server TLSSocket no tls.Server owns reports a failure after the
 *    handshake (TLSSocket.prototype._tlsError). Both paths listen for it: it is a listener, not a
 *    call, and without it such a failure would go unseen; 'error' is listened for as well.
 * probe.ts decides, once per process, whether the fast path (the first two) is proven on this
 * Node; elsewhere the safe path uses safe-pipe.ts, a real Duplex through its public API.
 */
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { tlsPath, type TlsPath } from './probe';
import { RecordPipe } from './record-pipe';
import { SafePipe } from './safe-pipe';
import { writeFinisherOf, type WriteFinisher } from './write-completion';

export type { TlsPath, WriteFinisher };

/** The stream an engine's TLSSocket runs over, and what the engine may ask of it. */
export interface RecordTransport {
  readonly path: TlsPath;
  /** What to hand tls.connect / new TLSSocket as the socket. */
  readonly stream: Duplex;
  /** Records from the peer. */
  deliver(records: Buffer): void;
  /** Bytes delivered that TLS has not taken yet. */
  readonly readableLength: number;
  /**
   * Wire up the TLSSocket made over `stream`: `fail` hears every TLS failure; the result
   * completes TLS's writes at once (fast path), or is undefined and the engine waits for them.
   */
  attach(socket: TLSSocket, fail: (err: Error) => void): WriteFinisher | undefined;
  destroy(): void;
}

/** A transport on this process's path (probe.ts); `onWrite` gets each chunk TLS writes. */
export function recordTransport(onWrite: (chunk: Buffer) => void): RecordTransport {
  const path = tlsPath();
  const pipe = path === 'fast' ? new RecordPipe(onWrite) : new SafePipe(onWrite);
  return {
    path,
    stream: pipe as unknown as Duplex,
    deliver: (records) => pipe.deliver(records),
    get readableLength() {
      return pipe.readableLength;
    },
    attach(socket, fail) {
      socket.on('error', fail);
      // A server TLSSocket that no tls.Server owns never "releases control", and Node then
      // reports its errors after the handshake (a tampered or foreign record) only as
      // '_tlsError', never as 'error' (lib/_tls_wrap.js, TLSSocket.prototype._tlsError). Without
      // this a broken connection would look like one that simply produced no data.
      socket.on('_tlsError', fail);
      return path === 'fast' ? writeFinisherOf(socket) : undefined;
    },
    destroy: () => void pipe.destroy(),
  };
}
