/**
 * PrincipalName (RFC 4120 5.2.2) on the wire, and its text form 'a/b@REALM' (RFC 1964 2.1.1,
 * with MIT's escapes) both ways. The realm travels beside a name, never inside it.
 */
import { invalidArgValue } from '../../../../errors';
import { encodeTree, parseDer, type DerElement, type DerTree } from '../../../asn1/der';
import { KerberosLimits, NameType } from './constants';
import {
  boundedList,
  fieldsOf,
  fieldsTree,
  int32,
  kerberosString,
  listTree,
  parseAs,
  readInt32,
  readKerberosString,
  required,
} from './fields';
import type { PrincipalName } from './types';

/** PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF KerberosString } */
export function principalNameTree(p: PrincipalName): DerTree {
  return fieldsTree([0, int32(p.nameType, 'nameType')], [1, listTree(p.nameString.map(kerberosString))]);
}

/** A PrincipalName element; at most KerberosLimits.NAME_COMPONENTS components. */
export function readPrincipalName(element: DerElement): PrincipalName {
  const f = fieldsOf(element);
  const components = boundedList(
    required(f, 1, 'name-string'),
    KerberosLimits.NAME_COMPONENTS,
    'name-string',
  );
  return {
    nameType: readInt32(required(f, 0, 'name-type')),
    nameString: components.map((c) => readKerberosString(c, KerberosLimits.NAME_CHARS)),
  };
}

/** The DER of a PrincipalName. */
export function encodePrincipalName(p: PrincipalName): Buffer {
  return encodeTree(principalNameTree(p));
}

/** A whole buffer holding one PrincipalName. */
export function parsePrincipalName(buf: Buffer): PrincipalName {
  return parseAs('PrincipalName', () => readPrincipalName(parseDer(buf)));
}

/** A Realm (KerberosString, RFC 4120 5.2.2). */
export function readRealm(element: DerElement): string {
  return readKerberosString(element, KerberosLimits.NAME_CHARS);
}

/** The characters written as a letter after the backslash (MIT's krb5_unparse_name). */
const NAMED_ESCAPES: Record<string, string> = { '\0': '0', '\n': 'n', '\t': 't', '\b': 'b' };
const UNESCAPES: Record<string, string> = { '0': '\0', n: '\n', t: '\t', b: '\b' };

/** Escape one name part as MIT's krb5_unparse_name does; the realm keeps '/' as it is. */
function quoteNamePart(part: string, isRealm: boolean): string {
  return part.replace(isRealm ? /[@\\\0\n\t\b]/g : /[/@\\\0\n\t\b]/g, (c) => `\\${NAMED_ESCAPES[c] ?? c}`);
}

/**
 * The text form 'a/b@REALM' (RFC 1964 2.1.1): components joined by '/', then '@' and the realm,
 * with '/', '@' and '\\' (and NUL, newline, tab, backspace) escaped by a backslash as MIT does.
 */
export function principalToString(p: PrincipalName, realm: string): string {
  const name = p.nameString.map((c) => quoteNamePart(c, false)).join('/');
  return `${name}@${quoteNamePart(realm, true)}`;
}

/**
 * The inverse of principalToString, as MIT's krb5_parse_name reads a name: components split at
 * unescaped '/', the realm after the first unescaped '@' (else `defaultRealm`), '\\x' for a
 * literal x ('\\n', '\\t', '\\b', '\\0' for the control characters). `text` is the caller's
 * (a target or user name), so a malformed one is a TypeError.
 */
export function parsePrincipalText(
  text: string,
  options: { nameType?: number; defaultRealm?: string } = {},
): { name: PrincipalName; realm: string } {
  const malformed = (reason: string) => invalidArgValue('principal', text, reason);
  const components: string[] = [''];
  let realm: string | undefined;
  for (let i = 0; i < text.length; i++) {
    let c = text[i];
    if (c === '\\') {
      if (++i === text.length) throw malformed('ends with a lone backslash');
      c = UNESCAPES[text[i]] ?? text[i];
    } else if (c === '@') {
      if (realm !== undefined) throw malformed("has a second unescaped '@'");
      realm = '';
      continue;
    } else if (c === '/' && realm === undefined) {
      components.push('');
      continue;
    }
    if (realm === undefined) components[components.length - 1] += c;
    else realm += c;
  }
  realm ??= options.defaultRealm;
  if (!realm) throw malformed('has no realm, and no default realm was given');
  if (components.length === 1 && components[0] === '') throw malformed('has no name before the realm');
  return { name: { nameType: options.nameType ?? NameType.PRINCIPAL, nameString: components }, realm };
}
