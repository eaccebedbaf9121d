/**
 * The inner mechanism a package runs for a credential: NTLM, optionally inside SPNEGO. The one place
 * that knows which classes implement MechanismContext.
 */
import { sspiError } from '../../errors';
import type { EmulatedCredential } from '../credential';
import type { MechanismContext } from '../mechanisms/mechanism-context';
import { NtlmAcceptor } from '../mechanisms/ntlm/acceptor';
import { NtlmInitiator } from '../mechanisms/ntlm/initiator';
import { SpnegoAcceptor } from '../mechanisms/spnego/acceptor';
import { SpnegoInitiator } from '../mechanisms/spnego/initiator';

export function createInitiatorMechanism(
  credential: EmulatedCredential,
  opts: { spnego: boolean; targetName?: string },
): MechanismContext {
  const identity = credential.identity;
  if (!identity) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      'No credentials: the emulated backend has no logon session to borrow from. Pass `identity` to acquireCredentialsHandle.',
    );
  }
  const ntlm = new NtlmInitiator({
    user: identity.user,
    domain: identity.domain,
    ntHash: identity.ntHash,
    targetName: opts.targetName,
  });
  return opts.spnego ? new SpnegoInitiator(ntlm) : ntlm;
}

/** The acceptor side takes raw NTLMSSP and SPNEGO alike, as Windows' Negotiate does. */
export function createAcceptorMechanism(
  credential: EmulatedCredential,
  opts: { spnego: boolean } = { spnego: true },
): MechanismContext {
  const lookupNtHash = credential.lookupNtHash;
  if (!lookupNtHash) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      'No credentials: an emulated acceptor needs `users` in acquireCredentialsHandle to know who may log on.',
    );
  }
  const makeNtlm = () => new NtlmAcceptor({ lookupNtHash });
  return opts.spnego ? new SpnegoAcceptor(makeNtlm) : makeNtlm();
}
