/**
 * mechListMIC (RFC 4178 section 5): each side signs the DER of the initiator's MechTypeList with
 * the negotiated mechanism, so a man in the middle cannot strip stronger mechanisms from the list.
 *
 * NTLM adds a twist (MS-SPNG 3.3.5.1): the RC4 handle that signed or verified the mechListMIC is
 * put back to the state it had before, so the first application message sees the same keystream
 * as the MIC did. Only the RC4 state is restored: the MIC keeps its sequence number, so the first
 * application message is number 1. gss-ntlmssp does the same (its reset-crypto context option,
 * called by MIT's SPNEGO after gss_get_mic and gss_verify_mic), and so does pyspnego. Other
 * mechanisms (Kerberos) just sign and verify.
 */
import type { MechanismContext } from '../mechanism-context';

/**
 * The inner mechanism SPNEGO drives: any MechanismContext (its sign/verify make the mechListMIC),
 * with NTLM's two extras, which other mechanisms leave out.
 */
export interface SpnegoInnerMechanism extends MechanismContext {
  /**
   * True when the mechanism insists on the mechListMIC exchange even as both sides' first choice
   * (MIT's GSS_C_INQ_REQUIRE_MECHLIST_MIC); the acceptor then exchanges MICs and refuses to
   * finish without the client's. NTLM: its AUTHENTICATE carried its own MIC, MsvAvFlags 0x2
   * (MS-SPNG 3.1.5.1). Kerberos leaves it unset: as MIT's and Heimdal's acceptors do, ours ends in
   * one leg when Kerberos was both sides' first choice (RFC 4178 5); a Windows acceptor with AES
   * may instead answer accept-incomplete with its MIC, which the initiator answers with its own.
   */
  readonly micPresent?: boolean;
  /**
   * Restart the RC4 keystream of one direction from its sealing key, keeping its sequence number
   * (MS-SPNG 3.3.5.1: ClientHandle/ServerHandle reset to OriginalHandle).
   */
  resetRc4State?(direction: 'outbound' | 'inbound'): void;
}

/** Our mechListMIC over `mechTypesDer`, leaving NTLM's outbound RC4 handle as it was before. */
export function signMechList(inner: SpnegoInnerMechanism, mechTypesDer: Buffer): Buffer {
  const mic = inner.sign(mechTypesDer);
  inner.resetRc4State?.('outbound');
  return mic;
}

/** Check the peer's mechListMIC (throws SEC_E_MESSAGE_ALTERED), then restore NTLM's inbound RC4 handle. */
export function verifyMechList(inner: SpnegoInnerMechanism, mechTypesDer: Buffer, mic: Buffer): void {
  inner.verify(mechTypesDer, mic);
  inner.resetRc4State?.('inbound');
}
