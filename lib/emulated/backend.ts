/**
 * The emulated backend: SSPI semantics over our own NTLM, SPNEGO and CredSSP. Credentials are
 * EmulatedCredential objects; contexts are PackageContext objects made on the first ISC/ASC call.
 */
import type {
  Backend,
  ContextRequest,
  EmulatedAcquireRequest,
  RawContextResult,
  SecBuffer,
} from '../backend/types';
import { SEC, SECBUFFER } from '../constants';
import { CredsspAcceptor } from './packages/credssp/acceptor';
import { CredsspInitiator } from './packages/credssp/initiator';
import { EmulatedCredential } from './credential';
import { MechanismPackage } from './packages/mechanism-package';
import type { PackageContext } from './packages/package-context';
import { turnSlot } from './scheduling/turn-budget';

function newContext(role: 'initiator' | 'acceptor', credential: EmulatedCredential): PackageContext {
  if (credential.package === 'CredSSP') {
    return role === 'initiator' ? new CredsspInitiator(credential) : new CredsspAcceptor(credential);
  }
  return new MechanismPackage(role, credential, credential.package);
}

async function step(
  role: 'initiator' | 'acceptor',
  credential: unknown,
  context: unknown | null,
  req: ContextRequest,
): Promise<RawContextResult> {
  const cred = credential as EmulatedCredential;
  const isNew = context === null;
  const pkg = isNew ? newContext(role, cred) : (context as PackageContext);
  try {
    const result = await pkg.step(req);
    const buffers: SecBuffer[] = [{ type: SECBUFFER.TOKEN, buffer: result.output }];
    if (result.extra && result.extra.length > 0)
      buffers.push({ type: SECBUFFER.EXTRA, buffer: result.extra });
    if (result.status === SEC.E_INCOMPLETE_MESSAGE) {
      // SECBUFFER_MISSING's cbBuffer is the count; an empty Buffer of that length carries it.
      buffers.push({ type: SECBUFFER.MISSING, buffer: Buffer.alloc(result.missing ?? 0) });
    }
    return {
      status: result.status,
      context: pkg,
      buffers,
      attributes: result.attributes,
      expiry: result.expiry,
    };
  } catch (err) {
    // A first call that fails returns no handle, so nothing else would free this context.
    if (isNew) pkg.dispose();
    throw err;
  }
}

export const emulatedBackend: Backend<EmulatedAcquireRequest> = {
  name: 'emulated',

  async acquireCredentialsHandle(request: EmulatedAcquireRequest) {
    // Hashing the password is work too: a burst of acquisitions shares the turn budget with
    // the handshakes they start (queued behind steps of exchanges already under way).
    const turn = turnSlot(true);
    if (turn) await turn;
    return { credential: new EmulatedCredential(request), expiry: null };
  },

  initializeSecurityContext: (credential, context, req) => step('initiator', credential, context, req),
  acceptSecurityContext: (credential, context, req) => step('acceptor', credential, context, req),

  async completeAuthToken() {
    // No emulated package returns SEC_I_COMPLETE_NEEDED; as on Windows, completing anyway is harmless.
    return SEC.E_OK;
  },

  async deleteSecurityContext(context) {
    (context as PackageContext).dispose();
  },

  async freeCredentialsHandle(credential) {
    (credential as EmulatedCredential).free();
  },

  async queryContextAttributes(context, attribute) {
    return (context as PackageContext).query(attribute);
  },

  encryptMessage: (context, data) => (context as PackageContext).encrypt(data),
  decryptMessage: (context, data) => (context as PackageContext).decrypt(data),

  release(handle) {
    if (handle instanceof EmulatedCredential) handle.free();
    else (handle as PackageContext | undefined)?.dispose?.();
  },
};
