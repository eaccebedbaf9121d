import { ISC_REQ, SEC, SECBUFFER } from '../../lib/constants';
import { isSspiError } from '../../lib/errors';
import { CredsspInitiator } from '../../lib/emulated/packages/credssp/initiator';
import { emulatedCredential } from '../loopback/credssp-helpers';

describe('CredsspContext.step', () => {
  it('refuses a call that overlaps one still waiting, and the first call completes as if alone', async () => {
    const credential = emulatedCredential({
      package: 'CredSSP',
      use: 'outbound',
      identity: { user: 'alice', domain: 'LAB', password: 'Passw0rd!' },
    });
    const context = new CredsspInitiator(credential);
    const request = {
      input: [{ type: SECBUFFER.EMPTY, buffer: Buffer.alloc(0) }],
      flags: ISC_REQ.DELEGATE,
      targetName: 'TERMSRV/server.example',
      targetDataRep: 0x10,
    };
    // The first call waits for TLS to write its ClientHello; the second arrives meanwhile.
    const first = context.step(request);
    const second = context.step(request).then(
      () => 'resolved',
      (err: unknown) => (isSspiError(err, 'SEC_E_INTERNAL_ERROR') ? 'refused' : String(err)),
    );
    expect(await second).toBe('refused');
    const result = await first;
    expect(result.status).toBe(SEC.I_CONTINUE_NEEDED);
    // A TLS handshake record (content type 22) with a ClientHello: the exchange was not disturbed.
    expect(result.output[0]).toBe(22);
    expect(result.output[5]).toBe(1);
    context.dispose();
    credential.free();
  });
});
