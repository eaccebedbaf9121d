/**
 * Child process of handshakes.test.ts, run with --expose-gc against dist/: N sequential CredSSP
 * handshakes (client and acceptor in this process), each context deleted and each client
 * credential freed after use. Samples heapUsed after a full GC, the open file descriptors and
 * Node's active resources along the way, and prints one JSON line:
 *   { handshakes, ms, heapSlopeBytesPerHandshake, heapSlopeSecondHalf, heapSamples, fdStart, fdEnd,
 *     activeResourcesStart, activeResourcesEnd, liveHandles, failures }
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const sspi = require(path.join(__dirname, '..', '..', 'dist'));

const count = Number(process.argv[2] ?? 2000);
const samples = Math.min(40, count);
const TARGET = 'TERMSRV/server.soak';
const FLAGS = sspi.ISC_REQ.DELEGATE | sspi.ISC_REQ.ALLOCATE_MEMORY;

const fdCount = () => fs.readdirSync('/proc/self/fd').length;
const activeResources = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;

async function heapAfterGc() {
  for (let i = 0; i < 3; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

async function handshake(serverCred, handles) {
  const clientCred = await sspi.acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'outbound',
    identity: { user: 'alice', domain: 'LAB', password: 'Passw0rd!' },
  });
  handles.push(new WeakRef(clientCred));
  let client;
  let server;
  try {
    client = await sspi.initializeSecurityContext({
      credential: clientCred,
      targetName: TARGET,
      flags: FLAGS,
    });
    handles.push(new WeakRef(client.context));
    for (;;) {
      server = await sspi.acceptSecurityContext({
        credential: serverCred,
        context: server?.context,
        flags: 0,
        input: client.output,
      });
      if (!handles.some((h) => h.deref() === server.context)) handles.push(new WeakRef(server.context));
      if (client.status === sspi.SEC.E_OK) break;
      client = await sspi.initializeSecurityContext({
        credential: clientCred,
        context: client.context,
        targetName: TARGET,
        flags: FLAGS,
        input: server.output,
      });
      if (client.status === sspi.SEC.E_OK && client.output.length === 0) break;
    }
    // Use the context once: one sealed message each way.
    const sealed = await sspi.encryptMessage(client.context, Buffer.from('ping'));
    if ((await sspi.decryptMessage(server.context, sealed)).toString() !== 'ping')
      throw new Error('no round trip');
    return server.status === sspi.SEC.E_OK;
  } finally {
    if (client?.context.isValid) await sspi.deleteSecurityContext(client.context);
    if (server?.context.isValid) await sspi.deleteSecurityContext(server.context);
    await sspi.freeCredentialsHandle(clientCred);
  }
}

async function main() {
  const serverCred = await sspi.acquireCredentialsHandle({
    package: 'CredSSP',
    use: 'inbound',
    emulated: { users: { alice: 'Passw0rd!' } },
  });
  // Recent handles only: a WeakRef list over 100,000 handshakes would itself grow the heap.
  let handles = [];
  let liveHandles = 0;
  let failures = 0;
  // Warm up (JIT, TLS session caches, lazily built tables) before the first sample.
  for (let i = 0; i < Math.min(300, count); i++) if (!(await handshake(serverCred, handles))) failures++;
  handles = [];
  const fdStart = fdCount();
  const activeResourcesStart = activeResources();
  const heapSamples = [];
  const started = Date.now();
  const every = Math.max(1, Math.floor(count / samples));
  for (let i = 1; i <= count; i++) {
    if (!(await handshake(serverCred, handles))) failures++;
    if (i % every === 0) {
      liveHandles += handles.filter((h) => h.deref()?.isValid).length;
      handles = [];
      heapSamples.push([i, await heapAfterGc()]);
    }
  }
  liveHandles += handles.filter((h) => h.deref()?.isValid).length;
  const ms = Date.now() - started;
  await sspi.freeCredentialsHandle(serverCred);
  liveHandles += serverCred.isValid ? 1 : 0;
  await heapAfterGc();
  // Let sockets and timers of the last contexts close before counting.
  await new Promise((resolve) => setTimeout(resolve, 100));
  process.stdout.write(
    `${JSON.stringify({
      handshakes: count,
      ms,
      heapSlopeBytesPerHandshake: slope(heapSamples),
      // The first half still carries warm-up growth (compiled code, inline caches, pools).
      heapSlopeSecondHalf: slope(heapSamples.slice(Math.floor(heapSamples.length / 2))),
      heapSamples,
      fdStart,
      fdEnd: fdCount(),
      activeResourcesStart,
      activeResourcesEnd: activeResources(),
      liveHandles,
      failures,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
