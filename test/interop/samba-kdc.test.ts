/**
 * Kerberos through the public API (lib/index.ts, emulated backend) against a live Samba AD DC's
 * KDC (Heimdal with AD's rules: salts, PACs, msDS-SupportedEncryptionTypes, NTSTATUS in e-data),
 * one throwaway domain for the file (test/interop/peers/samba-dc.ts):
 * - AS and TGS for a user with a mixed-case name logging on in lower case under a mixed-case
 *   realm, for a service account and for a computer account `HOSTA$`, each by password: AD's
 *   salts (REALM + the account's name as stored; REALM + 'host' + name + '.' + realm for a
 *   computer) come from the KDC's ETYPE-INFO2, not from the name we typed;
 * - the computer's keytab from `samba-tool domain exportkeytab` logging it on as a client;
 * - our client ↔ our acceptor holding the keytab `samba-tool domain exportkeytab` wrote for the
 *   service's SPN: aes256 and aes128 tickets by the account's msDS-SupportedEncryptionTypes,
 *   names, wraps both ways; Negotiate choosing Kerberos; MIT's kinit + GSSAPI → our acceptor;
 * - refusals: a wrong password, a disabled account (STATUS_ACCOUNT_DISABLED in e-data), an SPN
 *   no account has;
 * - an account without msDS-SupportedEncryptionTypes gets RC4 tickets from AD whatever the client
 *   offers: the session key stays AES, and only an acceptor with allowRc4 takes the ticket.
 */
import {
  ASC_REQ,
  ISC_REQ,
  acceptSecurityContext,
  decryptMessage,
  encryptMessage,
  initializeSecurityContext,
  queryContextAttributes,
  type CredentialsHandle,
  type SecurityContext,
} from '../../lib';
import { perTestResources } from './peers/api-sides';
import { describeWithPeers } from './peers/availability';
import { JsonPeer } from './peers/json-peer';
import { SupportedEnctypes, startSambaDc, type SambaDc } from './peers/samba-dc';

/** Given mixed-case: AD upper-cases the realm, our client upper-cases the domain it is given. */
const DOMAIN = 'Samba.Test';
const REALM = DOMAIN.toUpperCase();
/** Throwaway passwords of a throwaway domain. */
const USER_PASSWORD = 'Mixed-samba-Pass1';
const SERVICE_PASSWORD = 'Web-samba-Pass1';
const COMPUTER_PASSWORD = 'Host-samba-Pass1';
const SERVICE = 'HTTP/web.samba.test';
const SERVICE_AES128 = 'HTTP/web128.samba.test';
const SERVICE_RC4 = 'HTTP/legacy.samba.test';
const ISC_FLAGS = ISC_REQ.MUTUAL_AUTH | ISC_REQ.CONFIDENTIALITY | ISC_REQ.INTEGRITY | ISC_REQ.SEQUENCE_DETECT;
const ASC_FLAGS = ASC_REQ.CONFIDENTIALITY | ASC_REQ.INTEGRITY | ASC_REQ.SEQUENCE_DETECT;
/** Provisioning a domain takes 6 s here, more on a busy CI machine. */
const SETUP_TIMEOUT_MS = 120_000;

/** Both ends' contexts after a completed logon. */
interface Logon {
  client: SecurityContext;
  server: SecurityContext;
}

/** Our initiator ↔ our acceptor until both say SEC_E_OK (Kerberos: 2 legs; Negotiate: up to 4). */
async function logon(client: CredentialsHandle, server: CredentialsHandle, target: string): Promise<Logon> {
  let c = await initializeSecurityContext({ credential: client, targetName: target, flags: ISC_FLAGS });
  let s = await acceptSecurityContext({ credential: server, flags: ASC_FLAGS, input: c.output });
  for (let leg = 0; c.statusName !== 'SEC_E_OK' || s.statusName !== 'SEC_E_OK'; leg++) {
    if (s.output.length === 0 || leg === 8) throw new Error(`the logon stalled: acceptor ${s.statusName}`);
    c = await initializeSecurityContext({
      credential: client,
      context: c.context,
      targetName: target,
      flags: ISC_FLAGS,
      input: s.output,
    });
    if (c.statusName === 'SEC_E_OK' && s.statusName === 'SEC_E_OK') break;
    s = await acceptSecurityContext({
      credential: server,
      context: s.context,
      flags: ASC_FLAGS,
      input: c.output,
    });
  }
  return { client: c.context, server: s.context };
}

/** A message each way, sealed by one end and opened by the other. */
async function wrapBothWays({ client, server }: Logon): Promise<void> {
  for (const [from, to] of [
    [client, server],
    [server, client],
  ]) {
    const message = Buffer.from('sealed between our two ends, through Samba’s tickets');
    expect(await decryptMessage(to, await encryptMessage(from, message))).toEqual(message);
  }
}

/** The session key's length: 32 bytes for aes256, 16 for aes128. */
async function sessionKeyLength(context: SecurityContext): Promise<number> {
  const { sessionKey } = await queryContextAttributes(context, 'sessionKey');
  return sessionKey.length;
}

describeWithPeers(
  ['samba-ad-dc', 'python3-gssapi'],
  'Kerberos through the public API, with Samba’s AD DC',
  () => {
    let dc: SambaDc;
    const keytabs: Record<string, string> = {};
    const { acquire, keep } = perTestResources();

    const client = (
      user: string,
      password: string,
      pkg: 'Kerberos' | 'Negotiate' = 'Kerberos',
      allowRc4 = false,
    ) =>
      acquire({
        package: pkg,
        use: 'outbound',
        identity: { user, domain: DOMAIN, password },
        emulated: { kerberos: { kdc: dc.kdc, allowRc4 } },
      });
    const service = (spn: string, pkg: 'Kerberos' | 'Negotiate' = 'Kerberos', allowRc4 = false) =>
      acquire({ package: pkg, use: 'inbound', emulated: { kerberos: { keytab: keytabs[spn], allowRc4 } } });

    beforeAll(async () => {
      dc = await startSambaDc({ realm: DOMAIN });
      await dc.addUser('MixedUser', USER_PASSWORD);
      await dc.addUser('carol', USER_PASSWORD);
      await dc.sambaTool(['user', 'disable', 'carol']);
      await dc.addComputer('HOSTA', COMPUTER_PASSWORD);
      // Three service accounts, one SPN each; AD's tickets for an account follow its
      // msDS-SupportedEncryptionTypes, and without one they are RC4.
      const accounts: [string, string, number | undefined][] = [
        ['websvc', SERVICE, SupportedEnctypes.AES256 | SupportedEnctypes.AES128],
        ['web128', SERVICE_AES128, SupportedEnctypes.AES128],
        ['legacy', SERVICE_RC4, undefined],
      ];
      for (const [account, spn, enctypes] of accounts) {
        await dc.addUser(account, SERVICE_PASSWORD);
        await dc.sambaTool(['spn', 'add', spn, account]);
        if (enctypes !== undefined) await dc.setSupportedEnctypes(account, enctypes);
        keytabs[spn] = await dc.exportKeytab(spn);
      }
    }, SETUP_TIMEOUT_MS);
    afterAll(async () => {
      await dc?.stop();
    });

    describe('AS and TGS with AD’s salts, our client ↔ our acceptor over the exported keytab', () => {
      test('a user stored as MixedUser logs on as mixeduser@Samba.Test: aes256, names, wraps both ways', async () => {
        const ends = await logon(await client('mixeduser', USER_PASSWORD), await service(SERVICE), SERVICE);
        expect(await queryContextAttributes(ends.server, 'names')).toEqual({ user: `${REALM}\\mixeduser` });
        expect(await queryContextAttributes(ends.client, 'names')).toEqual({ user: `${REALM}\\mixeduser` });
        expect(await sessionKeyLength(ends.client)).toBe(32);
        expect(await sessionKeyLength(ends.server)).toBe(32);
        await wrapBothWays(ends);
      });

      test('an account allowing only aes128: an aes128 ticket and session key', async () => {
        const ends = await logon(
          await client('MixedUser', USER_PASSWORD),
          await service(SERVICE_AES128),
          SERVICE_AES128,
        );
        expect(await sessionKeyLength(ends.client)).toBe(16);
        expect(await sessionKeyLength(ends.server)).toBe(16);
        await wrapBothWays(ends);
      });

      test('a service account logs on with its own password', async () => {
        const ends = await logon(await client('websvc', SERVICE_PASSWORD), await service(SERVICE), SERVICE);
        expect(await queryContextAttributes(ends.server, 'names')).toEqual({ user: `${REALM}\\websvc` });
        await wrapBothWays(ends);
      });

      test('a computer account HOSTA$ logs on with its password (salt SAMBA.TESThosthosta.samba.test)', async () => {
        const ends = await logon(await client('HOSTA$', COMPUTER_PASSWORD), await service(SERVICE), SERVICE);
        expect(await queryContextAttributes(ends.server, 'names')).toEqual({ user: `${REALM}\\HOSTA$` });
        await wrapBothWays(ends);
      });

      test('the keytab samba-tool exports for HOSTA$ logs it on as a client, with no identity', async () => {
        const credential = await acquire({
          package: 'Kerberos',
          use: 'outbound',
          emulated: { kerberos: { kdc: dc.kdc, keytab: await dc.exportKeytab('HOSTA$') } },
        });
        const ends = await logon(credential, await service(SERVICE), SERVICE);
        expect(await queryContextAttributes(ends.server, 'names')).toEqual({ user: `${REALM}\\HOSTA$` });
      });

      test('MIT’s kinit and GSSAPI initiator → our acceptor', async () => {
        const ccache = await dc.kinit('MixedUser', USER_PASSWORD);
        const peer = JsonPeer.mitInitiator('krb5', {
          env: { ...dc.env, KRB5CCNAME: `FILE:${ccache}` },
          target: SERVICE.replace('/', '@'),
        });
        keep(peer);
        const server = await service(SERVICE);
        let step = await peer.start();
        let ours = await acceptSecurityContext({ credential: server, flags: ASC_FLAGS, input: step.token! });
        while (!step.complete) {
          step = await peer.step(ours.output);
          if (step.token)
            ours = await acceptSecurityContext({
              credential: server,
              context: ours.context,
              flags: ASC_FLAGS,
              input: step.token,
            });
        }
        expect(ours.statusName).toBe('SEC_E_OK');
        expect(await queryContextAttributes(ours.context, 'names')).toEqual({ user: `${REALM}\\MixedUser` });
        const toMit = Buffer.from('sealed by us');
        expect(await peer.unwrap(await encryptMessage(ours.context, toMit))).toEqual({
          data: toMit,
          confidential: true,
        });
        const toUs = Buffer.from('sealed by MIT');
        expect(await decryptMessage(ours.context, await peer.wrap(toUs))).toEqual(toUs);
      });
    });

    describe('Negotiate', () => {
      test('prefers Kerberos against the DC, though the acceptor takes NTLM too', async () => {
        const server = await acquire({
          package: 'Negotiate',
          use: 'inbound',
          emulated: { kerberos: { keytab: keytabs[SERVICE] }, users: { mixeduser: USER_PASSWORD } },
        });
        const ends = await logon(await client('mixeduser', USER_PASSWORD, 'Negotiate'), server, SERVICE);
        for (const context of [ends.client, ends.server]) {
          expect(await queryContextAttributes(context, 'negotiationInfo')).toMatchObject({
            packageInfo: { name: 'Kerberos' },
          });
        }
        await wrapBothWays(ends);
      });
    });

    describe('refusals', () => {
      const firstStep = async (credential: CredentialsHandle, target = SERVICE) =>
        initializeSecurityContext({ credential, targetName: target, flags: ISC_FLAGS });

      test('a wrong password is SEC_E_LOGON_DENIED', async () => {
        await expect(firstStep(await client('MixedUser', 'not-the-password'))).rejects.toMatchObject({
          code: 'SEC_E_LOGON_DENIED',
          message: expect.stringContaining('KDC_ERR_PREAUTH_FAILED'),
        });
      });

      test('a disabled account is SEC_E_LOGON_DENIED, naming STATUS_ACCOUNT_DISABLED from the e-data', async () => {
        await expect(firstStep(await client('carol', USER_PASSWORD))).rejects.toMatchObject({
          code: 'SEC_E_LOGON_DENIED',
          message: expect.stringMatching(/KDC_ERR_CLIENT_REVOKED.*0xc0000072/),
          peerStatus: 0xc0000072,
        });
      });

      test('an SPN no account has is SEC_E_TARGET_UNKNOWN', async () => {
        await expect(
          firstStep(await client('MixedUser', USER_PASSWORD), 'HTTP/nowhere.samba.test'),
        ).rejects.toMatchObject({ code: 'SEC_E_TARGET_UNKNOWN' });
      });
    });

    describe('RC4: AD’s tickets for an account without msDS-SupportedEncryptionTypes', () => {
      test('with allowRc4 on both ends: the RC4 ticket is taken, its session key is AES', async () => {
        const ends = await logon(
          await client('MixedUser', USER_PASSWORD, 'Kerberos', true),
          await service(SERVICE_RC4, 'Kerberos', true),
          SERVICE_RC4,
        );
        expect(await sessionKeyLength(ends.server)).toBe(32);
        await wrapBothWays(ends);
      });

      test('a client without allowRc4 still gets the ticket, with an AES session key', async () => {
        // AD picks the ticket's etype by the service account, not by what the client offers; the
        // client never opens the ticket, and everything it keys with is AES.
        const ends = await logon(
          await client('MixedUser', USER_PASSWORD),
          await service(SERVICE_RC4, 'Kerberos', true),
          SERVICE_RC4,
        );
        expect(await sessionKeyLength(ends.client)).toBe(32);
        await wrapBothWays(ends);
      });

      test('an acceptor without allowRc4 refuses the RC4 ticket', async () => {
        const credential = await client('MixedUser', USER_PASSWORD);
        const server = await service(SERVICE_RC4);
        await expect(logon(credential, server, SERVICE_RC4)).rejects.toMatchObject({
          code: 'SEC_E_NO_KERB_KEY',
        });
      });
    });
  },
);
