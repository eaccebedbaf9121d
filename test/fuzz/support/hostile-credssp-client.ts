/**
 * A hostile CredSSP client. A network attacker completes TLS with any acceptor, so what the
 * acceptor decrypts — TSRequests, the NTLM tokens in them, pubKeyAuth, TSCredentials — is as
 * hostile as the records around it. This client speaks MS-CSSP 3.1.5 from the library's own
 * building blocks (TLS engine, NTLM initiator, TSRequest and TSCredentials encoders) and damages
 * one of its messages *before* TLS encrypts it, so the acceptor's parsers and state machine see
 * the damage after a valid TLS layer; the acceptor is driven through the public API.
 */
import { acceptSecurityContext, SEC, type CredentialsHandle, type SecurityContext } from '../../../lib';
import { clientPubKeyAuth } from '../../../lib/emulated/packages/credssp/pubkeyauth';
import {
  CRED_TYPE_PASSWORD,
  encodeTsCredentials,
} from '../../../lib/emulated/packages/credssp/tscredentials';
import { decodeTsRequest, encodeTsRequest } from '../../../lib/emulated/packages/credssp/tsrequest';
import { ntHashOf } from '../../../lib/emulated/mechanisms/ntlm/keys';
import { NtlmInitiator } from '../../../lib/emulated/mechanisms/ntlm/initiator';
import { subjectPublicKeyOf } from '../../../lib/emulated/tls/certificate';
import { TlsEngine } from '../../../lib/emulated/tls/engine';
import { settle, type Handles } from './exchange';
import { applyMutations, type Mutation } from './mutate';

/** The client's three CredSSP messages after the TLS handshake (MS-CSSP 3.1.5 steps 1, 3, 5). */
export const CLIENT_MESSAGES = ['negotiate', 'authenticate', 'credentials'] as const;

/** Which plaintext to damage: the TSRequest DER, or what is inside it before NTLM seals it. */
export type Layer = 'tsrequest' | 'nego-token' | 'pub-key-auth' | 'ts-credentials';

export interface HostileCase {
  message: 0 | 1 | 2;
  layer: Layer;
  plan: Mutation[];
}

const PASSWORD = 'Passw0rd!';

/**
 * Run the exchange against `serverCred`, damaging one message as `hostile` says (none: a clean
 * run, which must succeed). Returns how it ended; the acceptor context goes into `handles`, and
 * what the damage actually changed (a mutation can be a no-op) into `changed` as 'message/layer'.
 */
export async function hostileClientExchange(
  serverCred: CredentialsHandle,
  hostile: HostileCase | null,
  handles: Handles,
  changed: Set<string> = new Set(),
): Promise<string> {
  const tls = TlsEngine.client({});
  const ntlm = new NtlmInitiator({
    user: 'alice',
    domain: 'LAB',
    ntHash: ntHashOf(Buffer.from(PASSWORD, 'utf16le')),
    targetName: 'TERMSRV/server.lab',
  });
  let context: SecurityContext | undefined;
  const damage = (message: number, layer: Layer, bytes: Buffer) => {
    if (!hostile || hostile.message !== message || hostile.layer !== layer) return bytes;
    const out = applyMutations(bytes, hostile.plan);
    if (!out.equals(bytes)) changed.add(`${CLIENT_MESSAGES[message]}/${layer}`);
    return out;
  };

  /** One acceptSecurityContext call; its output goes into our TLS engine. */
  const accept = async (input: Buffer): Promise<{ ended?: string; status?: number }> => {
    const r = await settle('CredSSP acceptSecurityContext (hostile client)', () =>
      acceptSecurityContext({ credential: serverCred, context, flags: 0, input }),
    );
    if (!r.ok) return { ended: `server ${r.error.code}` };
    if (!context) handles.contexts.push(r.value.context);
    context = r.value.context;
    if (r.value.status === SEC.E_INCOMPLETE_MESSAGE) return { ended: 'server SEC_E_INCOMPLETE_MESSAGE' };
    if (r.value.output.length > 0) await tls.feed(r.value.output);
    return { status: r.value.status };
  };
  /** Decrypt the acceptor's answer: one TSRequest, or undefined when there is none to read. */
  const answer = () => {
    try {
      return decodeTsRequest(tls.takePlaintext());
    } catch {
      return undefined; // The acceptor answered nothing readable (it may wait for more): our side ends.
    }
  };

  try {
    // TLS handshake (step 0), then the first TSRequest in the same flight as the client Finished.
    await tls.start();
    let out = tls.takeOutput();
    while (!tls.handshakeComplete) {
      const r = await accept(out);
      if (r.ended) return r.ended;
      if (tls.error) return 'client TLS error';
      out = tls.takeOutput();
    }
    const clientNonce = Buffer.alloc(32, 0x6e);
    const negotiate = damage(0, 'nego-token', ntlm.step(null).output);
    await tls.write(
      damage(0, 'tsrequest', encodeTsRequest({ version: 6, negoTokens: [negotiate], clientNonce })),
    );
    let r = await accept(Buffer.concat([out, tls.takeOutput()]));
    if (r.ended) return r.ended;
    const challenge = answer()?.negoTokens?.[0];
    if (!challenge) return `server sent no CHALLENGE (status 0x${r.status!.toString(16)})`;

    // AUTHENTICATE and pubKeyAuth (step 3).
    let authenticate: Buffer;
    let pubKeyAuth: Buffer;
    try {
      authenticate = damage(1, 'nego-token', ntlm.step(challenge).output);
      const serverKey = subjectPublicKeyOf(tls.peerCertificate()!.raw);
      pubKeyAuth = ntlm.wrap(damage(1, 'pub-key-auth', clientPubKeyAuth(6, serverKey, clientNonce)));
    } catch {
      // Our damaged NEGOTIATE made the server choose flags our NTLM will not run with.
      return 'our NTLM refused the CHALLENGE';
    }
    await tls.write(
      damage(
        1,
        'tsrequest',
        encodeTsRequest({ version: 6, negoTokens: [authenticate], pubKeyAuth, clientNonce }),
      ),
    );
    r = await accept(tls.takeOutput());
    if (r.ended) return r.ended;
    // The server's pubKeyAuth: checking it is the honest client's business, not this test's.
    if (!answer()) return `server sent no pubKeyAuth (status 0x${r.status!.toString(16)})`;

    // The delegated credentials (step 5).
    const credentials = encodeTsCredentials({
      credType: CRED_TYPE_PASSWORD,
      password: {
        domainName: Buffer.from('LAB', 'utf16le'),
        userName: Buffer.from('alice', 'utf16le'),
        password: Buffer.from(PASSWORD, 'utf16le'),
      },
    });
    const authInfo = ntlm.wrap(damage(2, 'ts-credentials', credentials));
    await tls.write(damage(2, 'tsrequest', encodeTsRequest({ version: 6, authInfo })));
    r = await accept(tls.takeOutput());
    if (r.ended) return r.ended;
    return r.status === SEC.E_OK ? 'complete' : `server status 0x${r.status!.toString(16)}`;
  } finally {
    tls.dispose();
    ntlm.dispose();
  }
}
