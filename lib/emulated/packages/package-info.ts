/** SecPkgInfo of the emulated packages, with the values Windows reports for its own. */
import type { PackageInfo } from '../../attributes';

export type { PackageInfo };

const INFO: Record<'NTLM' | 'Negotiate' | 'CredSSP', PackageInfo> = {
  NTLM: {
    name: 'NTLM',
    comment: 'NTLM Security Package',
    capabilities: 0x00082b37,
    version: 1,
    rpcid: 10,
    maxToken: 2888,
  },
  Negotiate: {
    name: 'Negotiate',
    comment: 'Microsoft Package Negotiator',
    capabilities: 0x00083bb3,
    version: 1,
    rpcid: 9,
    maxToken: 48256,
  },
  CredSSP: {
    name: 'CredSSP',
    comment: 'Microsoft CredSSP Security Provider',
    capabilities: 0x00110733,
    version: 1,
    rpcid: 0xffff,
    maxToken: 90567,
  },
};

export function packageInfo(name: 'NTLM' | 'Negotiate' | 'CredSSP'): PackageInfo {
  return { ...INFO[name] };
}
