/**
 * The CredSSP client (MS-CSSP 3.1.5), InitializeSecurityContext. The exchange, top to bottom:
 *   1. TLS handshake; the tokens are TLS records. With ISC_REQ_MUTUAL_AUTH the server
 *      certificate must chain to a trusted root and name the target's host.
 *   2. The inner NTLM legs (raw, or in SPNEGO) in TSRequest.negoTokens, inside TLS.
 *   3. With the last NTLM token, pubKeyAuth: the server's SubjectPublicKey (v2-4) or its
 *      SHA-256 binding with a fresh clientNonce (v5+), sealed by NTLM.
 *   4. The server's answer is verified; on any mismatch we stop, and no credential is encrypted.
 *   5. TSCredentials sealed into authInfo: the password with ISC_REQ_DELEGATE, empty otherwise.
 * Delegation policy is checked on the first call, before any byte leaves, and again where the
 * password is encrypted. The exchange is bound to its first call's target name and flags: a later
 * call with others is refused (checkContinuation), so the request that passed the policy is the
 * one that decides what is delegated, to whom, and under which TLS session.
 */
import type { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { publicNonce } from '../../crypto/nonce-pool';
import { ISC_REQ, ISC_RET } from '../../../constants';
import { peerText, sspiError } from '../../../errors';
import { copySecret, wipe } from '../../../secret';
import type { CredsspSettings } from '../../../backend/types';
import type { MechanismContext } from '../../mechanisms/mechanism-context';
import { createInitiatorMechanism } from '../inner-mechanism';
import { kerberosForNegotiate, type KerberosStart } from '../kerberos/client-start';
import type { PackageStepRequest } from '../package-context';
import { subjectPublicKeyOf } from '../../tls/certificate';
import { TlsEngine } from '../../tls/engine';
import { CredsspChannel } from './channel';
import { CredsspContext, type Exchange, type ExchangeParts } from './context';
import { formatName } from './context-info';
import { checkDelegationPolicy, parseSpn } from './policy';
import { FIRST_HASHED_VERSION, bindingMatches, clientPubKeyAuth, serverPubKeyAuth } from './pubkeyauth';
import { CLIENT_NONCE_LENGTH, type TsRequest } from './tsrequest';
import { TsRequestLink, negoTokenOf } from './tsrequest-link';
import {
  CRED_TYPE_PASSWORD,
  encodeTsCredentials,
  wipeTsCredentials,
  type TsCredentials,
} from './tscredentials';

/** The request bits CredSSP takes (InitializeSecurityContext (CredSSP) reference); others are refused. */
const ISC_ALLOWED =
  ISC_REQ.DELEGATE |
  ISC_REQ.MUTUAL_AUTH |
  ISC_REQ.SEQUENCE_DETECT |
  ISC_REQ.USE_SUPPLIED_CREDS |
  ISC_REQ.ALLOCATE_MEMORY |
  ISC_REQ.CONNECTION |
  ISC_REQ.EXTENDED_ERROR |
  ISC_REQ.STREAM |
  ISC_REQ.MANUAL_CRED_VALIDATION;

/** The first call's target name and flags, which every later call of the exchange must repeat. */
interface BoundRequest {
  targetName: string;
  flags: number;
}

export class CredsspInitiator extends CredsspContext {
  private options!: CredsspSettings;
  private tlsEngine: TlsEngine | undefined;
  private bound!: BoundRequest;

  protected checkFlags(flags: number): void {
    const unsupported = flags & ~ISC_ALLOWED;
    if (unsupported) {
      throw sspiError(
        'SEC_E_UNSUPPORTED_FUNCTION',
        `CredSSP does not support the request flag(s) 0x${(unsupported >>> 0).toString(16)}.`,
      );
    }
  }

  /** The REQ bits asked for share their positions with the RET bits; MANUAL_CRED_VALIDATION is always set. */
  protected attributes(flags: number): number {
    return ((flags & ISC_ALLOWED) | ISC_RET.MANUAL_CRED_VALIDATION) >>> 0;
  }

  protected get serverCertificate(): X509Certificate | undefined {
    return this.tlsEngine?.handshakeComplete ? this.tlsEngine.peerCertificate() : undefined;
  }

  /**
   * A later call must name the same target with the same flags as the first. The reference leaves
   * a change undefined; honouring it would let a request the policy never saw decide what is
   * delegated (a first call without ISC_REQ_DELEGATE, a later one with it; or TERMSRV/good, then
   * WSMAN/evil), so the change is refused and the context fails. The codes are the reference's:
   * SEC_E_UNSUPPORTED_FUNCTION "the value of the fContextReq parameter is not valid", and
   * SEC_E_WRONG_PRINCIPAL "the principal ... is not the same as the one passed into pszTargetName".
   */
  protected override checkContinuation(request: PackageStepRequest): void {
    const targetName = request.targetName ?? '';
    if (targetName !== this.bound.targetName) {
      throw sspiError(
        'SEC_E_WRONG_PRINCIPAL',
        `This CredSSP exchange was started for '${this.bound.targetName}' and cannot go on for ` +
          `'${targetName}': pass the first call's target name on every call, or start a new context.`,
      );
    }
    const changed = (request.flags ^ this.bound.flags) >>> 0;
    if (changed) {
      throw sspiError(
        'SEC_E_UNSUPPORTED_FUNCTION',
        `This CredSSP exchange was started with flags 0x${(this.bound.flags >>> 0).toString(16)}; a later ` +
          `call changed 0x${changed.toString(16)} of them. Pass the first call's flags on every call, or ` +
          'start a new context.',
      );
    }
  }

  override query(attribute: string): unknown {
    if (attribute === 'names') {
      this.established();
      // The credential's identity, or (single sign-on) whom Kerberos logged on as.
      const identity = this.credential.identity ?? this.mechanism?.identity;
      return { user: formatName(identity && { user: identity.user, domain: identity.domain }) };
    }
    return super.query(attribute);
  }

  protected begin(request: PackageStepRequest): ExchangeParts {
    const { flags, targetName } = request;
    this.bound = { targetName: targetName ?? '', flags };
    this.options = this.credential.credssp;
    const mutualAuth = (flags & ISC_REQ.MUTUAL_AUTH) !== 0;
    // CredSSP delegates a password (TSPasswordCreds); single sign-on from a ccache or a client
    // keytab has none. Sending the empty set instead would quietly not do what was asked.
    if (flags & ISC_REQ.DELEGATE && !this.credential.identity) {
      throw sspiError(
        'SEC_E_NO_CREDENTIALS',
        'ISC_REQ_DELEGATE asks CredSSP to delegate a password, and this credential has none (single sign-on from a Kerberos ccache or keytab). Acquire it with an identity, or leave ISC_REQ_DELEGATE out to send the empty set.',
      );
    }
    // Kerberos inside SPNEGO, when configured: its service ticket is asked for now, while TLS
    // runs, and waited for before the inner mechanism starts (exchangeLegs). Delegation, which
    // is not Kerberos' here (the password goes in TSCredentials), is not asked of the KDC.
    const kerberos =
      this.options.inner === 'spnego'
        ? kerberosForNegotiate(this.credential, { targetName, flags: flags & ~ISC_REQ.DELEGATE })
        : undefined;
    kerberos?.catch(() => undefined); // observed in exchangeLegs; never an unhandled rejection
    // Policy before anything leaves (reference: "Delegation policies are still enforced").
    // Only real credentials are gated; without ISC_REQ_DELEGATE an empty set is sent. With
    // Kerberos under way, whether the server will be authenticated is known once the KDC has
    // answered: the policy is then checked before the first mechanism token (exchangeLegs).
    if (flags & ISC_REQ.DELEGATE && !kerberos)
      checkDelegationPolicy(this.credential.policy, targetName, mutualAuth);
    // Without Kerberos the mechanism is made at once, as it always was (no credentials fail here).
    const makeMechanism = (start?: KerberosStart): MechanismContext =>
      (this.mechanism = createInitiatorMechanism(this.credential, this.options.inner, {
        targetName,
        kerberos: start,
      }));
    const mech = kerberos ? undefined : makeMechanism();
    const host = targetName ? parseSpn(targetName).host : '';
    this.tlsEngine = TlsEngine.client({
      servername: host && !isIP(host) ? host : undefined,
      session: this.cachedSession(),
      maxVersion: this.options.tlsMaxVersion,
      ca: this.options.ca,
    });
    const link = new TsRequestLink(new CredsspChannel(this.tlsEngine), this.options.version, 'server');
    return {
      link,
      legs: this.exchangeLegs(link, mutualAuth, mech ?? { kerberos: kerberos!, make: makeMechanism }),
    };
  }

  /**
   * The exchange over `inner`: the mechanism, or (Kerberos configured) the promise of its service
   * ticket and how to make the mechanism once it has come.
   */
  private *exchangeLegs(
    link: TsRequestLink,
    mutualAuth: boolean,
    inner:
      | MechanismContext
      | {
          kerberos: Promise<KerberosStart | undefined>;
          make: (start?: KerberosStart) => MechanismContext;
        },
  ): Exchange {
    const channel = link.channel;
    let start: KerberosStart | undefined;
    let closed = false;
    try {
      // Step 1: the TLS handshake.
      const started = channel.tls.startNow();
      if (started) yield started;
      while (!(yield* channel.handshake())) yield channel.takeOutput();
      if (channel.tls.protocol === 'TLSv1.3') {
        // TLS 1.3 ends with our Finished. It travels alone, and the first TSRequest follows once
        // the server has answered it (with its session tickets, RFC 8446 4.6.1): an acceptor that
        // ends its handshake step at our Finished, reading nothing after it in the token, would
        // never see a TSRequest sent along. (TLS 1.2 ends with the server's Finished; resumed, with
        // ours, which the TSRequest then joins: a TLS 1.2 server has nothing to answer it with.)
        yield channel.takeOutput();
      }
      const certificate = this.serverCertificate;
      if (!certificate) throw sspiError('SEC_E_INTERNAL_ERROR', 'TLS finished without a server certificate.');
      // ISC_REQ_MUTUAL_AUTH: Kerberos' AP-REP authenticates the server, and pubKeyAuth binds
      // its TLS key to it; without Kerberos the certificate must be trusted and name the host.
      if (mutualAuth && !('kerberos' in inner)) this.authenticateServer(certificate);
      const subjectPublicKey = subjectPublicKeyOf(certificate.raw);

      // Step 2: the inner mechanism, Kerberos first when its ticket came (else NTLM alone).
      let mech: MechanismContext;
      if ('kerberos' in inner) {
        yield inner.kerberos.then((got) => {
          if (closed) got?.dispose();
          else start = got;
        });
        if (mutualAuth && !start) this.authenticateServer(certificate);
        if (this.bound.flags & ISC_REQ.DELEGATE)
          checkDelegationPolicy(
            this.credential.policy,
            this.bound.targetName,
            mutualAuth || start !== undefined,
          );
        mech = inner.make(start);
        start?.dispose();
      } else {
        mech = inner;
      }
      // Its legs, until it has produced its last token (and has keys).
      let outgoing = mech.step(null).output;
      while (!mech.complete && mech.sessionKey === undefined) {
        const reply = yield* link.roundTrip({ negoTokens: [outgoing] });
        this.refuseOldServer(link.peerVersion);
        outgoing = mech.step(negoTokenOf(reply)).output;
      }
      return yield* this.finishLegs(link, mech, outgoing, subjectPublicKey, mutualAuth);
    } finally {
      closed = true;
      start?.dispose();
    }
  }

  /** Steps 3 to 5: pubKeyAuth both ways, then the credentials. */
  private *finishLegs(
    link: TsRequestLink,
    mech: MechanismContext,
    outgoing: Buffer,
    subjectPublicKey: Buffer,
    mutualAuth: boolean,
  ): Exchange {
    const channel = link.channel;
    // Step 3: the last token travels with pubKeyAuth (and clientNonce from version 5).
    const version = link.negotiatedVersion;
    // Random but not secret (the server learns it, MS-CSSP 2.2.1): a pooled nonce, sparing a CSPRNG call.
    const clientNonce = version >= FIRST_HASHED_VERSION ? publicNonce(CLIENT_NONCE_LENGTH) : undefined;
    const ourBinding = clientPubKeyAuth(version, subjectPublicKey, clientNonce);
    // Sealed while the mechanism's last token is still on its way, as Windows does (an SPNEGO
    // initiator seals once NTLM has its keys, before the server's mechListMIC arrives).
    const reply = yield* link.roundTrip({
      negoTokens: outgoing.length > 0 ? [outgoing] : undefined,
      pubKeyAuth: mech.wrap(ourBinding),
      clientNonce,
    });
    if (!mech.complete) {
      // SPNEGO: the server's final token (accept-completed, mechListMIC) comes back first.
      mech.step(negoTokenOf(reply));
      if (!mech.complete)
        throw sspiError('SEC_E_INVALID_TOKEN', 'The server did not finish the SPNEGO exchange.');
    }

    // Step 4: verify the server's answer before any credential is encrypted.
    this.verifyServerBinding(mech, reply, serverPubKeyAuth(version, subjectPublicKey, clientNonce));

    // Step 5: the credentials. A server Kerberos authenticated (its AP-REP, which we always ask
    // for) counts as authenticated for the policy, as a trusted certificate does.
    const credentials = this.credentialsToDelegate(mutualAuth || mech.mechanism === 'Kerberos');
    const plaintext = encodeTsCredentials(credentials);
    wipeTsCredentials(credentials);
    const authInfo = mech.wrap(plaintext);
    wipe(plaintext);
    yield* link.send({ authInfo });
    this.rememberSession();
    return channel.takeOutput();
  }

  /** MUTUAL_AUTH: a chain to a trusted root, then the target's host (SEC_E_WRONG_PRINCIPAL if not). */
  private authenticateServer(certificate: X509Certificate): void {
    const { authorized, error } = this.tlsEngine!.authorization;
    if (!authorized) {
      throw sspiError(
        'SEC_E_MUTUAL_AUTH_FAILED',
        `The server certificate is not trusted (${error ?? 'unknown reason'}). Pass its root in the ca option, or do not request ISC_REQ_MUTUAL_AUTH.`,
      );
    }
    const host = this.bound.targetName ? parseSpn(this.bound.targetName).host : '';
    if (!host) {
      throw sspiError(
        'SEC_E_MUTUAL_AUTH_FAILED',
        'ISC_REQ_MUTUAL_AUTH needs a target name such as TERMSRV/host to check the certificate against.',
      );
    }
    const matches = isIP(host) ? certificate.checkIP(host) : certificate.checkHost(host);
    if (!matches) {
      throw sspiError(
        'SEC_E_WRONG_PRINCIPAL',
        `The server certificate (${peerText(certificate.subject.replace(/\n/g, ', '))}) is valid but was not issued to '${host}'.`,
      );
    }
  }

  /** CVE-2018-0886: unless 'vulnerable', a server below version 5 gets nothing more from us. */
  private refuseOldServer(peerVersion: number | undefined): void {
    if ((peerVersion ?? 0) >= FIRST_HASHED_VERSION) return;
    if (this.credential.policy.encryptionOracle === 'vulnerable') return;
    // Windows reports this case as SEC_E_UNSUPPORTED_FUNCTION ("The function requested is not
    // supported ... This could be due to CredSSP encryption oracle remediation").
    throw sspiError(
      'SEC_E_UNSUPPORTED_FUNCTION',
      `The server speaks CredSSP version ${peerVersion}, which lacks the CVE-2018-0886 fix (version 5+). ` +
        `Update the server, or set policy.encryptionOracle to 'vulnerable' to connect anyway.`,
    );
  }

  private verifyServerBinding(mech: MechanismContext, reply: TsRequest, expected: Buffer): void {
    if (!reply.pubKeyAuth) {
      throw sspiError(
        'SEC_E_INVALID_TOKEN',
        'The server did not answer with its pubKeyAuth; no credentials were sent.',
      );
    }
    const received = mech.unwrap(reply.pubKeyAuth);
    if (!bindingMatches(expected, received)) {
      throw sspiError(
        'SEC_E_MESSAGE_ALTERED',
        'The server’s pubKeyAuth does not match the TLS key it presented: a man in the middle may be relaying ' +
          'the connection. No credentials were sent.',
      );
    }
  }

  /**
   * Password credentials with ISC_REQ_DELEGATE; an empty set without it (reference). The policy is
   * checked here too, against the request in force, so the gate stands where the password is
   * encrypted and not only where the exchange began.
   */
  private credentialsToDelegate(serverAuthenticated: boolean): TsCredentials {
    const identity = this.credential.identity;
    const delegate = (this.bound.flags & ISC_REQ.DELEGATE) !== 0 && identity;
    if (delegate) checkDelegationPolicy(this.credential.policy, this.bound.targetName, serverAuthenticated);
    return {
      credType: CRED_TYPE_PASSWORD,
      password: {
        domainName: Buffer.from(delegate ? identity.domain : '', 'utf16le'),
        userName: Buffer.from(delegate ? identity.user : '', 'utf16le'),
        password: delegate ? copySecret(identity.passwordUtf16) : Buffer.alloc(0),
      },
    };
  }

  /** Reference: a session is reused only for the same target, the same credential handle, unexpired. */
  private cachedSession(): Buffer | undefined {
    return this.credential.tlsSessions.get(this.bound.targetName);
  }

  private rememberSession(): void {
    const session = this.tlsEngine?.session;
    if (session) this.credential.tlsSessions.remember(this.bound.targetName, session);
  }
}
