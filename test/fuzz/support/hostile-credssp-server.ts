/**
 * A hostile CredSSP server, the mirror of hostile-credssp-client.ts: the client (rdp-check, any
 * user of initializeSecurityContext) connects to servers it does not control. This server does
 * the TLS handshake honestly and then damages its CHALLENGE TSRequest, its pubKeyAuth answer or
 * an error TSRequest before TLS encrypts it; the client is driven through the public API.
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import {
  ISC_REQ,
  SEC,
  initializeSecurityContext,
  type CredentialsHandle,
  type SecurityContext,
} from '../../../lib';
import { serverPubKeyAuth } from '../../../lib/emulated/packages/credssp/pubkeyauth';
import { decodeTsRequest, encodeTsRequest } from '../../../lib/emulated/packages/credssp/tsrequest';
import { ntHashOf } from '../../../lib/emulated/mechanisms/ntlm/keys';
import { NtlmAcceptor } from '../../../lib/emulated/mechanisms/ntlm/acceptor';
import { subjectPublicKeyOf } from '../../../lib/emulated/tls/certificate';
import { TlsEngine } from '../../../lib/emulated/tls/engine';
import { settle, type Handles } from './exchange';
import { applyMutations, type Mutation } from './mutate';

/** What the server may damage: its CHALLENGE, its pubKeyAuth answer, or an errorCode it sends instead. */
export type ServerMessage = 'challenge' | 'pub-key-auth' | 'error-code';
export type ServerLayer = 'tsrequest' | 'inner';

export interface HostileServerCase {
  message: ServerMessage;
  layer: ServerLayer;
  plan: Mutation[];
}

const TARGET = 'TERMSRV/server.lab';
/** STATUS_LOGON_FAILURE, what a Windows server puts in errorCode for a wrong password. */
const STATUS_LOGON_FAILURE = 0xc000006d;

/**
 * Run the exchange; resolves how it ended. The client context goes into `handles`; what the
 * mutation actually changed (a mutation can be a no-op) is added to `changed` as 'message/layer'.
 */
export async function hostileServerExchange(
  clientCred: CredentialsHandle,
  certificate: { cert: string; key: string },
  hostile: HostileServerCase | null,
  handles: Handles,
  changed: Set<string> = new Set(),
): Promise<string> {
  const tls = TlsEngine.server({ secureContext: createSecureContext(certificate) });
  const ntHash = ntHashOf(Buffer.from('Passw0rd!', 'utf16le'));
  const ntlm = new NtlmAcceptor({ lookupNtHash: () => ntHash });
  let context: SecurityContext | undefined;
  const damage = (message: ServerMessage, layer: ServerLayer, bytes: Buffer) => {
    if (!hostile || hostile.message !== message || hostile.layer !== layer) return bytes;
    const out = applyMutations(bytes, hostile.plan);
    if (!out.equals(bytes)) changed.add(`${message}/${layer}`);
    return out;
  };

  /** One initializeSecurityContext call with our output; its token goes into our TLS engine. */
  const initialize = async (input: Buffer | undefined): Promise<{ ended?: string; status?: number }> => {
    const r = await settle('CredSSP initializeSecurityContext (hostile server)', () =>
      initializeSecurityContext({
        credential: clientCred,
        context,
        targetName: TARGET,
        flags: ISC_REQ.DELEGATE,
        input,
      }),
    );
    if (!r.ok) return { ended: `client ${r.error.code}` };
    if (!context) handles.contexts.push(r.value.context);
    context = r.value.context;
    if (r.value.status === SEC.E_INCOMPLETE_MESSAGE) return { ended: 'client SEC_E_INCOMPLETE_MESSAGE' };
    if (r.value.output.length > 0) await tls.feed(r.value.output);
    return { status: r.value.status };
  };
  const request = () => {
    try {
      return decodeTsRequest(tls.takePlaintext());
    } catch {
      return undefined;
    }
  };

  try {
    let r = await initialize(undefined);
    while (!r.ended && !tls.handshakeComplete) r = await initialize(tls.takeOutput());
    if (r.ended) return r.ended;
    if (tls.error) return 'server TLS error';
    // The client's first TSRequest came with its Finished (or comes next, empty-handed).
    let first = request();
    if (!first) {
      r = await initialize(tls.takeOutput());
      if (r.ended) return r.ended;
      first = request();
    }
    const negotiate = first?.negoTokens?.[0];
    if (!first || !negotiate) return 'client sent no NEGOTIATE';
    const version = Math.min(first.version, 6);

    if (hostile?.message === 'error-code') {
      const errorCode =
        hostile.layer === 'inner'
          ? applyMutations(u32(STATUS_LOGON_FAILURE), hostile.plan)
          : u32(STATUS_LOGON_FAILURE);
      await tls.write(
        damage('error-code', 'tsrequest', encodeTsRequest({ version, errorCode: readU32(errorCode) })),
      );
      r = await initialize(tls.takeOutput());
      return r.ended ?? `client status 0x${r.status!.toString(16)} after an errorCode`;
    }

    const challenge = damage('challenge', 'inner', ntlm.step(negotiate).output);
    await tls.write(damage('challenge', 'tsrequest', encodeTsRequest({ version, negoTokens: [challenge] })));
    r = await initialize(tls.takeOutput());
    if (r.ended) return r.ended;
    const second = request();
    const authenticate = second?.negoTokens?.[0];
    if (!second || !authenticate) return 'client sent no AUTHENTICATE';
    try {
      ntlm.step(authenticate);
    } catch {
      return 'our NTLM refused the client (its CHALLENGE was damaged)';
    }

    const serverKey = subjectPublicKeyOf(new X509Certificate(certificate.cert).raw);
    const answer = ntlm.wrap(
      damage(
        'pub-key-auth',
        'inner',
        serverPubKeyAuth(version, serverKey, second.clientNonce ?? first.clientNonce),
      ),
    );
    await tls.write(damage('pub-key-auth', 'tsrequest', encodeTsRequest({ version, pubKeyAuth: answer })));
    r = await initialize(tls.takeOutput());
    if (r.ended) return r.ended;
    return r.status === SEC.E_OK ? 'complete' : `client status 0x${r.status!.toString(16)}`;
  } finally {
    tls.dispose();
    ntlm.dispose();
  }
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}

function readU32(bytes: Buffer): number {
  return bytes.length >= 4 ? bytes.readUInt32BE(0) : bytes.length > 0 ? bytes[0] : 0;
}
