import { runExchange, setupFor } from './support/exchange';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
it('p', async () => {
  const c = await generateSelfSignedCertificate({ commonName: 'server.lab' });
  const setup = setupFor('CredSSP', { cert: c.certPem, key: c.keyPem });
  setup.clientOptions.credsspInner = 'spnego';
  const ref = await runExchange(setup, null, null);
  console.log(
    ref.handshakeLegs,
    ref.tokens.map((t) => t.length),
  );
  for (let leg = 0; leg < ref.tokens.length; leg++) {
    const r = await runExchange(setup, { leg, tamper: { kind: 'concat-next' } }, ref).then(
      (x) => x.outcome,
      (e) => 'BREACH ' + e.message.split('\n')[0],
    );
    console.log(leg, r);
  }
});
