/**
 * The inner mechanism a package runs for a credential: NTLM or Kerberos alone, or SPNEGO choosing
 * among the mechanisms the credential can use (Kerberos first, under both its OIDs as Windows
 * offers them, then NTLM). The one place that knows which classes implement MechanismContext.
 * An initiator's Kerberos comes with its service ticket already got (kerberos/client-start.ts).
 */
import { sspiError } from '../../errors';
import type { EmulatedCredential } from '../credential';
import type { MechanismContext } from '../mechanisms/mechanism-context';
import { KerberosAcceptor } from '../mechanisms/kerberos/acceptor';
import { unwrapInitialContextToken } from '../mechanisms/kerberos/messages/gss-token';
import { NtlmAcceptor } from '../mechanisms/ntlm/acceptor';
import { NtlmInitiator } from '../mechanisms/ntlm/initiator';
import { SpnegoAcceptor } from '../mechanisms/spnego/acceptor';
import type { SpnegoCandidate } from '../mechanisms/spnego/candidates';
import { SpnegoInitiator } from '../mechanisms/spnego/initiator';
import { KRB5_OID, MS_KRB5_OID, NTLMSSP_OID } from '../mechanisms/spnego/tokens';
import type { KerberosStart } from './kerberos/client-start';

/** Which mechanism a package runs: SPNEGO (Negotiate, CredSSP's 'spnego'), or one alone. */
export type InnerKind = 'spnego' | 'ntlm' | 'kerberos';

/** Kerberos as SPNEGO offers it (MS-SPNG 3.1.5.2): the OID Windows 2000 used, then RFC 4121's. */
const KERBEROS_OIDS = [MS_KRB5_OID, KRB5_OID];

/** What an initiator's mechanism is made for. */
export interface InitiatorMechanismOptions {
  targetName?: string;
  /** The service ticket, when Kerberos is to be offered. */
  kerberos?: KerberosStart;
}

/** The mechanisms an initiator may offer for `credential`, in Negotiate's order of preference. */
export function initiatorCandidates(
  credential: EmulatedCredential,
  opts: InitiatorMechanismOptions,
): SpnegoCandidate[] {
  const candidates: SpnegoCandidate[] = [];
  const kerberos = opts.kerberos;
  if (kerberos) candidates.push({ oids: KERBEROS_OIDS, make: () => kerberos.make() });
  const identity = credential.identity;
  if (identity) {
    candidates.push({
      oids: [NTLMSSP_OID],
      make: () =>
        new NtlmInitiator({
          user: identity.user,
          domain: identity.domain,
          ntHash: identity.ntHash,
          targetName: opts.targetName,
        }),
    });
  }
  if (candidates.length === 0) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      'No credentials: the emulated backend has no logon session to borrow from. Pass `identity` to acquireCredentialsHandle.',
    );
  }
  return candidates;
}

/**
 * The mechanisms an acceptor runs for `credential`, in its order of preference: Kerberos (a
 * keytab), NTLM (`users`). `made` hears of each Kerberos context made (its delegated TGT).
 */
export function acceptorCandidates(
  credential: EmulatedCredential,
  made?: (mechanism: MechanismContext) => void,
): SpnegoCandidate[] {
  const candidates: SpnegoCandidate[] = [];
  const krb = credential.krb;
  if (krb.hasServiceKeys) {
    candidates.push({
      oids: KERBEROS_OIDS,
      make: () => {
        const acceptor = new KerberosAcceptor({
          keys: krb.serviceKeys,
          replayCache: krb.replayCache,
          clockSkewMs: credential.kerberos.clockSkewMs,
        });
        made?.(acceptor);
        return acceptor;
      },
    });
  }
  const lookupNtHash = credential.lookupNtHash;
  if (lookupNtHash) candidates.push({ oids: [NTLMSSP_OID], make: () => new NtlmAcceptor({ lookupNtHash }) });
  if (candidates.length === 0) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      'No credentials: an emulated acceptor needs `users` in acquireCredentialsHandle to know who may log on.',
    );
  }
  return candidates;
}

/** SPNEGO over the candidates, or one mechanism alone (the NTLM and Kerberos packages). */
export function createInitiatorMechanism(
  credential: EmulatedCredential,
  kind: InnerKind,
  opts: InitiatorMechanismOptions,
): MechanismContext {
  const candidates = initiatorCandidates(credential, opts);
  if (kind === 'spnego') return new SpnegoInitiator(candidates);
  return candidateOf(candidates, kind).make();
}

/** The acceptor side of Negotiate takes raw NTLMSSP and SPNEGO alike, as Windows' Negotiate does. */
export function createAcceptorMechanism(
  credential: EmulatedCredential,
  kind: InnerKind = 'spnego',
  made?: (mechanism: MechanismContext) => void,
): MechanismContext {
  const candidates = acceptorCandidates(credential, made);
  if (kind === 'spnego') return new SpnegoAcceptor(candidates);
  return candidateOf(candidates, kind).make();
}

/**
 * A bare Kerberos context token (RFC 4121 4.1, either OID), which Windows' Negotiate acceptor
 * takes as it takes bare NTLMSSP: the client ran the Kerberos package against it.
 */
export function isRawKerberos(token: Buffer): boolean {
  if (token[0] !== 0x60) return false;
  try {
    unwrapInitialContextToken(token);
    return true;
  } catch {
    return false; // SPNEGO's own framing, or no token at all: SPNEGO judges it
  }
}

/** The candidate a package runs bare. */
function candidateOf(candidates: readonly SpnegoCandidate[], kind: 'ntlm' | 'kerberos'): SpnegoCandidate {
  const oid = kind === 'ntlm' ? NTLMSSP_OID : KRB5_OID;
  const candidate = candidates.find((c) => c.oids.includes(oid));
  if (!candidate) {
    throw sspiError(
      'SEC_E_NO_CREDENTIALS',
      kind === 'ntlm'
        ? 'No credentials usable with NTLM.'
        : 'No credentials usable with Kerberos: an acceptor needs `emulated.kerberos.keytab`, or `identity` with its realm (or `emulated.kerberos.salt`).',
    );
  }
  return candidate;
}
