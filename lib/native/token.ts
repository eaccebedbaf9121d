/**
 * An acceptor context's access token as the addon reads it (src-native/token.cc), in the shapes
 * the public AccessToken (lib/impersonation.ts) holds: numbers from winnt.h turned into names.
 */

/** SID_NAME_USE (winnt.h), 1-based. */
const SID_NAME_USE = [
  'user',
  'group',
  'domain',
  'alias',
  'wellKnownGroup',
  'deletedAccount',
  'invalid',
  'unknown',
  'computer',
  'label',
  'logonSession',
] as const;

/** What LookupAccountSidW calls the account; 'unknown' when it did not find it. */
export type AccountType = (typeof SID_NAME_USE)[number];

/** SECURITY_IMPERSONATION_LEVEL (winnt.h), 0-based. */
const IMPERSONATION_LEVEL = ['anonymous', 'identification', 'impersonation', 'delegation'] as const;
export type ImpersonationLevel = (typeof IMPERSONATION_LEVEL)[number];

/** SE_GROUP_* (winnt.h). */
const SE_GROUP_ENABLED = 0x4;
const SE_GROUP_USE_FOR_DENY_ONLY = 0x10;
const SE_GROUP_LOGON_ID = 0xc0000000;

/** An account of a token: its SID, and its name where LookupAccountSidW found one. */
export interface TokenAccount {
  /** 'S-1-5-21-…'. */
  sid: string;
  /** The account name ('alice', 'Administrators'), or null when the SID has none this host can find. */
  name: string | null;
  /** Its domain ('CORP', 'BUILTIN', 'NT AUTHORITY'), or null with `name`. */
  domain: string | null;
  type: AccountType;
}

/** A group of a token (TokenGroups). */
export interface TokenGroup extends TokenAccount {
  /** SE_GROUP_* bits as Windows gives them. */
  attributes: number;
  /** SE_GROUP_ENABLED: the group counts in access checks. */
  enabled: boolean;
  /** SE_GROUP_USE_FOR_DENY_ONLY: it only ever denies (a filtered administrator, say). */
  denyOnly: boolean;
  /** SE_GROUP_LOGON_ID: the logon session's own SID, not a group. */
  logonId: boolean;
}

/** What the addon resolves with on SEC_E_OK. */
export interface NativeTokenResult {
  status: number;
  win32Error?: number;
  token?: object;
  user?: { sid: string; name: string | null; domain: string | null; use: number };
  groups?: Array<{
    sid: string;
    name: string | null;
    domain: string | null;
    use: number;
    attributes: number;
  }>;
  /** TOKEN_TYPE: 1 primary, 2 impersonation. */
  type?: number;
  /** SECURITY_IMPERSONATION_LEVEL, or -1 for a primary token. */
  level?: number;
}

export interface TokenInfo {
  user: TokenAccount;
  groups: TokenGroup[];
  tokenType: 'primary' | 'impersonation';
  impersonationLevel: ImpersonationLevel | null;
}

function account(raw: {
  sid: string;
  name: string | null;
  domain: string | null;
  use: number;
}): TokenAccount {
  return {
    sid: raw.sid,
    name: raw.name,
    domain: raw.domain,
    type: (raw.name === null ? undefined : SID_NAME_USE[raw.use - 1]) ?? 'unknown',
  };
}

/** The addon's record in the public shape. */
export function tokenInfo(raw: NativeTokenResult): TokenInfo {
  return {
    user: account(raw.user ?? { sid: '', name: null, domain: null, use: 0 }),
    groups: (raw.groups ?? []).map((group) => {
      const attributes = group.attributes >>> 0;
      return {
        ...account(group),
        attributes,
        enabled: (attributes & SE_GROUP_ENABLED) !== 0,
        denyOnly: (attributes & SE_GROUP_USE_FOR_DENY_ONLY) !== 0,
        logonId: (attributes & SE_GROUP_LOGON_ID) >>> 0 === SE_GROUP_LOGON_ID,
      };
    }),
    tokenType: raw.type === 1 ? 'primary' : 'impersonation',
    impersonationLevel: raw.type === 1 ? null : (IMPERSONATION_LEVEL[raw.level ?? -1] ?? null),
  };
}

/** A SID in its string form (ConvertStringSidToSidW also takes aliases like 'BA'; we do not). */
export const SID_PATTERN = /^S-1-\d+(-\d+)*$/i;
