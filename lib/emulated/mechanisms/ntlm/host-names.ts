/**
 * This machine's names as NTLM presents them: the client's Workstation and the server's
 * TargetInfo names (MS-NLMP 2.2.2.1). Read from os.hostname() once per process: the call is a
 * system call that costs a few microseconds on every handshake, and a host name is not a secret.
 */
import { hostname } from 'node:os';

/** The default names, all derived from the host name. */
export interface HostNames {
  /** NetBIOS computer name: the first label, uppercased, at most 15 characters. */
  nbComputerName: string;
  /** DNS computer name: the host name as the system gives it. */
  dnsComputerName: string;
  /** DNS domain name: the host name without its first label, or the host name itself. */
  dnsDomainName: string;
}

let cached: HostNames | undefined;

/** The names of this host, computed on first use. */
export function hostNames(): HostNames {
  if (!cached) {
    const host = hostname();
    const dot = host.indexOf('.');
    cached = Object.freeze({
      nbComputerName: host.split('.')[0].toUpperCase().slice(0, 15),
      dnsComputerName: host,
      dnsDomainName: dot >= 0 ? host.slice(dot + 1) : host,
    });
  }
  return cached;
}
