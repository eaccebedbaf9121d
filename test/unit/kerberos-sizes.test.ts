/**
 * `sizes` over each Kerberos key: what queryContextAttributes reports must be what the tokens
 * take, since a caller (a WinRM client, say) splits a sealed message at securityTrailer.
 */
import { Enctype, enctypeProfile } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { GssFlag } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { makePair, makeService } from './support/kerberos-ap';

const FLAGS = GssFlag.MUTUAL | GssFlag.REPLAY | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG;

describe.each(
  [
    Enctype.AES128_CTS_HMAC_SHA1_96,
    Enctype.AES256_CTS_HMAC_SHA1_96,
    Enctype.AES128_CTS_HMAC_SHA256_128,
    Enctype.AES256_CTS_HMAC_SHA384_192,
  ].map((e) => [enctypeProfile(e).name, e]),
)('%s', (_name, enctype) => {
  test('securityTrailer is what a seal adds, maxSignature a MIC’s length', () => {
    const { initiator, acceptor } = makePair(makeService(enctype), FLAGS);
    initiator.step(acceptor.step(initiator.step(null).output).output);
    for (const side of [initiator, acceptor]) {
      const sizes = side.messageSizes;
      for (const n of [0, 1, 100]) expect(side.wrap(Buffer.alloc(n)).length - n).toBe(sizes.securityTrailer);
      expect(side.sign(Buffer.from('m'))).toHaveLength(sizes.maxSignature);
    }
  });
});

test('before the key is known, AES-SHA1’s sizes, as Windows reports them (28, 60)', () => {
  const { initiator } = makePair(makeService(Enctype.AES256_CTS_HMAC_SHA1_96), FLAGS);
  expect(initiator.messageSizes).toEqual({ maxSignature: 28, blockSize: 1, securityTrailer: 60 });
});
