/** Shared pieces of the CredSSP loopback tests: credentials and a driver for two contexts. */
import { SEC, SECBUFFER, ISC_REQ } from '../../lib/constants';
import { acquireRequest } from '../../lib/acquire-request';
import type { AcquireCredentialsOptions } from '../../lib/api';
import type { EmulatedAcquireRequest, EmulatedOptions } from '../../lib/backend/types';
import { EmulatedCredential } from '../../lib/emulated/credential';
import { CredsspAcceptor } from '../../lib/emulated/packages/credssp/acceptor';
import { CredsspInitiator } from '../../lib/emulated/packages/credssp/initiator';
import type { PackageStepResult } from '../../lib/emulated/packages/package-context';

export const TARGET = 'TERMSRV/server.example';
export const DELEGATE_FLAGS = ISC_REQ.DELEGATE | ISC_REQ.ALLOCATE_MEMORY | ISC_REQ.CONNECTION;

/** An emulated credential made from public options, validated as acquireCredentialsHandle does. */
export function emulatedCredential(options: AcquireCredentialsOptions): EmulatedCredential {
  return new EmulatedCredential(
    acquireRequest({ ...options, backend: 'emulated' }, () => 'emulated') as EmulatedAcquireRequest,
  );
}

export function clientCredential(extra: EmulatedOptions = {}, password = 'Secret1!'): EmulatedCredential {
  return emulatedCredential({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: 'CORP', password },
    emulated: extra,
  });
}

export function serverCredential(extra: EmulatedOptions = {}): EmulatedCredential {
  return emulatedCredential({
    package: 'CredSSP',
    use: 'inbound',
    emulated: { users: { alice: 'Secret1!' }, ...extra },
  });
}

export function iscRequest(
  token: Buffer | undefined,
  flags = DELEGATE_FLAGS,
  targetName: string | undefined = TARGET,
) {
  return {
    input: token ? [{ type: SECBUFFER.TOKEN, buffer: token }] : [],
    flags,
    targetName,
    targetDataRep: 0x10,
  };
}

export function ascRequest(token: Buffer, flags = 0) {
  return { input: [{ type: SECBUFFER.TOKEN, buffer: token }], flags, targetDataRep: 0x10 };
}

export interface Transcript {
  client: PackageStepResult[];
  server: PackageStepResult[];
}

/** Ping-pong the two contexts until both return SEC_E_OK. */
export async function authenticate(
  client: CredsspInitiator,
  server: CredsspAcceptor,
  flags = DELEGATE_FLAGS,
  targetName: string | undefined = TARGET,
): Promise<Transcript> {
  const transcript: Transcript = { client: [], server: [] };
  let c = await client.step(iscRequest(undefined, flags, targetName));
  transcript.client.push(c);
  for (let leg = 0; leg < 20; leg++) {
    const s = await server.step(ascRequest(c.output));
    transcript.server.push(s);
    if (c.status === SEC.E_OK) {
      expect(s.status).toBe(SEC.E_OK);
      return transcript;
    }
    c = await client.step(iscRequest(s.output, flags, targetName));
    transcript.client.push(c);
  }
  throw new Error('no SEC_E_OK after 20 legs');
}

/** The status name of a rejected promise, or 'resolved'. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

export { CredsspAcceptor, CredsspInitiator };
