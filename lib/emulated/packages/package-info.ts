/** SecPkgInfo of the emulated packages, with the values Windows reports for its own. */
import type { PackageInfo } from '../../attributes';

export type { PackageInfo };

/** The packages the emulated backend runs. */
export type EmulatedPackageName = 'NTLM' | 'Negotiate' | 'Kerberos' | 'CredSSP';

/**
 * Windows 10's values, without the two bits it adds for AppContainer and restricted-token checks
 * (SECPKG_FLAG_APPCONTAINER_CHECKS, SECPKG_FLAG_RESTRICTED_TOKENS), which say nothing here.
 * Kerberos' maxToken is 48000 since Windows 8 (12000 before).
 */
const INFO: Record<EmulatedPackageName, PackageInfo> = {
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
  Kerberos: {
    name: 'Kerberos',
    comment: 'Microsoft Kerberos V1.0',
    capabilities: 0x000f3bbf,
    version: 1,
    rpcid: 16,
    maxToken: 48000,
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

export function packageInfo(name: EmulatedPackageName): PackageInfo {
  return { ...INFO[name] };
}
