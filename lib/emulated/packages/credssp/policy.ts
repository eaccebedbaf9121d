/**
 * Credential delegation policy, the emulated stand-in for Windows' group policy "Allow delegating
 * fresh credentials" (AllowFreshCredentials) and "... with NTLM-only server authentication"
 * (AllowFreshCredentialsWhenNTLMOnly), under Computer Configuration > Administrative Templates >
 * System > Credentials Delegation.
 *
 * SPN pattern rules implemented (from the policies' own help text and its examples):
 * - A pattern is `SERVICE/HOST`, e.g. 'TERMSRV/host.humanresources.fabrikam.com'.
 * - Comparison ignores case (SPNs are case-insensitive).
 * - '*' alone matches every SPN; a service of '*' matches every service class.
 * - HOST '*' matches every host of that service ('TERMSRV/*').
 * - HOST '*.suffix' matches every host under that DNS suffix, at any depth
 *   ('WSMAN/*.corp.example' matches 'WSMAN/a.corp.example' and 'WSMAN/a.b.corp.example', not
 *   'WSMAN/corp.example').
 * - Anything else must match the whole host exactly; a ':port' on the target is ignored.
 * An empty list allows nothing (Windows: policy "not configured" for that kind of server).
 */
import type { DelegationPolicy } from '../../../backend/types';
import { sspiError } from '../../../errors';

/** The service class and host of an SPN such as 'TERMSRV/host.example:3389'. */
export function parseSpn(spn: string): { service: string; host: string } {
  const slash = spn.indexOf('/');
  if (slash < 0) return { service: '', host: stripPort(spn) };
  // Only SERVICE/HOST counts; a third component (service name, e.g. domain) is not part of the host.
  const host = spn.slice(slash + 1).split('/')[0];
  return { service: spn.slice(0, slash), host: stripPort(host) };
}

function stripPort(host: string): string {
  // An IPv6 literal may be bracketed; a bare one has several colons and no port.
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']') > 0 ? host.indexOf(']') : undefined);
  const colons = host.split(':').length - 1;
  return colons === 1 ? host.slice(0, host.indexOf(':')) : host;
}

/** Does one Windows-style SPN pattern match the target SPN? */
export function spnPatternMatches(pattern: string, targetSpn: string): boolean {
  const p = pattern.trim().toLowerCase();
  if (p === '*') return true;
  const target = parseSpn(targetSpn.toLowerCase());
  const { service, host } = parseSpn(p);
  if (service !== '*' && service !== target.service) return false;
  if (host === '*') return true;
  if (host.startsWith('*.')) {
    const suffix = host.slice(1); // '.corp.example'
    return target.host.length > suffix.length && target.host.endsWith(suffix);
  }
  return host === target.host;
}

/** True when any pattern of the list matches. */
export function spnAllowed(patterns: readonly string[], targetSpn: string): boolean {
  return patterns.some((pattern) => spnPatternMatches(pattern, targetSpn));
}

/**
 * Decide whether fresh credentials may go to `targetSpn`, before any leave (MS-CSSP 3.1.5 step 5
 * and the policies above). `serverAuthenticated` is true when the server is authenticated other
 * than by NTLM: here, a certificate validated because ISC_REQ_MUTUAL_AUTH was asked for.
 * Throws SEC_E_DELEGATION_POLICY when no policy allows the target, SEC_E_POLICY_NLTM_ONLY when
 * only the mutual-authentication policy does and the server was authenticated by NTLM alone.
 */
export function checkDelegationPolicy(
  policy: Required<DelegationPolicy>,
  targetSpn: string | undefined,
  serverAuthenticated: boolean,
): void {
  const spn = targetSpn ?? '';
  const allowedWithAuth = spnAllowed(policy.allowFreshCredentials, spn);
  if (serverAuthenticated) {
    if (allowedWithAuth) return;
    throw sspiError(
      'SEC_E_DELEGATION_POLICY',
      `The delegation policy does not allow sending credentials to '${spn}'. Add it to allowFreshCredentials.`,
    );
  }
  if (spnAllowed(policy.allowFreshCredentialsWhenNTLMOnly, spn)) return;
  if (allowedWithAuth) {
    throw sspiError(
      'SEC_E_POLICY_NLTM_ONLY',
      `Credentials may go to '${spn}' only when the server is authenticated: request ISC_REQ_MUTUAL_AUTH ` +
        `with a trusted certificate, or add the target to allowFreshCredentialsWhenNTLMOnly.`,
    );
  }
  throw sspiError(
    'SEC_E_DELEGATION_POLICY',
    `The delegation policy does not allow sending credentials to '${spn}' when only NTLM authenticates ` +
      `the server. Add it to allowFreshCredentialsWhenNTLMOnly.`,
  );
}
