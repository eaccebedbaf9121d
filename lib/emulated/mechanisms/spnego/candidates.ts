/**
 * The mechanisms one SPNEGO context may negotiate between, and the choice between them
 * (RFC 4178 section 3.2). The package decides which mechanisms are usable for a credential
 * (Kerberos only with a service ticket, say) and lists them in its order of preference; SPNEGO
 * only offers, chooses and runs.
 */
import { sspiError } from '../../../errors';
import type { SpnegoInnerMechanism } from './mech-list-mic';
import { mechanismName } from './tokens';

/** One mechanism SPNEGO may run. */
export interface SpnegoCandidate {
  /**
   * The OIDs the mechanism is offered and recognised under, in the order offered: Kerberos as
   * Windows sends it is [MS_KRB5_OID, KRB5_OID]. A peer naming any of them means this mechanism.
   */
  readonly oids: readonly string[];
  /** A fresh context for the mechanism; SPNEGO owns it from then on and disposes of it. */
  readonly make: () => SpnegoInnerMechanism;
}

/** Which candidate runs, and under which entry of the initiator's mechTypes. */
export interface SpnegoChoice {
  /** Index into the acceptor's candidates. */
  candidate: number;
  /** Index into the initiator's mechTypes: 0 when it is the initiator's preferred mechanism. */
  mechType: number;
}

/** Refuse an empty candidate list: SPNEGO with nothing to negotiate is a caller's mistake. */
export function requireCandidates(candidates: readonly SpnegoCandidate[]): void {
  if (candidates.length === 0 || candidates.some((candidate) => candidate.oids.length === 0)) {
    throw sspiError('SEC_E_NO_CREDENTIALS', 'SPNEGO was given no mechanism to negotiate.');
  }
}

/** Every candidate's OIDs in order: the initiator's MechTypeList (RFC 4178 4.2.1). */
export function offeredMechTypes(candidates: readonly SpnegoCandidate[]): string[] {
  return candidates.flatMap((candidate) => candidate.oids);
}

/** The index of the candidate known by `mechOid`, or -1. */
export function candidateIndexOf(candidates: readonly SpnegoCandidate[], mechOid: string): number {
  return candidates.findIndex((candidate) => candidate.oids.includes(mechOid));
}

/** The candidate the server chose (its supportedMech); SEC_E_INVALID_TOKEN for one never offered. */
export function chosenByServer(candidates: readonly SpnegoCandidate[], supportedMech: string): number {
  const chosen = candidateIndexOf(candidates, supportedMech);
  if (chosen < 0) {
    throw sspiError(
      'SEC_E_INVALID_TOKEN',
      `The server chose ${mechanismName(supportedMech)}, which was not offered: only ${mechanismNames(offeredMechTypes(candidates))} were.`,
    );
  }
  return chosen;
}

/**
 * The acceptor's choice: the first of the initiator's mechTypes that some candidate runs, since
 * the initiator's order of preference wins (RFC 4178 3.2 step b, 4.2.2). Undefined when the two
 * lists have nothing in common.
 */
export function chooseMechanism(
  candidates: readonly SpnegoCandidate[],
  mechTypes: readonly string[],
): SpnegoChoice | undefined {
  for (let mechType = 0; mechType < mechTypes.length; mechType++) {
    const candidate = candidateIndexOf(candidates, mechTypes[mechType]);
    if (candidate >= 0) return { candidate, mechType };
  }
  return undefined;
}

/** The names of some mechanisms, for messages: "Kerberos (1.2.840.113554.1.2.2), NTLM (...)". */
export function mechanismNames(mechOids: readonly string[]): string {
  return mechOids.map(mechanismName).join(', ');
}
