/*
 * Runs under Wine with the official Windows node.exe: the native backend of this package's
 * compiled dist/, driven through the public API, against Wine's Secur32. It reports every
 * scenario to the Linux test (test/wine/native.test.ts) over a TCP connection, one JSON line per
 * message, and asks that side to play the emulated peer in the cross-implementation scenarios.
 * Plain CommonJS: node.exe runs it as it is.
 *
 * Environment: CREDSSP_WINE_PORT (the Linux side), CREDSSP_DIST (dist/ as a Windows path),
 * CREDSSP_WINE_USER / _DOMAIN / _PASSWORD (the Samba account), CREDSSP_BACKEND=native;
 * KRB5_CONFIG / KRB5CCNAME (an MIT realm and alice's ccache, for Wine's Kerberos) and
 * CREDSSP_WINE_KRB5_TARGET (the service the Linux side holds the keytab of).
 */
'use strict';
const net = require('node:net');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const dist = process.env.CREDSSP_DIST;
const api = require(path.join(dist, 'index.js'));
const { loadNativeBackend } = require(path.join(dist, 'native', 'backend.js'));
const { ISC_REQ, ASC_REQ, SEC } = api;

const user = process.env.CREDSSP_WINE_USER;
const domain = process.env.CREDSSP_WINE_DOMAIN;
const password = process.env.CREDSSP_WINE_PASSWORD;
const ISC_FLAGS =
  ISC_REQ.CONFIDENTIALITY |
  ISC_REQ.INTEGRITY |
  ISC_REQ.SEQUENCE_DETECT |
  ISC_REQ.REPLAY_DETECT |
  ISC_REQ.CONNECTION;
const ASC_FLAGS =
  ASC_REQ.CONFIDENTIALITY |
  ASC_REQ.INTEGRITY |
  ASC_REQ.SEQUENCE_DETECT |
  ASC_REQ.REPLAY_DETECT |
  ASC_REQ.CONNECTION;

// --- the line protocol to the Linux side -------------------------------------------------------
const socket = net.connect(Number(process.env.CREDSSP_WINE_PORT), '127.0.0.1');
let inbox = '';
const waiting = [];
socket.setEncoding('utf8');
socket.on('data', (chunk) => {
  inbox += chunk;
  let newline;
  while ((newline = inbox.indexOf('\n')) >= 0) {
    const line = inbox.slice(0, newline);
    inbox = inbox.slice(newline + 1);
    waiting.shift()(JSON.parse(line));
  }
});
function send(message) {
  socket.write(JSON.stringify(message) + '\n');
}
/** Ask the Linux side something; it answers every request with one line. */
function ask(message) {
  return new Promise((resolve) => {
    waiting.push(resolve);
    send(message);
  });
}
function report(name, details) {
  send({ op: 'result', name, details });
}
function describeError(err) {
  return err && typeof err === 'object'
    ? { name: err.name, code: err.code, status: err.status, message: err.message }
    : { message: String(err) };
}
async function scenario(name, body) {
  const started = Date.now();
  try {
    const details = await body();
    report(name, { ok: true, ...details, ms: Date.now() - started });
  } catch (err) {
    report(name, { ok: false, error: describeError(err), ms: Date.now() - started });
  }
}
const b64 = (buffer) => Buffer.from(buffer).toString('base64');

// --- helpers over the public API ---------------------------------------------------------------

/**
 * The native client `credential` against the emulated acceptor on Linux, which `start` sets up:
 * the legs until one side has nothing more to send, then, once both are complete, a message
 * sealed here for the peer to open and two sealed there for us ("native<label> to emulated",
 * "emulated<label> to native n"); a refused message call is its error, described.
 */
async function againstEmulatedAcceptor(credential, { start, targetName, flags, label }) {
  let context = null;
  let input;
  let last;
  const legs = [];
  let peer = await ask({ op: start });
  for (let i = 0; i < 4; i++) {
    last = await api.initializeSecurityContext({ credential, context, targetName, flags, input });
    context = last.context;
    legs.push(`ISC ${last.statusName}`);
    if (last.output.length === 0) break;
    peer = await ask({ op: 'emulated-accept', token: b64(last.output) });
    legs.push(`ASC ${peer.statusName || peer.error}`);
    if (peer.error || !peer.token) break;
    input = Buffer.from(peer.token, 'base64');
  }
  let sealed = null;
  const unsealed = [];
  if (peer.statusName === 'SEC_E_OK' && last.statusName === 'SEC_E_OK') {
    sealed = await api
      .encryptMessage(context, Buffer.from(`native${label} to emulated`))
      .then(
        async (message) => (await ask({ op: 'emulated-decrypt', data: b64(message) })).text,
        describeError,
      );
    for (const n of [1, 2]) {
      const fromPeer = await ask({ op: 'emulated-encrypt', text: `emulated${label} to native ${n}` });
      unsealed.push(
        await api
          .decryptMessage(context, Buffer.from(fromPeer.data, 'base64'))
          .then((b) => b.toString(), describeError),
      );
    }
  }
  return { context, last, legs, peer, sealed, unsealed };
}
function identity(pw = password) {
  return { user, domain, password: pw };
}

/** A full ISC/ASC exchange in this process; returns both contexts and the statuses seen. */
async function handshake(pkg, clientPassword = password) {
  const client = await api.acquireCredentialsHandle({
    package: pkg,
    use: 'outbound',
    identity: identity(clientPassword),
  });
  const server = await api.acquireCredentialsHandle({ package: pkg, use: 'inbound' });
  const legs = [];
  let clientContext = null;
  let serverContext = null;
  let token;
  try {
    for (let i = 0; i < 5; i++) {
      const isc = await api.initializeSecurityContext({
        credential: client,
        context: clientContext,
        targetName: 'HOST/localhost',
        flags: ISC_FLAGS,
        input: token,
      });
      clientContext = isc.context;
      legs.push(`ISC ${isc.statusName} ${isc.output.length}`);
      if (isc.output.length === 0) break;
      const asc = await api.acceptSecurityContext({
        credential: server,
        context: serverContext,
        flags: ASC_FLAGS,
        input: isc.output,
      });
      serverContext = asc.context;
      legs.push(`ASC ${asc.statusName} ${asc.output.length}`);
      if (asc.status === SEC.E_OK && isc.status === SEC.E_OK) break;
      if (asc.status === SEC.E_OK && asc.output.length === 0) break;
      token = asc.output;
    }
    return { client, server, clientContext, serverContext, legs };
  } catch (err) {
    err.legs = legs;
    await closeAll({ client, server, clientContext, serverContext }).catch(() => {});
    throw err;
  }
}

async function closeAll(h) {
  for (const context of [h.clientContext, h.serverContext])
    if (context && context.isValid) await api.deleteSecurityContext(context);
  await api.freeCredentialsHandle(h.client);
  await api.freeCredentialsHandle(h.server);
}

// --- scenarios ---------------------------------------------------------------------------------
async function main() {
  await scenario('backend', async () => ({ backend: api.backend }));

  await scenario('packages', async () => {
    const packages = await loadNativeBackend().enumerateSecurityPackages();
    return { names: packages.map((p) => p.name) };
  });

  for (const pkg of ['NTLM', 'Negotiate']) {
    await scenario(`handshake ${pkg}`, async () => {
      const h = await handshake(pkg);
      const names = await api.queryContextAttributes(h.clientContext, 'sizes');
      const sealed = await api.encryptMessage(h.clientContext, Buffer.from('sealed by the native client'));
      let unsealed;
      try {
        unsealed = (await api.decryptMessage(h.serverContext, sealed)).toString();
      } catch (err) {
        unsealed = describeError(err);
      }
      // Impersonation of the client of Wine's acceptor: the callback runs and the thread is
      // reverted, or Wine says it cannot; never a crash.
      const impersonated = await api
        .impersonateSecurityContext(h.serverContext, () => 'ran')
        .then(
          (value) => value,
          (err) => err.code,
        );
      await closeAll(h);
      return { legs: h.legs, sizes: names, sealedLength: sealed.length, unsealed, impersonated };
    });
  }

  // QuerySecurityContextToken on Wine's NTLM acceptor: the token's reading if Wine gives one,
  // or its status; then the misuse answers of the addon's token calls, which need no token.
  await scenario('access token', async () => {
    const outcome = (promise) =>
      promise.then(
        (value) => ({ value }),
        (err) => ({ error: err.code, message: err.message, name: err.name }),
      );
    const h = await handshake('NTLM');
    const query = await outcome(api.querySecurityContextToken(h.serverContext));
    let token;
    if (query.value) {
      const t = query.value;
      token = {
        user: t.user,
        groups: t.groups.length,
        tokenType: t.tokenType,
        impersonationLevel: t.impersonationLevel,
        everyone: await outcome(t.isMember('S-1-1-0')),
        badSid: await outcome(t.isMember('not a sid')),
        close: await outcome(t.close()),
        secondClose: await outcome(t.close()),
        afterClose: await outcome(t.isMember('S-1-1-0')),
      };
    }
    // The status Wine itself returns, before normalizeStatus (which maps stray NTSTATUS values).
    const { Handle } = require(path.join(dist, 'handles.js'));
    const addon = require(path.join(dist, '..', 'node_modules', 'node-gyp-build'))(path.join(dist, '..'));
    const raw = await addon.querySecurityContextToken(Handle.stateOf(h.serverContext, 'context').raw);
    if (raw.token) await addon.closeToken(raw.token);
    const initiator = await outcome(api.querySecurityContextToken(h.clientContext));
    await closeAll(h);
    const deleted = await outcome(api.querySecurityContextToken(h.serverContext));
    const native = loadNativeBackend();
    const misuse = {
      'close a plain object': await outcome(native.closeToken({})),
      'isMember on a plain object': await outcome(native.tokenIsMember({}, 'S-1-1-0')),
      'query a plain object': await outcome(native.querySecurityContextToken({})),
    };
    let typeError;
    try {
      await native.tokenIsMember({}, 42);
    } catch (err) {
      typeError = err.name;
    }
    return {
      query: query.value ? 'token' : query,
      rawStatus: (raw.status >>> 0).toString(16),
      token,
      initiator,
      deleted,
      misuse,
      typeError,
    };
  });

  await scenario('wrong password', async () => {
    const h = await handshake('NTLM', 'not-the-password');
    await closeAll(h);
    return { legs: h.legs, unexpected: 'the handshake succeeded' };
  });

  await scenario('CredSSP package', async () => {
    const credential = await api.acquireCredentialsHandle({
      package: 'CredSSP',
      use: 'outbound',
      identity: identity(),
    });
    await api.freeCredentialsHandle(credential);
    return { unexpected: 'Wine offered a CredSSP package' };
  });

  await scenario('handle misuse', async () => {
    const outcomes = {};
    const attempt = async (label, op) => {
      try {
        await op();
        outcomes[label] = 'resolved';
      } catch (err) {
        outcomes[label] = err.code || String(err);
      }
    };
    const credential = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: identity(),
    });
    const first = await api.initializeSecurityContext({
      credential,
      targetName: 'HOST/localhost',
      flags: ISC_FLAGS,
    });
    await api.deleteSecurityContext(first.context);
    await attempt('second delete', () => api.deleteSecurityContext(first.context));
    await attempt('leg after delete', () =>
      api.initializeSecurityContext({
        credential,
        context: first.context,
        flags: ISC_FLAGS,
        input: Buffer.alloc(8),
      }),
    );
    await api.freeCredentialsHandle(credential);
    await attempt('second free', () => api.freeCredentialsHandle(credential));
    await attempt('use after free', () => api.initializeSecurityContext({ credential, flags: ISC_FLAGS }));
    // The same misuse below api.ts, straight at the addon: it must answer SEC_E_INVALID_HANDLE
    // itself (type-tagged handles), never crash on a foreign or freed handle.
    const native = loadNativeBackend();
    const raw = await native.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: identity(),
    });
    const leg = await native.initializeSecurityContext(raw.credential, null, {
      flags: ISC_FLAGS,
      targetDataRep: 0x10,
      input: [],
    });
    const swapped = await native.initializeSecurityContext(leg.context, null, {
      flags: ISC_FLAGS,
      targetDataRep: 0x10,
      input: [],
    });
    outcomes['native: context as credential'] = swapped.status;
    const bogus = await native.initializeSecurityContext({}, null, {
      flags: ISC_FLAGS,
      targetDataRep: 0x10,
      input: [],
    });
    outcomes['native: plain object as credential'] = bogus.status;
    await native.freeCredentialsHandle(raw.credential);
    await attempt('native: free twice', () => native.freeCredentialsHandle(raw.credential));
    const afterFree = await native.initializeSecurityContext(raw.credential, null, {
      flags: ISC_FLAGS,
      targetDataRep: 0x10,
      input: [],
    });
    outcomes['native: leg on freed credential'] = afterFree.status;
    await native.deleteSecurityContext(leg.context);
    await attempt('native: delete twice', () => native.deleteSecurityContext(leg.context));
    return { outcomes };
  });

  await scenario('delete while a leg is in flight', async () => {
    const native = loadNativeBackend();
    const client = await native.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: identity(),
    });
    const server = await native.acquireCredentialsHandle({ package: 'NTLM', use: 'inbound' });
    const first = await native.initializeSecurityContext(client.credential, null, {
      flags: ISC_FLAGS,
      targetDataRep: 0x10,
      input: [],
    });
    const token = first.buffers[0].buffer;
    const accept = await native.acceptSecurityContext(server.credential, null, {
      flags: ASC_FLAGS,
      targetDataRep: 0x10,
      input: [
        { type: 2, buffer: token },
        { type: 0, buffer: Buffer.alloc(0) },
      ],
    });
    // The second ISC leg talks to ntlm_auth (slow); delete and free are issued while it runs.
    const challenge = accept.buffers[0].buffer;
    const inFlight = native.initializeSecurityContext(client.credential, first.context, {
      flags: ISC_FLAGS,
      targetDataRep: 0x10,
      input: [
        { type: 2, buffer: challenge },
        { type: 0, buffer: Buffer.alloc(0) },
      ],
    });
    // Let the leg reach ntlm_auth first (it holds the context's lock for the whole chat).
    await new Promise((resolve) => setTimeout(resolve, 20));
    const deleting = native.deleteSecurityContext(first.context).then(
      () => 'deleted',
      (err) => err.code,
    );
    const freeing = native.freeCredentialsHandle(client.credential).then(
      () => 'freed',
      (err) => err.code,
    );
    const leg = await inFlight;
    const after = await native.initializeSecurityContext(client.credential, first.context, {
      flags: ISC_FLAGS,
      targetDataRep: 0x10,
      input: [
        { type: 2, buffer: challenge },
        { type: 0, buffer: Buffer.alloc(0) },
      ],
    });
    await native.deleteSecurityContext(accept.context);
    await native.freeCredentialsHandle(server.credential);
    return { inFlight: leg.status, deleted: await deleting, freed: await freeing, after: after.status };
  });

  await scenario('1000 sequential contexts', async () => {
    const credential = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: identity(),
    });
    const round = async (count) => {
      for (let i = 0; i < count; i++) {
        const leg = await api.initializeSecurityContext({
          credential,
          targetName: 'HOST/localhost',
          flags: ISC_FLAGS,
        });
        await api.deleteSecurityContext(leg.context);
      }
    };
    await round(20); // warm-up: allocator pools, JIT
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    const helpersBefore = (await ask({ op: 'helpers' })).count;
    await round(Number(process.env.CREDSSP_WINE_CONTEXTS || 1000));
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;
    const helpersAfter = (await ask({ op: 'helpers' })).count;
    await api.freeCredentialsHandle(credential);
    return { rssGrowth: rssAfter - rssBefore, helpersBefore, helpersAfter };
  });

  await scenario('worker threads', async () => {
    const source = `
      const { parentPort, workerData } = require('node:worker_threads');
      const api = require(workerData.index);
      (async () => {
        const credential = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'outbound', identity: workerData.identity });
        const leg = await api.initializeSecurityContext({ credential, flags: workerData.flags });
        await api.deleteSecurityContext(leg.context);
        await api.freeCredentialsHandle(credential);
        parentPort.postMessage({ backend: api.backend, status: leg.statusName, token: leg.output.length });
      })().catch((err) => parentPort.postMessage({ error: String(err) }));`;
    const run = () =>
      new Promise((resolve, reject) => {
        const worker = new Worker(source, {
          eval: true,
          workerData: { index: path.join(dist, 'index.js'), identity: identity(), flags: ISC_FLAGS },
        });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const results = await Promise.all([run(), run()]);
    // A worker torn down with a call in flight must not take the process with it.
    const doomed = new Worker(source, {
      eval: true,
      workerData: { index: path.join(dist, 'index.js'), identity: identity(), flags: ISC_FLAGS },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await doomed.terminate();
    return { results, mainStillWorks: (await run()).status };
  });

  // Cross-implementation: the native client here against the emulated acceptor on Linux.
  await scenario('native client -> emulated acceptor', async () => {
    const credential = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: identity(),
    });
    const run = await againstEmulatedAcceptor(credential, {
      start: 'emulated-acceptor-start',
      targetName: 'HOST/linux',
      flags: ISC_FLAGS,
      label: '',
    });
    await api.deleteSecurityContext(run.context);
    await api.freeCredentialsHandle(credential);
    return { legs: run.legs, peer: run.peer, sealed: run.sealed, unsealed: run.unsealed };
  });

  // Wine's Kerberos (MIT krb5 underneath, single sign-on from the ccache kinit wrote, which
  // KRB5CCNAME names) against the emulated Kerberos acceptor on Linux with the service's keytab.
  await scenario('native Kerberos client -> emulated acceptor', async () => {
    const credential = await api.acquireCredentialsHandle({ package: 'Kerberos', use: 'outbound' });
    const run = await againstEmulatedAcceptor(credential, {
      start: 'emulated-kerberos-acceptor-start',
      targetName: process.env.CREDSSP_WINE_KRB5_TARGET,
      flags: ISC_FLAGS | ISC_REQ.MUTUAL_AUTH,
      label: ' Kerberos',
    });
    const mutual = (run.last.attributes & ISC_REQ.MUTUAL_AUTH) !== 0;
    const names = await ask({ op: 'emulated-names' });
    await api.deleteSecurityContext(run.context);
    await api.freeCredentialsHandle(credential);
    return { legs: run.legs, peer: run.peer, mutual, sealed: run.sealed, unsealed: run.unsealed, names };
  });

  // And the reverse: the emulated client on Linux against the native acceptor here.
  await scenario('emulated client -> native acceptor', async () => {
    const credential = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'inbound' });
    let context = null;
    const legs = [];
    let answer = await ask({ op: 'emulated-initiate', user, domain, password });
    let last;
    for (let i = 0; i < 4 && !answer.error; i++) {
      legs.push(`ISC ${answer.statusName}`);
      if (!answer.token) break;
      last = await api.acceptSecurityContext({
        credential,
        context,
        flags: ASC_FLAGS,
        input: Buffer.from(answer.token, 'base64'),
      });
      context = last.context;
      legs.push(`ASC ${last.statusName}`);
      if (last.status === SEC.E_OK) break;
      answer = await ask({ op: 'emulated-initiate', token: b64(last.output) });
    }
    let sealed = null;
    let unsealed = null;
    if (last && last.status === SEC.E_OK) {
      // Both directions of message protection across the two implementations.
      const message = await api.encryptMessage(context, Buffer.from('native acceptor to emulated'));
      const peerView = await ask({ op: 'emulated-initiator-decrypt', data: b64(message) });
      sealed = peerView.text ?? peerView;
      const fromPeer = await ask({ op: 'emulated-initiator-encrypt', text: 'emulated initiator to native' });
      unsealed = await api
        .decryptMessage(context, Buffer.from(fromPeer.data, 'base64'))
        .then((b) => b.toString(), describeError);
    }
    if (context) await api.deleteSecurityContext(context);
    await api.freeCredentialsHandle(credential);
    return { legs, peerError: answer.error, sealed, unsealed };
  });
}

socket.once('connect', () => {
  main()
    .catch((err) => report('suite', { ok: false, error: describeError(err) }))
    .finally(() => {
      send({ op: 'done' });
      socket.end();
    });
});
