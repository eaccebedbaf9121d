/**
 * The sizes NTLM takes from a peer or a caller. Every variable field of an NTLM message has a
 * 16-bit length (MS-NLMP 2.2.1), and the client echoes the server's TargetInfo inside its NTLMv2
 * response (3.1.5.1.2), so without these bounds a peer could make the AUTHENTICATE we build
 * overflow a field; past them the answer is SEC_E_INVALID_TOKEN (a peer's value) or a TypeError
 * (a caller's), never an encoder's RangeError.
 */

/**
 * The longest CHALLENGE TargetInfo (MS-NLMP 2.2.1.2) the client answers. A real server's list
 * with every name at its longest (NetBIOS 15 characters, DNS 255, as UTF-16LE AV pairs), plus
 * MsvAvFlags, MsvAvTimestamp and MsvAvEOL, is 1,634 bytes.
 */
export const MAX_TARGET_INFO_LENGTH = 2048;

/**
 * The longest user, domain, workstation or target (SPN) name, in UTF-16 code units, that either
 * side sends or takes. With TargetInfo bounded as above, the AUTHENTICATE's longest field (the
 * NTLMv2 response, which carries the SPN) stays far below 65,535 bytes.
 */
export const MAX_NAME_LENGTH = 1024;
