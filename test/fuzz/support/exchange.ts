/**
 * A structure-aware, stateful fuzzer over the public API. A real client and acceptor run an
 * exchange; the token of one leg (either direction, handshake or a sealed message after it) is
 * damaged, swapped for another leg's, replayed from another session, or emptied. Whatever
 * happens, every call must settle in bounded time, resolving with a status or rejecting an
 * SspiError with a SEC_E_* code; and once the handles are deleted or freed none stays alive.
 */
import {
  ISC_REQ,
  SEC,
  SspiError,
  acceptSecurityContext,
  acquireCredentialsHandle,
  decryptMessage,
  deleteSecurityContext,
  encryptMessage,
  freeCredentialsHandle,
  initializeSecurityContext,
  queryContextAttributes,
  type AcquireCredentialsOptions,
  type ContextResult,
  type CredentialsHandle,
  type SecurityContext,
} from '../../../lib';
import { applyMutations, type Mutation } from './mutate';

export type PackageUnderTest = 'NTLM' | 'Negotiate' | 'CredSSP';

/** Time any one call may take before it counts as a hang (CredSSP legs run TLS; a loaded CI box is slow). */
export const CALL_TIME_LIMIT_MS = 5000;
/** An exchange that has not finished after this many tokens is stopped (no package needs more than 6). */
const MAX_LEGS = 12;
/** Sealed messages after the handshake: client→server, then server→client. */
export const MESSAGE_LEGS = 2;

/** What is done to the chosen leg's token. */
export type Tamper =
  | { kind: 'mutate'; plan: Mutation[] }
  /** Another leg's token from a clean reference exchange. */
  | { kind: 'swap'; withLeg: number }
  /** The same leg's token from a clean reference exchange: a replay from another session. */
  | { kind: 'replay' }
  /** The token of the leg before, delivered again: a replay inside the session. */
  | { kind: 'repeat-previous' }
  | { kind: 'empty' }
  /** The token followed by the next one from the reference: two messages in one read. */
  | { kind: 'concat-next' };

export interface FuzzCase {
  /** Which token to tamper with, counting handshake legs then MESSAGE_LEGS sealed messages. */
  leg: number;
  tamper: Tamper;
}

/** A breach of the property, with everything needed to reproduce it. */
export class PropertyBreach extends Error {
  override name = 'PropertyBreach';
}

/** The tokens of one clean exchange, in order, and how many of them are handshake legs. */
export interface Transcript {
  tokens: Buffer[];
  handshakeLegs: number;
  /** How the exchange ended: 'complete', or the side and status that stopped it, e.g. 'server SEC_E_INVALID_TOKEN'. */
  outcome: string;
}

/** Credentials and options for one package. */
export interface Setup {
  pkg: PackageUnderTest;
  clientOptions: Partial<AcquireCredentialsOptions>;
  serverOptions: Partial<AcquireCredentialsOptions>;
  flags: number;
  targetName: string;
}

export function setupFor(pkg: PackageUnderTest, tls?: { cert: string; key: string }): Setup {
  return {
    pkg,
    clientOptions: { identity: { user: 'alice', domain: 'LAB', password: 'Passw0rd!' } },
    serverOptions: { emulated: { users: { alice: 'Passw0rd!' }, ...(tls ? { tls } : {}) } },
    // CredSSP takes only the request bits its reference lists (no CONFIDENTIALITY/INTEGRITY).
    flags:
      pkg === 'CredSSP'
        ? ISC_REQ.DELEGATE | ISC_REQ.SEQUENCE_DETECT | ISC_REQ.ALLOCATE_MEMORY
        : ISC_REQ.CONFIDENTIALITY | ISC_REQ.INTEGRITY | ISC_REQ.SEQUENCE_DETECT | ISC_REQ.REPLAY_DETECT,
    targetName: 'TERMSRV/server.lab',
  };
}

/** Race a call against the time limit; a timeout is a hang. */
export async function settle<T>(
  what: string,
  call: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: SspiError }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new PropertyBreach(`${what} did not settle within ${CALL_TIME_LIMIT_MS} ms`)),
      CALL_TIME_LIMIT_MS,
    );
  });
  try {
    const value = await Promise.race([call(), hang]);
    if (isContextResult(value)) checkResolvedStatus(what, value);
    return { ok: true, value };
  } catch (err) {
    if (err instanceof PropertyBreach) throw err;
    // api.ts turns an exception that is not an SspiError (a TypeError, a RangeError) into
    // SEC_E_INTERNAL_ERROR with the original as `cause`: on hostile input that is a bug.
    const escaped = err instanceof SspiError && (err as { cause?: unknown }).cause !== undefined;
    if (!(err instanceof SspiError) || !/^SEC_E_/.test(err.code) || escaped) {
      const cause = (err as { cause?: Error }).cause;
      if (cause) (err as Error).stack += `\ncaused by: ${cause.stack ?? String(cause)}`;
      const e = err as Error;
      throw new PropertyBreach(
        `${what} rejected with ${e?.name ?? typeof err} ${(e as { code?: string })?.code ?? ''}: ${e?.message ?? String(err)}\n${e?.stack ?? ''}`,
      );
    }
    return { ok: false, error: err };
  } finally {
    clearTimeout(timer);
  }
}

function isContextResult(value: unknown): value is ContextResult {
  return typeof value === 'object' && value !== null && 'status' in value && 'context' in value;
}

function checkResolvedStatus(what: string, result: ContextResult): void {
  const severe = (result.status & 0x80000000) !== 0;
  if (typeof result.status !== 'number' || (severe && result.status !== SEC.E_INCOMPLETE_MESSAGE)) {
    throw new PropertyBreach(`${what} resolved with failure status ${result.statusName}`);
  }
  if (!Buffer.isBuffer(result.output)) throw new PropertyBreach(`${what} resolved without an output Buffer`);
}

/** The handles one exchange made, so every one can be checked dead at the end. */
export interface Handles {
  credentials: CredentialsHandle[];
  contexts: SecurityContext[];
}

async function credentials(
  setup: Setup,
  handles: Handles,
): Promise<{ clientCred: CredentialsHandle; serverCred: CredentialsHandle }> {
  const clientCred = await acquireCredentialsHandle({
    package: setup.pkg,
    use: 'outbound',
    ...setup.clientOptions,
  });
  const serverCred = await acquireCredentialsHandle({
    package: setup.pkg,
    use: 'inbound',
    ...setup.serverOptions,
  });
  handles.credentials.push(clientCred, serverCred);
  return { clientCred, serverCred };
}

/** Run one exchange, tampering with leg `fuzz.leg` (none for a reference run). Returns the tokens sent. */
export async function runExchange(
  setup: Setup,
  fuzz: FuzzCase | null,
  reference: Transcript | null,
): Promise<Transcript> {
  const handles: Handles = { credentials: [], contexts: [] };
  const sent: Buffer[] = [];
  let handshakeLegs = 0;
  let outcome = 'complete';
  let failed = false;
  try {
    const { clientCred, serverCred } = await credentials(setup, handles);
    const tamper = (leg: number, token: Buffer): Buffer => {
      sent.push(token);
      if (!fuzz || fuzz.leg !== leg || !reference) return token;
      return tampered(fuzz.tamper, leg, token, reference, sent);
    };
    const sides: Record<'client' | 'server', SecurityContext | undefined> = {
      client: undefined,
      server: undefined,
    };
    const done = { client: false, server: false };
    const call = (side: 'client' | 'server', input: Buffer | undefined) =>
      settle(
        `${setup.pkg} ${side === 'client' ? 'initializeSecurityContext' : 'acceptSecurityContext'}`,
        () =>
          side === 'client'
            ? initializeSecurityContext({
                credential: clientCred,
                context: sides.client,
                targetName: setup.targetName,
                flags: setup.flags,
                input,
              })
            : acceptSecurityContext({
                credential: serverCred,
                context: sides.server,
                flags: 0,
                input: input ?? Buffer.alloc(0),
              }),
      );

    const first = await call('client', undefined);
    if (!first.ok) return { tokens: sent, handshakeLegs: 0, outcome: `client ${first.error.code}` };
    sides.client = first.value.context;
    handles.contexts.push(first.value.context);
    done.client = first.value.status === SEC.E_OK;
    let output = first.value.output;
    let sender: 'client' | 'server' = 'client';
    for (let leg = 0; leg < MAX_LEGS; leg++) {
      if (output.length === 0) break;
      const receiver: 'client' | 'server' = sender === 'client' ? 'server' : 'client';
      const r = await call(receiver, tamper(leg, output));
      handshakeLegs = leg + 1;
      if (!r.ok) {
        outcome = `${receiver} ${r.error.code}`;
        // The error token (TSRequest errorCode, SPNEGO reject) goes to the peer, as authenticate() sends it.
        const other = sender;
        if (r.error.output && sides[other]) await call(other, r.error.output);
        break;
      }
      if (!sides[receiver]) handles.contexts.push(r.value.context);
      sides[receiver] = r.value.context;
      if (r.value.status === SEC.E_INCOMPLETE_MESSAGE) {
        outcome = `${receiver} SEC_E_INCOMPLETE_MESSAGE`;
        break;
      }
      done[receiver] = r.value.status === SEC.E_OK;
      output = r.value.output;
      sender = receiver;
    }

    if (done.client && done.server && sides.client && sides.server) {
      const refused = await sealedMessages(setup, sides.client, sides.server, handshakeLegs, tamper);
      if (refused) outcome = `message ${refused}`;
    } else if (outcome === 'complete') {
      outcome = `unfinished client=${done.client} server=${done.server}`;
    }
    return { tokens: sent, handshakeLegs, outcome };
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    // Clean up either way; a breach found here must not hide the one that got us here.
    await checkAllDead(setup.pkg, handles).catch((err) => {
      if (!failed) throw err;
    });
  }
}

/** After SEC_E_OK: one sealed message each way; an untouched one must round-trip. */
async function sealedMessages(
  setup: Setup,
  client: SecurityContext,
  server: SecurityContext,
  firstLeg: number,
  tamper: (leg: number, token: Buffer) => Buffer,
): Promise<string | undefined> {
  const pairs: Array<[SecurityContext, SecurityContext, string]> = [
    [client, server, 'to the server'],
    [server, client, 'to the client'],
  ];
  for (let i = 0; i < pairs.length; i++) {
    const [from, to, text] = pairs[i];
    const plaintext = Buffer.from(`a sealed message ${text}`);
    const sealed = await settle(`${setup.pkg} encryptMessage`, () => encryptMessage(from, plaintext));
    if (!sealed.ok)
      throw new PropertyBreach(`${setup.pkg} encryptMessage failed after SEC_E_OK: ${sealed.error.code}`);
    const delivered = tamper(firstLeg + i, sealed.value);
    const opened = await settle(`${setup.pkg} decryptMessage`, () => decryptMessage(to, delivered));
    if (delivered === sealed.value && (!opened.ok || !opened.value.equals(plaintext))) {
      throw new PropertyBreach(`${setup.pkg}: an untouched sealed message did not round-trip`);
    }
    // A damaged message is refused; one that decrypts must give back exactly what was sealed,
    // anything else is silent corruption (an empty Buffer for a record that failed its MAC).
    if (opened.ok && !opened.value.equals(plaintext)) {
      throw new PropertyBreach(
        `${setup.pkg}: decryptMessage of a tampered message resolved with ${opened.value.length} bytes that are not the sealed plaintext (expected a SEC_E_* rejection)`,
      );
    }
    if (!opened.ok) return opened.error.code; // A context that refused a message is not used further.
  }
  return undefined;
}

function tampered(t: Tamper, leg: number, token: Buffer, reference: Transcript, sent: Buffer[]): Buffer {
  const refs = reference.tokens;
  switch (t.kind) {
    case 'mutate':
      return applyMutations(token, t.plan, refs);
    case 'swap':
      return refs.length > 0 ? refs[t.withLeg % refs.length] : token;
    case 'replay':
      return refs[leg] ?? token;
    case 'repeat-previous':
      return sent.length >= 2 ? sent[sent.length - 2] : token;
    case 'empty':
      return Buffer.alloc(0);
    case 'concat-next':
      return Buffer.concat([token, refs[leg + 1] ?? refs[0]]);
  }
}

/**
 * Delete every context and free every credential the exchange made; then each handle must say it
 * is dead and every further call with it must reject SEC_E_INVALID_HANDLE.
 */
export async function checkAllDead(pkg: string, handles: Handles): Promise<void> {
  const expectInvalid = async (what: string, call: () => Promise<unknown>) => {
    const r = await settle(`${pkg} ${what} after delete`, call);
    if (r.ok || r.error.code !== 'SEC_E_INVALID_HANDLE') {
      throw new PropertyBreach(
        `${pkg} ${what} on a deleted handle ${r.ok ? 'resolved' : `rejected ${r.error.code}`}, expected SEC_E_INVALID_HANDLE`,
      );
    }
  };
  for (const context of handles.contexts) {
    if (context.isValid) {
      const r = await settle(`${pkg} deleteSecurityContext`, () => deleteSecurityContext(context));
      if (!r.ok)
        throw new PropertyBreach(`${pkg} deleteSecurityContext of a live context rejected ${r.error.code}`);
    }
    if (context.isValid) throw new PropertyBreach(`${pkg}: a deleted context still says isValid`);
    await expectInvalid('deleteSecurityContext', () => deleteSecurityContext(context));
    await expectInvalid('encryptMessage', () => encryptMessage(context, Buffer.from('x')));
    await expectInvalid('decryptMessage', () => decryptMessage(context, Buffer.from('x')));
    await expectInvalid('queryContextAttributes', () => queryContextAttributes(context, 'sizes'));
  }
  for (const credential of handles.credentials) {
    if (credential.isValid) {
      const r = await settle(`${pkg} freeCredentialsHandle`, () => freeCredentialsHandle(credential));
      if (!r.ok) throw new PropertyBreach(`${pkg} freeCredentialsHandle rejected ${r.error.code}`);
    }
    if (credential.isValid) throw new PropertyBreach(`${pkg}: a freed credential still says isValid`);
    await expectInvalid('freeCredentialsHandle', () => freeCredentialsHandle(credential));
    const role = credential.use === 'outbound' ? 'initializeSecurityContext' : 'acceptSecurityContext';
    await expectInvalid(role, () =>
      credential.use === 'outbound'
        ? initializeSecurityContext({ credential, flags: 0, targetName: 'TERMSRV/x' })
        : acceptSecurityContext({ credential, flags: 0, input: Buffer.alloc(8) }),
    );
  }
}
