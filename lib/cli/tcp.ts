/** TCP for the command line: HOST[:PORT] arguments and connecting with a deadline. */
import { connect, isIP, type Socket } from 'node:net';
import { CliError, EXIT, UsageError } from './exit-codes';

/** Split "host", "host:port", "[v6]:port" or a bare IPv6 address. */
export function parseHostPort(value: string, defaultPort: number): { host: string; port: number } {
  let host = value;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) {
    host = bracketed[1];
    portText = bracketed[2];
  } else if (isIP(value) !== 6) {
    const colon = value.lastIndexOf(':');
    if (colon >= 0) {
      host = value.slice(0, colon);
      portText = value.slice(colon + 1);
    }
  }
  if (host === '' || /[\s/]/.test(host)) throw new UsageError(`"${value}" is not a host name or address.`);
  return { host, port: portText === undefined ? defaultPort : parsePort(portText) };
}

/** A TCP port number from the command line. */
export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new UsageError(`"${text}" is not a TCP port (1-65535).`);
  return port;
}

/** A positive number of seconds from the command line, as milliseconds. */
export function parseSeconds(text: string, option: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(seconds > 0 && seconds <= 3600))
    throw new UsageError(`${option} takes a number of seconds (0-3600].`);
  return Math.round(seconds * 1000);
}

/** Connect, or fail with exit code 3 and a sentence that names the address. */
export function connectTcp(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new CliError(`Could not connect to ${host}:${port} within ${timeoutMs / 1000} s.`, EXIT.NETWORK),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new CliError(`Could not connect to ${host}:${port}: ${err.code ?? err.message}.`, EXIT.NETWORK));
    });
  });
}

/** Host and port of the far end of a socket, as "127.0.0.1:50412" or "[::1]:50412". */
export function remoteAddressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? 'unknown';
  return `${isIP(address) === 6 ? `[${address}]` : address}:${socket.remotePort ?? 0}`;
}
