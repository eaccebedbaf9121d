/**
 * Which path the TLS engine takes over Node's TLS: the fast one (RecordPipe + write-completion.ts,
 * which lean on Node internals) only where it is proven, the safe one (SafePipe: a real Duplex,
 * no private calls) everywhere else. Proven means both:
 *  - the Node major is one CI runs the suites on (FAST_PATH_MAJORS; .ci/run), and
 *  - a self-test, once per process, finds the internals in the shape write-completion.ts reads
 *    (a TLSSocket over a RecordPipe exposes a JSStreamSocket it can finish writes on) and the
 *    `_tlsError` method whose event the engine listens for.
 * `CREDSSP_TLS_PATH=safe` forces the safe path (read once, at the first engine).
 */
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { RecordPipe } from './record-pipe';
import { writeFinisherOf } from './write-completion';

export type TlsPath = 'fast' | 'safe';

/** The Node majors .ci/run tests the fast path on; keep the two lists in step. */
export const FAST_PATH_MAJORS: readonly number[] = [22, 24, 26];

/** What the choice depends on, apart from the self-test (an argument, so tests can vary it). */
export interface PathInputs {
  nodeMajor: number;
  forced: string | undefined;
  selfTest: () => boolean;
}

/** The path for these inputs; the self-test runs only when the first two allow the fast path. */
export function choosePath(inputs: PathInputs): TlsPath {
  if (inputs.forced === 'safe') return 'safe';
  if (!FAST_PATH_MAJORS.includes(inputs.nodeMajor)) return 'safe';
  return inputs.selfTest() ? 'fast' : 'safe';
}

/** A throwaway TLSSocket over a RecordPipe (no handshake starts: nothing is fed to it). */
export function internalsHaveTheirShape(): boolean {
  if (typeof (TLSSocket.prototype as unknown as { _tlsError?: unknown })._tlsError !== 'function')
    return false;
  const pipe = new RecordPipe(() => undefined);
  let socket: TLSSocket | undefined;
  try {
    socket = new TLSSocket(pipe as unknown as Duplex, { isServer: true });
    socket.on('error', () => undefined);
    return writeFinisherOf(socket) !== undefined;
  } catch {
    return false;
  } finally {
    socket?.destroy();
    pipe.destroy();
  }
}

let chosen: TlsPath | undefined;

/** This process's path, decided on first use. */
export function tlsPath(): TlsPath {
  chosen ??= choosePath({
    nodeMajor: Number(process.versions.node.split('.')[0]),
    forced: process.env.CREDSSP_TLS_PATH,
    selfTest: internalsHaveTheirShape,
  });
  return chosen;
}
