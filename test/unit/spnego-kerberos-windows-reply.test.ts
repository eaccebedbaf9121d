/**
 * Our SPNEGO initiator running real Kerberos against an acceptor that answers as Windows does with
 * AES (the mechListMIC exchange made mandatory for CFX tokens, MS-SPNG; Heimdal's
 * GSS_C_PEER_HAS_UPDATED_SPNEGO): NegTokenResp { accept-incomplete, Kerberos, AP-REP, its
 * mechListMIC }, then it waits for ours. MIT's and our acceptors end in one leg instead
 * (accept-completed, AP-REP, no MIC: optional for both sides' first choice, RFC 4178 5), which the
 * interop suites cover; this is the other form, scripted over our Kerberos acceptor, since no peer
 * here sends it.
 */
import { Enctype } from '../../lib/emulated/mechanisms/kerberos/crypto/enctypes';
import { GssFlag } from '../../lib/emulated/mechanisms/kerberos/messages/constants';
import { SpnegoInitiator } from '../../lib/emulated/mechanisms/spnego/initiator';
import {
  MS_KRB5_OID,
  NegState,
  decodeInitialToken,
  decodeNegTokenResp,
  encodeNegTokenResp,
} from '../../lib/emulated/mechanisms/spnego/tokens';
import { flipped, makePair, makeService, thrown } from './support/kerberos-ap';
import { KERBEROS_OIDS } from './support/spnego-harness';

const FLAGS = GssFlag.MUTUAL | GssFlag.REPLAY | GssFlag.SEQUENCE | GssFlag.CONF | GssFlag.INTEG;

/** Our SPNEGO initiator over a Kerberos initiator, its first token, and the Kerberos acceptor's answer. */
function start(enctype: number) {
  const { initiator: kerberos, acceptor } = makePair(makeService(enctype), FLAGS);
  const initiator = new SpnegoInitiator([{ oids: KERBEROS_OIDS, make: () => kerberos }]);
  const init = decodeInitialToken(initiator.step(null).output);
  const apRep = acceptor.step(init.mechToken!).output;
  expect(acceptor.complete).toBe(true);
  return { initiator, acceptor, mechTypesDer: init.mechTypesDer, apRep };
}

describe.each([
  ['aes256-cts-hmac-sha1-96', Enctype.AES256_CTS_HMAC_SHA1_96],
  ['aes128-cts-hmac-sha256-128', Enctype.AES128_CTS_HMAC_SHA256_128],
])('SPNEGO Kerberos (%s) against a Windows-form reply', (_name, enctype) => {
  test('verifies the acceptor’s MIC, answers with its own, and completes', () => {
    const { initiator, acceptor, mechTypesDer, apRep } = start(enctype);
    const reply = encodeNegTokenResp({
      negState: NegState.AcceptIncomplete,
      supportedMech: MS_KRB5_OID,
      responseToken: apRep,
      mechListMIC: acceptor.sign(mechTypesDer),
    });
    const last = initiator.step(reply);
    expect(last.complete).toBe(true);
    const answer = decodeNegTokenResp(last.output);
    expect(answer.responseToken).toBeUndefined();
    // The acceptor checks our MIC over the list it received: no throw means it holds.
    acceptor.verify(mechTypesDer, answer.mechListMIC!);
    // Sequence numbers went on from the MICs: messages flow both ways.
    expect(acceptor.unwrap(initiator.wrap(Buffer.from('to the server'))).toString()).toBe('to the server');
    expect(initiator.unwrap(acceptor.wrap(Buffer.from('to the client'))).toString()).toBe('to the client');
  });

  test('a tampered acceptor MIC is SEC_E_MESSAGE_ALTERED and nothing is sent', () => {
    const { initiator, acceptor, mechTypesDer, apRep } = start(enctype);
    const mic = acceptor.sign(mechTypesDer);
    const reply = encodeNegTokenResp({
      negState: NegState.AcceptIncomplete,
      supportedMech: MS_KRB5_OID,
      responseToken: apRep,
      mechListMIC: flipped(mic, mic.length - 1),
    });
    expect(thrown(() => initiator.step(reply)).code).toBe('SEC_E_MESSAGE_ALTERED');
    expect(initiator.complete).toBe(false);
  });

  test('a MIC over another mechanism list (a downgrade in transit) is SEC_E_MESSAGE_ALTERED', () => {
    const { initiator, acceptor, apRep } = start(enctype);
    const reply = encodeNegTokenResp({
      negState: NegState.AcceptIncomplete,
      supportedMech: MS_KRB5_OID,
      responseToken: apRep,
      mechListMIC: acceptor.sign(Buffer.from('300b06092a864882f712010202', 'hex')),
    });
    expect(thrown(() => initiator.step(reply)).code).toBe('SEC_E_MESSAGE_ALTERED');
  });
});
