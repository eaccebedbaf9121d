/**
 * The inner mechanism a package runs for a credential: NTLM alone, or SPNEGO choosing among the
 * mechanisms the credential can use. The one place that knows which classes implement
 * MechanismContext, and which SPNEGO may offer (today NTLM only; Kerberos joins as a candidate).
 */
import { sspiError } from '../../errors';
import type { EmulatedCredential } from '../credential';
import type { MechanismContext } from '../mechanisms/mechanism-context';
import { NtlmAcceptor } from '../mechanisms/ntlm/acceptor';
import { NtlmInitiator } from '../mechanisms/ntlm/initiator';
import { SpnegoAcceptor } from '../mechanisms/spnego/acceptor';
import type { SpnegoCandidate } from '../mechanisms/spnego/candidates';
import { SpnegoInitiator } from '../mechanisms/spnego/initiator';
import { NTLMSSP_OID } from '../mechanisms/spnego/tokens';

/** The mechanisms an initiator may offer for `credential`, in Negotiate's order of preference. */
export function initiatorCandidates(
  credential: EmulatedCredential,
  opts: { targetName?: string },
): SpnegoCandidate[] {
  const identity = credential.identity;
  if (!identity) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      'No credentials: the emulated backend has no logon session to borrow from. Pass `identity` to acquireCredentialsHandle.',
    );
  }
  const ntlm: SpnegoCandidate = {
    oids: [NTLMSSP_OID],
    make: () =>
      new NtlmInitiator({
        user: identity.user,
        domain: identity.domain,
        ntHash: identity.ntHash,
        targetName: opts.targetName,
      }),
  };
  return [ntlm];
}

/** The mechanisms an acceptor runs for `credential`, in its order of preference. */
export function acceptorCandidates(credential: EmulatedCredential): SpnegoCandidate[] {
  const lookupNtHash = credential.lookupNtHash;
  if (!lookupNtHash) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      'No credentials: an emulated acceptor needs `users` in acquireCredentialsHandle to know who may log on.',
    );
  }
  return [{ oids: [NTLMSSP_OID], make: () => new NtlmAcceptor({ lookupNtHash }) }];
}

/** SPNEGO over the candidates, or (`spnego: false`, the NTLM package) plain NTLM. */
export function createInitiatorMechanism(
  credential: EmulatedCredential,
  opts: { spnego: boolean; targetName?: string },
): MechanismContext {
  const candidates = initiatorCandidates(credential, opts);
  return opts.spnego ? new SpnegoInitiator(candidates) : ntlmOf(candidates).make();
}

/** The acceptor side takes raw NTLMSSP and SPNEGO alike, as Windows' Negotiate does. */
export function createAcceptorMechanism(
  credential: EmulatedCredential,
  opts: { spnego: boolean } = { spnego: true },
): MechanismContext {
  const candidates = acceptorCandidates(credential);
  return opts.spnego ? new SpnegoAcceptor(candidates) : ntlmOf(candidates).make();
}

/** The NTLM candidate, which the NTLM package runs bare. */
function ntlmOf(candidates: readonly SpnegoCandidate[]): SpnegoCandidate {
  const ntlm = candidates.find((candidate) => candidate.oids.includes(NTLMSSP_OID));
  if (!ntlm) throw sspiError('SEC_E_NO_CREDENTIALS', 'No credentials usable with NTLM.');
  return ntlm;
}
