/**
 * The CredSSP server (MS-CSSP 3.1.5), AcceptSecurityContext. The exchange, top to bottom:
 *   1. TLS handshake with the credential's certificate (or one made once per handle).
 *   2. The client's NTLM legs, raw NTLMSSP or SPNEGO alike.
 *   3. The client's pubKeyAuth is checked against our own SubjectPublicKey: a client that did TLS
 *      with someone else's key (a relay) is refused here.
 *   4. Our answer: the Server-To-Client hash (v5+) or the key with its first byte plus one (v2-4).
 *   5. The client's TSCredentials, kept for query('delegatedCredentials').
 * A failure after TLS is up carries, in SspiError.output, a TSRequest with errorCode (versions 3,
 * 4 and 6) already encrypted for the client, and nothing for versions 2 and 5, which lack the
 * field (MS-CSSP 2.2.1). The inner mechanism's own failure token (an SPNEGO reject) never goes
 * out: after the handshake every byte travels inside TLS (3.1.5 step 1).
 */
import type { X509Certificate } from 'node:crypto';
import { ASC_REQ } from '../../../constants';
import { SspiError, sspiError } from '../../../errors';
import { copySecret, wipe, wipeAll, type SecretBuffer } from '../../../secret';
import { utf8OfUtf16le } from '../../../secret-text';
import type { MechanismContext, MechanismStep } from '../../mechanisms/mechanism-context';
import { createAcceptorMechanism } from '../inner-mechanism';
import { TlsEngine } from '../../tls/engine';
import { CredsspChannel } from './channel';
import { CredsspContext, type ExchangeParts, type Exchange } from './context';
import { formatName } from './context-info';
import { errorCodeOfSecStatus } from './ntstatus';
import { FIRST_HASHED_VERSION, bindingMatches, clientPubKeyAuth, serverPubKeyAuth } from './pubkeyauth';
import { readyServerIdentityOf, serverIdentityOf, type ServerIdentity } from './server-identity';
import { versionCarriesErrorCode, type TsRequest } from './tsrequest';
import { TsRequestLink, negoTokenOf } from './tsrequest-link';
import {
  CRED_TYPE_PASSWORD,
  CRED_TYPE_SMARTCARD,
  decodeTsCredentials,
  wipeTsCredentials,
  type TsCredentials,
} from './tscredentials';

/** ASC bits reported back when asked for; the REQ and RET bits share positions. */
const ASC_SUPPORTED =
  ASC_REQ.DELEGATE |
  ASC_REQ.MUTUAL_AUTH |
  ASC_REQ.REPLAY_DETECT |
  ASC_REQ.SEQUENCE_DETECT |
  ASC_REQ.CONFIDENTIALITY |
  ASC_REQ.ALLOCATE_MEMORY |
  ASC_REQ.CONNECTION |
  ASC_REQ.EXTENDED_ERROR |
  ASC_REQ.STREAM |
  ASC_REQ.INTEGRITY;

export class CredsspAcceptor extends CredsspContext {
  private identity: ServerIdentity | undefined;
  private delegated: TsCredentials | undefined;
  /** The view query('delegatedCredentials') hands out, made once so dispose() can zero its secrets. */
  private delegatedAnswer: { view: unknown; secrets: SecretBuffer[] } | undefined;

  protected checkFlags(): void {
    // The acceptor takes any ASC_REQ bits and reports the ones it honours.
  }

  protected attributes(flags: number): number {
    return (flags & ASC_SUPPORTED) >>> 0;
  }

  protected get serverCertificate(): X509Certificate | undefined {
    return this.identity?.certificate;
  }

  override query(attribute: string): unknown {
    if (attribute === 'names') {
      this.established();
      return { user: formatName(this.mechanism?.identity) };
    }
    if (attribute === 'delegatedCredentials') {
      this.established();
      if (!this.delegated) throw sspiError('SEC_E_NO_CREDENTIALS', 'The client delegated no credentials.');
      this.delegatedAnswer ??= delegatedView(this.delegated);
      return this.delegatedAnswer.view;
    }
    if (attribute === 'remoteCertificate') {
      // The CredSSP server never asks for a client certificate (MS-CSSP 3.1.5 step 1).
      throw sspiError('SEC_E_NO_CREDENTIALS', 'CredSSP clients present no certificate.');
    }
    return super.query(attribute);
  }

  override dispose(): void {
    this.forgetDelegated();
    super.dispose();
  }

  protected begin(): ExchangeParts | Promise<ExchangeParts> {
    this.forgetDelegated();
    // The identity is made once per credential; only the first context waits for it.
    const identity = readyServerIdentityOf(this.credential);
    if (identity) return this.beginWith(identity);
    return serverIdentityOf(this.credential).then((made) => this.beginWith(made));
  }

  private beginWith(identity: ServerIdentity): ExchangeParts {
    this.identity = identity;
    this.mechanism = createAcceptorMechanism(this.credential);
    const channel = new CredsspChannel(TlsEngine.server({ secureContext: identity.secureContext }));
    const link = new TsRequestLink(channel, this.credential.credssp.version, 'client');
    return { link, legs: this.exchangeLegs(link, this.mechanism, identity.subjectPublicKey) };
  }

  private *exchangeLegs(link: TsRequestLink, mech: MechanismContext, subjectPublicKey: Buffer): Exchange {
    const channel = link.channel;

    // Step 1: the TLS handshake.
    while (!(yield* channel.handshake())) yield channel.takeOutput();

    // Step 2: the client's NTLM legs.
    let message = yield* link.receive();
    this.refuseOldClient(link.peerVersion);
    let finalToken: Buffer = Buffer.alloc(0);
    for (;;) {
      const { output, complete } = innerStep(mech, negoTokenOf(message));
      if (complete) {
        finalToken = output;
        break;
      }
      message = yield* link.roundTrip({ negoTokens: [output] });
    }
    if (!message.pubKeyAuth) {
      // SPNEGO clients that seal only once complete send pubKeyAuth after our final token.
      if (finalToken.length === 0) {
        throw sspiError('SEC_E_INVALID_TOKEN', 'The client finished NTLM but sent no pubKeyAuth.');
      }
      message = yield* link.roundTrip({ negoTokens: [finalToken] });
      finalToken = Buffer.alloc(0);
    }

    // Step 3: the client's binding must be to our own key.
    const version = link.negotiatedVersion;
    const clientNonce = version >= FIRST_HASHED_VERSION ? message.clientNonce : undefined;
    this.verifyClientBinding(mech, message, clientPubKeyAuth(version, subjectPublicKey, clientNonce));

    // Step 4: our answer, with SPNEGO's final token if there is one.
    message = yield* link.roundTrip({
      negoTokens: finalToken.length > 0 ? [finalToken] : undefined,
      pubKeyAuth: mech.wrap(serverPubKeyAuth(version, subjectPublicKey, clientNonce)),
    });

    // Step 5: the delegated credentials.
    if (!message.authInfo)
      throw sspiError('SEC_E_INVALID_TOKEN', 'The client sent no authInfo (TSCredentials).');
    const plaintext = mech.unwrap(message.authInfo);
    try {
      this.delegated = decodeTsCredentials(plaintext);
    } finally {
      wipe(plaintext);
    }
    return channel.takeOutput();
  }

  /** encryptionOracle 'force-updated-clients' refuses clients below version 5 (CVE-2018-0886). */
  private refuseOldClient(peerVersion: number | undefined): void {
    if ((peerVersion ?? 0) >= FIRST_HASHED_VERSION) return;
    if (this.credential.policy.encryptionOracle !== 'force-updated-clients') return;
    throw sspiError(
      'SEC_E_UNSUPPORTED_FUNCTION',
      `The client speaks CredSSP version ${peerVersion}, without the CVE-2018-0886 fix, and the policy ` +
        `(encryptionOracle 'force-updated-clients') accepts only updated clients.`,
    );
  }

  private verifyClientBinding(mech: MechanismContext, message: TsRequest, expected: Buffer): void {
    if (!message.pubKeyAuth) throw sspiError('SEC_E_INVALID_TOKEN', 'The client sent no pubKeyAuth.');
    const received = mech.unwrap(message.pubKeyAuth);
    if (!bindingMatches(expected, received)) {
      throw sspiError(
        'SEC_E_MESSAGE_ALTERED',
        'The client’s pubKeyAuth is bound to a different TLS key than ours: the connection is relayed by a man in the middle.',
      );
    }
  }

  /** Tell the client why (MS-CSSP 2.2.1 errorCode), encrypted, when the version has the field. */
  protected override async failureToken(error: SspiError): Promise<Buffer | undefined> {
    const link = this.link;
    if (!link?.channel.tls.handshakeComplete || link.peerVersion === undefined) return undefined;
    if (!versionCarriesErrorCode(link.negotiatedVersion)) return undefined;
    await link.channel.tls.write(link.encode({ errorCode: errorCodeOfSecStatus(error.status) }));
    return link.channel.takeOutput();
  }

  private forgetDelegated(): void {
    if (this.delegated) wipeTsCredentials(this.delegated);
    this.delegated = undefined;
    wipeAll(this.delegatedAnswer?.secrets ?? []);
    this.delegatedAnswer = undefined;
  }
}

/**
 * One leg of the inner mechanism. A failure keeps its status but loses the token the mechanism
 * meant for its peer (SPNEGO's reject, RFC 4178 4.2.2): bare, it is not a TLS record and the
 * client could not read it; failureToken() tells the client instead, inside TLS.
 */
function innerStep(mech: MechanismContext, token: Buffer): MechanismStep {
  try {
    return mech.step(token);
  } catch (err) {
    if (err instanceof SspiError) err.output = undefined;
    throw err;
  }
}

/**
 * What query('delegatedCredentials') returns, made without a string of any secret: a password or
 * PIN as UTF-8 (what applications pass on) and as the UTF-16LE the client sent (MS-CSSP
 * 2.2.1.2.1, byte for byte), each a secret Buffer of its own, listed so dispose() can wipe them.
 */
function delegatedView(credentials: TsCredentials): { view: unknown; secrets: SecretBuffer[] } {
  const secrets: SecretBuffer[] = [];
  const text = (b: Buffer | undefined) => (b === undefined ? undefined : b.toString('utf16le'));
  const keep = (secret: SecretBuffer) => {
    secrets.push(secret);
    return secret;
  };
  const secret = (b: Buffer) => keep(utf8OfUtf16le(b));
  const binarySecret = (b: Buffer) => keep(copySecret(b));
  const answer = (view: unknown) => ({ view, secrets });
  if (credentials.credType === CRED_TYPE_PASSWORD) {
    const p = credentials.password;
    return answer({
      type: 'password',
      domain: text(p.domainName),
      user: text(p.userName),
      password: secret(p.password),
      passwordUtf16le: binarySecret(p.password),
    });
  }
  if (credentials.credType === CRED_TYPE_SMARTCARD) {
    const s = credentials.smartCard;
    return answer({
      type: 'smartcard',
      pin: secret(s.pin),
      pinUtf16le: binarySecret(s.pin),
      keySpec: s.cspData.keySpec,
      cardName: text(s.cspData.cardName),
      readerName: text(s.cspData.readerName),
      containerName: text(s.cspData.containerName),
      cspName: text(s.cspData.cspName),
      userHint: text(s.userHint),
      domainHint: text(s.domainHint),
    });
  }
  const r = credentials.remoteGuard;
  const packageCred = (c: { packageName: Buffer; credBuffer: Buffer }) => ({
    packageName: text(c.packageName),
    credBuffer: binarySecret(c.credBuffer),
  });
  return answer({
    type: 'remoteGuard',
    logonCred: packageCred(r.logonCred),
    supplementalCreds: (r.supplementalCreds ?? []).map(packageCred),
  });
}
