/**
 * What `serve` reports about an accepted CredSSP context: who authenticated, whose credentials
 * were delegated, the TSRequest version and the inner package. The delegated password is read
 * only to be zeroed: it never reaches any output.
 */
import type { queryContextAttributes as QueryFn, SecurityContext } from '../index';
import { wipe } from '../secret';

/** The JSON fields of a successful authentication. */
export interface AcceptedContextSummary {
  user: string;
  domain: string;
  /** The TSRequest version both sides used (MS-CSSP 2.2.1). */
  version: number | null;
  /** The inner security package, e.g. "NTLM". */
  inner: string | null;
  /** What the client delegated: its type and account, never the secret. */
  delegated: { type: string; user?: string; domain?: string } | null;
}

export async function describeAcceptedContext(
  context: SecurityContext,
  query: typeof QueryFn,
): Promise<AcceptedContextSummary> {
  const names = (await query(context, 'names')) as { user?: string };
  const { user, domain } = splitAccount(names.user ?? '');
  const negotiation = (await query(context, 'negotiationInfo')) as {
    credsspVersion?: number;
    innerPackage?: string;
  };
  const delegated = (await query(context, 'delegatedCredentials')) as
    | { type: string; user?: string; domain?: string; password?: Buffer; passwordUtf16le?: Buffer }
    | null
    | undefined;
  wipe(delegated?.password, delegated?.passwordUtf16le);
  return {
    user,
    domain,
    version: negotiation.credsspVersion ?? null,
    inner: negotiation.innerPackage ?? null,
    delegated: delegated
      ? {
          type: delegated.type,
          ...(delegated.user !== undefined ? { user: delegated.user } : {}),
          ...(delegated.domain !== undefined ? { domain: delegated.domain } : {}),
        }
      : null,
  };
}

/** "DOMAIN\\user" → { domain, user }; a bare "user" has an empty domain. */
function splitAccount(account: string): { user: string; domain: string } {
  const slash = account.indexOf('\\');
  return slash < 0
    ? { user: account, domain: '' }
    : { user: account.slice(slash + 1), domain: account.slice(0, slash) };
}
