/**
 * The emulated backend: SSPI semantics over our own packages (CredSSP, Negotiate, Kerberos,
 * NTLM; see packages/package-context.ts). Credentials are EmulatedCredential objects; contexts are
 * PackageContext objects made on the first ISC/ASC call. Every call that works shares the
 * event loop through the turn budget.
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

/**
 * Run `work` in a turn with budget (scheduling/turn-budget.ts), for every package alike: a step
 * runs synchronously (TLS, NTLM, codecs), so a burst of them would otherwise stall the event
 * loop. `starts`: the call begins an exchange and goes behind the steps of those under way.
 * Without a wait the work starts in this very call, so calls on a context start in the order
 * they were made (a deletion issued after a call does not overtake it).
 */
function inTurn<T>(starts: boolean, work: () => Promise<T>): Promise<T> {
  const wait = turnSlot(starts);
  return wait ? wait.then(work) : work();
}

function step(
  role: 'initiator' | 'acceptor',
  credential: unknown,
  context: unknown | null,
  req: ContextRequest,
): Promise<RawContextResult> {
  const isNew = context === null;
  const starts = isNew || !(context as PackageContext).underway;
  return inTurn(starts, () =>
    run(isNew ? newContext(role, credential as EmulatedCredential) : (context as PackageContext), isNew, req),
  );
}

async function run(pkg: PackageContext, isNew: boolean, req: ContextRequest): Promise<RawContextResult> {
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

  acquireCredentialsHandle(request: EmulatedAcquireRequest) {
    // Hashing the password is work too: a burst of acquisitions shares the turn budget with
    // the handshakes they start (queued behind steps of exchanges already under way).
    return inTurn(true, async () => ({ credential: new EmulatedCredential(request), expiry: null }));
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

  encryptMessage: (context, data) => inTurn(false, () => (context as PackageContext).encrypt(data)),
  decryptMessage: (context, data) => inTurn(false, () => (context as PackageContext).decrypt(data)),

  release(handle) {
    if (handle instanceof EmulatedCredential) handle.free();
    else (handle as PackageContext | undefined)?.dispose?.();
  },
};
