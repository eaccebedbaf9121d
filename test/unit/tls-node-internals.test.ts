/**
 * The TLS engine's two paths over Node's TLS (lib/emulated/tls/node-internals): the fast one only
 * where probe.ts proves it, the safe one (a real Duplex) everywhere else or when forced. Both run
 * here on whichever Node runs the suite: .ci/run runs it under every Node it tests.
 */
import type * as Engine from '../../lib/emulated/tls/engine';
import type * as Helpers from '../loopback/credssp-helpers';
import type * as Probe from '../../lib/emulated/tls/node-internals/probe';
import { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import { generateSelfSignedCertificate } from '../../lib/emulated/tls/certificate';
import {
  FAST_PATH_MAJORS,
  choosePath,
  internalsHaveTheirShape,
} from '../../lib/emulated/tls/node-internals/probe';

const major = Number(process.versions.node.split('.')[0]);

describe('choosing the path', () => {
  const proven = jest.fn(() => true);
  const broken = jest.fn(() => false);

  it('takes the fast path on an allowlisted major whose internals pass the self-test', () => {
    expect(choosePath({ nodeMajor: 24, forced: undefined, selfTest: proven })).toBe('fast');
  });

  it('takes the safe path on a major CI does not run, without even probing', () => {
    proven.mockClear();
    for (const nodeMajor of [18, 21, 23, 28]) {
      expect(choosePath({ nodeMajor, forced: undefined, selfTest: proven })).toBe('safe');
    }
    expect(proven).not.toHaveBeenCalled();
  });

  it('takes the safe path when the internals are not in the expected shape', () => {
    expect(choosePath({ nodeMajor: 22, forced: undefined, selfTest: broken })).toBe('safe');
  });

  it('takes the safe path when CREDSSP_TLS_PATH=safe forces it', () => {
    proven.mockClear();
    expect(choosePath({ nodeMajor: 26, forced: 'safe', selfTest: proven })).toBe('safe');
    expect(proven).not.toHaveBeenCalled();
  });

  // On a major CI does not run (Node 20, end of life) the internals may well be in shape; the
  // fast path is refused there all the same, which choosePath's tests pin.
  (FAST_PATH_MAJORS.includes(major) ? it : it.skip)(
    'finds the internals in shape on this Node, one CI runs',
    () => {
      expect(internalsHaveTheirShape()).toBe(true);
    },
  );
});

describe.each(['fast', 'safe'] as const)('the %s path', (path) => {
  let engine: typeof Engine;
  let helpers: typeof Helpers;
  let probe: typeof Probe;
  let secureContext: SecureContext;
  const saved = process.env.CREDSSP_TLS_PATH;

  beforeAll(async () => {
    if (path === 'safe') process.env.CREDSSP_TLS_PATH = 'safe';
    else delete process.env.CREDSSP_TLS_PATH;
    // A module registry of its own: the path is decided once per process (per registry here).
    jest.isolateModules(() => {
      engine = require('../../lib/emulated/tls/engine');
      helpers = require('../loopback/credssp-helpers');
      probe = require('../../lib/emulated/tls/node-internals/probe');
    });
    const made = await generateSelfSignedCertificate({ commonName: 'paths.example', keyType: 'ecdsa' });
    secureContext = createSecureContext({ cert: made.certPem, key: made.keyPem });
  });

  afterAll(() => {
    if (saved === undefined) delete process.env.CREDSSP_TLS_PATH;
    else process.env.CREDSSP_TLS_PATH = saved;
  });

  /** A client and a server engine that have finished their handshake. */
  async function establishedPair(maxVersion: 'TLSv1.2' | 'TLSv1.3') {
    const client = engine.TlsEngine.client({ maxVersion });
    const server = engine.TlsEngine.server({ secureContext });
    await client.start();
    let token = client.takeOutput();
    let receiver = server;
    while (token.length > 0) {
      await receiver.feed(token);
      token = receiver.takeOutput();
      receiver = receiver === server ? client : server;
    }
    return { client, server };
  }

  function transportOf(e: Engine.TlsEngine): { path: string; stream: unknown } {
    return (e as unknown as { transport: { path: string; stream: unknown } }).transport;
  }

  it('is the path this Node is meant to take', () => {
    const expected = path === 'safe' || !FAST_PATH_MAJORS.includes(major) ? 'safe' : 'fast';
    expect(probe.tlsPath()).toBe(expected);
  });

  it.each(['TLSv1.2', 'TLSv1.3'] as const)(
    'handshakes and carries data both ways over %s',
    async (version) => {
      const { client, server } = await establishedPair(version);
      expect(client.handshakeComplete && server.handshakeComplete).toBe(true);
      expect(client.protocol).toBe(version);
      const stream = transportOf(client).stream;
      // The safe path is a real Duplex; the fast one the duck-typed RecordPipe.
      expect(stream instanceof Duplex).toBe(transportOf(client).path === 'safe');
      for (const [from, to] of [
        [client, server],
        [server, client],
      ]) {
        await from.write(Buffer.alloc(20000, 7));
        await to.feed(from.takeOutput());
        expect(to.takePlaintext()).toEqual(Buffer.alloc(20000, 7));
      }
      client.dispose();
      server.dispose();
    },
  );

  it('reports a tampered record after the handshake (the server side hears it as _tlsError)', async () => {
    const { client, server } = await establishedPair('TLSv1.3');
    await client.write(Buffer.from('payload'));
    const record = client.takeOutput();
    record[record.length - 1] ^= 1;
    await server.feed(record);
    expect(server.error).toBeDefined();
    expect(server.takePlaintext().length).toBe(0);
    client.dispose();
    server.dispose();
  });

  it('runs a CredSSP exchange with delegation, then EncryptMessage/DecryptMessage', async () => {
    const client = new helpers.CredsspInitiator(helpers.clientCredential());
    const server = new helpers.CredsspAcceptor(helpers.serverCredential({ credssp: { keyType: 'ecdsa' } }));
    await helpers.authenticate(client, server);
    const delegated = server.query('delegatedCredentials') as { user: string; password: Buffer };
    expect(delegated.user).toBe('alice');
    expect(delegated.password.toString('utf8')).toBe('Secret1!');
    const sealed = await client.encrypt(Buffer.from('from client'));
    expect((await server.decrypt(sealed)).toString()).toBe('from client');
    const back = await server.encrypt(Buffer.from('from server'));
    expect((await client.decrypt(back)).toString()).toBe('from server');
    client.dispose();
    server.dispose();
  });
});
