/**
 * The Kerberos figures of `npm run bench` (issue 12), against a throwaway MIT realm that
 * mit-reference.sh sets up and leaves running for this run:
 *
 * - `kerberosApOverMit`: our client and acceptor in this process, given the tickets (the service
 *   ticket and session key kinit + kvno left in the ccache, read with files/ccache; the service's
 *   keys from its keytab, read with files/keytab), each iteration an AP-REQ → AP-REP (mutual) and
 *   one wrap/unwrap each way, all aes256-cts-hmac-sha1-96; divided by MIT's own C doing the same
 *   (mit-ap-exchange.c) in the same realm, rounds of each taking turns. It divides by MIT without
 *   a replay cache (KRB5RCACHETYPE=none): ours is in memory, while MIT's default file cache
 *   reads and writes a file per AP-REQ, a file system's cost. The figure over MIT's file cache
 *   (`kerberosApOverMitFileRcache`) is printed beside it.
 * - `negotiateKerberosHandshakeMs`: a whole Negotiate handshake through the public API from a
 *   password: the AS exchange (string-to-key included) and the TGS exchange with the realm's KDC,
 *   then SPNEGO over the AP exchange with the acceptor's keytab.
 *
 * Without MIT's tools every figure is null and `kerberosUnavailable` says why.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const SCRIPT = path.join(__dirname, 'mit-reference.sh');

/** The figures this module adds, null until measured. */
const FIGURES = [
  'kerberosApUs',
  'mitApUs',
  'mitApFileRcacheUs',
  'kerberosApOverMit',
  'kerberosApOverMitFileRcache',
  'negotiateKerberosHandshakeMs',
  'negotiateKerberosTicketsCachedMs',
  'negotiateKerberosHandshakesPerSec',
];

/** Run mit-reference.sh; its stdout, or an Error whose message is its stderr. */
function mitReference(...args) {
  const run = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });
  if (run.status !== 0) {
    const reason = (run.stderr || run.error?.message || `exit ${run.status}`).trim();
    const err = new Error(reason);
    err.unavailable = run.status === 3;
    throw err;
  }
  return run.stdout;
}

/**
 * The Kerberos figures: `{ figures }`, or every figure null and `unavailable` (why)
 * when MIT's tools are missing. `sspi` is the public API (dist); `measure` holds bench.js's
 * helpers: median, warmUp, interleavedMs, ratePerSec.
 */
async function kerberosFigures({ sspi, dist, quick, measure }) {
  const figures = Object.fromEntries(FIGURES.map((name) => [name, null]));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'credssp-bench-krb-'));
  let realm;
  try {
    realm = JSON.parse(mitReference('up', dir));
  } catch (err) {
    spawnSync('bash', [SCRIPT, 'down', dir]);
    if (err.unavailable) return { figures, unavailable: err.message };
    throw err;
  }
  const lib = load(dist);
  const keytab = lib.parseKeytab(readFileSync(path.join(dir, 'http.keytab')));
  try {
    Object.assign(figures, await apFigures(lib, realm, keytab, { quick, measure }));
    Object.assign(figures, await negotiateFigures(sspi, realm, { quick, measure }));
  } finally {
    lib.wipeKeytab(keytab);
    mitReference('down', dir);
  }
  return { figures };
}

/** The modules used, from the build. */
function load(dist) {
  const krb = path.join(dist, 'emulated', 'mechanisms', 'kerberos');
  return {
    ...require(path.join(krb, 'files', 'ccache')),
    ...require(path.join(krb, 'files', 'keytab')),
    ...require(path.join(krb, 'messages', 'ticket')),
    ...require(path.join(krb, 'messages', 'constants')),
    ...require(path.join(krb, 'initiator')),
    ...require(path.join(krb, 'acceptor')),
    ...require(path.join(krb, 'replay-cache')),
    ...require(path.join(dist, 'secret')),
  };
}

/** The flags mit-ap-exchange.c asks for: GSS_C_MUTUAL_FLAG | SEQUENCE | CONF | INTEG. */
const GSS_FLAGS = (lib) => lib.GssFlag.MUTUAL | lib.GssFlag.SEQUENCE | lib.GssFlag.CONF | lib.GssFlag.INTEG;
/** The message mit-ap-exchange.c wraps each way (31 bytes). */
const MESSAGE = Buffer.from('a message of some thirty-two b.');

/** The acceptor's service keys: the keytab's newest key of the ticket's etype. */
function serviceKeys(lib, keytab) {
  return (sname, realm, kvno, etype) => lib.keysFor(keytab, sname, realm, kvno, etype)[0]?.key;
}

/** One AP exchange and a wrap/unwrap each way, as mit-ap-exchange.c's exchange() does. */
function apExchange(lib, makeInitiator, makeAcceptor) {
  const client = makeInitiator();
  const server = makeAcceptor();
  try {
    const apRep = server.step(client.step(null).output);
    client.step(apRep.output);
    if (!client.complete || !server.complete) throw new Error('the AP exchange did not complete');
    for (const [from, to] of [
      [client, server],
      [server, client],
    ]) {
      const opened = to.unwrap(from.wrap(MESSAGE));
      if (!opened.equals(MESSAGE)) throw new Error('a message did not round-trip');
      lib.wipe(opened);
    }
  } finally {
    client.dispose();
    server.dispose();
  }
}

/** µs per AP exchange, ours and MIT's (no replay cache, file replay cache), rounds taking turns. */
async function apFigures(lib, realm, keytab, { quick, measure }) {
  const cache = lib.parseCcache(readFileSync(path.join(realm.dir, 'ccache')));
  const [service, host] = realm.service.split('/');
  const credential = lib.findCredential(cache, {
    realm: realm.realm,
    name: { nameType: lib.NameType.SRV_INST, nameString: [service, host] },
  });
  if (!credential) throw new Error(`kvno left no ticket for ${realm.service} in the ccache`);
  const ticket = lib.parseTicket(credential.ticket);
  const flags = GSS_FLAGS(lib);
  const keys = serviceKeys(lib, keytab);
  // One replay cache for the service, as every acceptor of it shares one (MIT: one file).
  const replayCache = new lib.ReplayCache();
  const once = () =>
    apExchange(
      lib,
      () =>
        new lib.KerberosInitiator({
          ticket,
          sessionKey: credential.key,
          cname: credential.client.name,
          crealm: credential.client.realm,
          flags,
        }),
      () => new lib.KerberosAcceptor({ keys, replayCache }),
    );
  const rounds = quick ? 1 : 7;
  const perRound = quick ? 50 : 1000;
  try {
    await measure.warmUp(async () => once());
    const ours = [];
    const mitNone = [];
    const mitFile = [];
    for (let r = 0; r < rounds; r++) {
      mitNone.push(JSON.parse(mitReference('measure', realm.dir, String(perRound), 'none')).usPerExchange);
      const started = performance.now();
      for (let i = 0; i < perRound; i++) once();
      ours.push(((performance.now() - started) * 1000) / perRound);
      mitFile.push(JSON.parse(mitReference('measure', realm.dir, String(perRound), 'file')).usPerExchange);
    }
    const { median } = measure;
    return {
      kerberosApUs: median(ours),
      mitApUs: median(mitNone),
      mitApFileRcacheUs: median(mitFile),
      // Each round's ratio against the MIT run just before (or after) it; the median of those.
      kerberosApOverMit: median(ours.map((us, i) => us / mitNone[i])),
      kerberosApOverMitFileRcache: median(ours.map((us, i) => us / mitFile[i])),
    };
  } finally {
    lib.wipeCcache(cache);
  }
}

/**
 * A whole Negotiate handshake through the public API from alice's password: a fresh client
 * credential each time, so its first initializeSecurityContext runs the AS exchange (string-to-key
 * included) and the TGS exchange with the realm's KDC, then SPNEGO over the AP exchange with an
 * acceptor credential over the service's keytab. The same on one credential kept (its tickets
 * cached: the AP exchange and SPNEGO alone) is printed beside it.
 */
async function negotiateFigures(sspi, realm, { quick, measure }) {
  const password = readFileSync(path.join(realm.dir, 'alice.password'));
  const clientOptions = {
    package: 'Negotiate',
    use: 'outbound',
    identity: { user: 'alice', domain: realm.realm, password },
    emulated: { kerberos: { kdc: realm.kdc } },
  };
  const serverCred = await sspi.acquireCredentialsHandle({
    package: 'Negotiate',
    use: 'inbound',
    emulated: { kerberos: { keytab: path.join(realm.dir, 'http.keytab') } },
  });
  const keptCred = await sspi.acquireCredentialsHandle(clientOptions);
  const fresh = async () => {
    const clientCred = await sspi.acquireCredentialsHandle(clientOptions);
    const made = await negotiate(sspi, clientCred, serverCred, realm.service);
    return {
      async destroy() {
        await made.destroy();
        await sspi.freeCredentialsHandle(clientCred);
      },
    };
  };
  const kept = () => negotiate(sspi, keptCred, serverCred, realm.service);
  try {
    const probe = await kept();
    const { packageInfo } = await sspi.queryContextAttributes(probe.server, 'negotiationInfo');
    await probe.destroy();
    if (packageInfo.name !== 'Kerberos') throw new Error(`Negotiate ran ${packageInfo.name}, not Kerberos`);
    const n = quick ? 5 : 200;
    const timed = await measure.interleavedMs(n, [{ run: fresh }, { run: kept }]);
    return {
      negotiateKerberosHandshakeMs: timed.medians[0],
      negotiateKerberosTicketsCachedMs: timed.medians[1],
      negotiateKerberosHandshakesPerSec: await measure.ratePerSec(n, 1, fresh),
    };
  } finally {
    await sspi.freeCredentialsHandle(keptCred);
    await sspi.freeCredentialsHandle(serverCred);
    password.fill(0);
  }
}

/** initializeSecurityContext / acceptSecurityContext until both are done; checks Kerberos ran. */
async function negotiate(sspi, clientCred, serverCred, targetName) {
  const flags = sspi.ISC_REQ.MUTUAL_AUTH | sspi.ISC_REQ.CONFIDENTIALITY | sspi.ISC_REQ.INTEGRITY;
  let client = await sspi.initializeSecurityContext({ credential: clientCred, targetName, flags });
  let server;
  for (let leg = 0; client.output.length > 0 && leg < 4; leg++) {
    server = await sspi.acceptSecurityContext({
      credential: serverCred,
      context: server?.context,
      flags: 0,
      input: client.output,
    });
    if (server.output.length === 0) break;
    client = await sspi.initializeSecurityContext({
      credential: clientCred,
      context: client.context,
      targetName,
      flags,
      input: server.output,
    });
  }
  if (client.status !== sspi.SEC.E_OK || server?.status !== sspi.SEC.E_OK)
    throw new Error(
      `the Negotiate handshake ended with client ${client.statusName}, server ${server?.statusName}`,
    );
  return {
    server: server.context,
    async destroy() {
      await sspi.deleteSecurityContext(client.context);
      await sspi.deleteSecurityContext(server.context);
    },
  };
}

module.exports = { kerberosFigures, KERBEROS_FIGURES: FIGURES };
