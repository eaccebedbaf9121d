/**
 * NegotiateFlags bits of NTLM messages (MS-NLMP 2.2.2.5), by their spec names without the
 * `NTLMSSP_` prefix where the spec's own name has one.
 */
export const NTLMSSP_NEGOTIATE_UNICODE = 0x00000001;
export const NTLM_NEGOTIATE_OEM = 0x00000002;
export const NTLMSSP_REQUEST_TARGET = 0x00000004;
export const NTLMSSP_NEGOTIATE_SIGN = 0x00000010;
export const NTLMSSP_NEGOTIATE_SEAL = 0x00000020;
export const NTLMSSP_NEGOTIATE_DATAGRAM = 0x00000040;
export const NTLMSSP_NEGOTIATE_LM_KEY = 0x00000080;
export const NTLMSSP_NEGOTIATE_NTLM = 0x00000200;
/** "Anonymous" in the spec's table: set by a client that sends a null-session AUTHENTICATE. */
export const NTLMSSP_ANONYMOUS = 0x00000800;
export const NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED = 0x00001000;
export const NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED = 0x00002000;
export const NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000;
export const NTLMSSP_TARGET_TYPE_DOMAIN = 0x00010000;
export const NTLMSSP_TARGET_TYPE_SERVER = 0x00020000;
export const NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000;
export const NTLMSSP_NEGOTIATE_IDENTIFY = 0x00100000;
export const NTLMSSP_REQUEST_NON_NT_SESSION_KEY = 0x00400000;
export const NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000;
export const NTLMSSP_NEGOTIATE_VERSION = 0x02000000;
export const NTLMSSP_NEGOTIATE_128 = 0x20000000;
export const NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000;
export const NTLMSSP_NEGOTIATE_56 = 0x80000000;

/** True when every bit of `flag` is set in `flags`. */
export function hasFlag(flags: number, flag: number): boolean {
  return (flags & flag) >>> 0 === flag >>> 0;
}
