/*
 * A second guest, run with Wine's secur32 and loaddll traces on (WINEDEBUG), for what only the
 * trace or the process memory shows: which thread frees forgotten handles, the ptsExpiry pointer
 * AcceptSecurityContext gets, and whether a copy of a password outlives its credential. Talks to
 * test/wine/native.test.ts over the same line protocol as suite.js.
 */
'use strict';
const net = require('node:net');
const path = require('node:path');

const dist = process.env.CREDSSP_DIST;
const api = require(path.join(dist, 'index.js'));
const { ISC_REQ, ASC_REQ, SEC } = api;
const user = process.env.CREDSSP_WINE_USER;
const domain = process.env.CREDSSP_WINE_DOMAIN;
const password = process.env.CREDSSP_WINE_PASSWORD;

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
const send = (message) => socket.write(JSON.stringify(message) + '\n');
const ask = (message) =>
  new Promise((resolve) => {
    waiting.push(resolve);
    send(message);
  });
async function scenario(name, body) {
  try {
    send({ op: 'result', name, details: { ok: true, ...(await body()) } });
  } catch (err) {
    send({ op: 'result', name, details: { ok: false, error: { code: err.code, message: err.message } } });
  }
}
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Marks the trace, so the Linux side can tell the scenarios' calls apart. */
const mark = (label) => process.stderr.write(`credssp-probe: ${label}\n`);

async function main() {
  // The password arrives masked (XOR 0x5a) and is unmasked in place, in a Buffer: the plain
  // bytes never exist in a string here, so a copy the scan finds is one the package made.
  await scenario('password copies', async () => {
    const masked = await ask({ op: 'password' });
    const secret = Buffer.from(masked.data, 'base64');
    for (let i = 0; i < secret.length; i++) secret[i] ^= 0x5a;
    const credential = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user: 'probe-user', domain: 'PROBE', password: secret },
    });
    secret.fill(0);
    await api.freeCredentialsHandle(credential);
    for (let i = 0; i < 3; i++) {
      global.gc();
      await pause(50);
    }
    return await ask({ op: 'scan' });
  });

  // Forgotten handles: dropped without free/delete, released by the finalizer path.
  await scenario('forgotten handles', async () => {
    const count = 4;
    let collected = 0;
    const watch = new FinalizationRegistry(() => collected++);
    mark('forget start');
    await (async () => {
      for (let i = 0; i < count; i++) {
        const credential = await api.acquireCredentialsHandle({
          package: 'NTLM',
          use: 'outbound',
          identity: { user, domain, password },
        });
        const leg = await api.initializeSecurityContext({ credential, flags: ISC_REQ.CONNECTION });
        watch.register(credential, 'credential');
        watch.register(leg.context, 'context');
      }
    })();
    for (let i = 0; i < 40 && collected < 2 * count; i++) {
      global.gc();
      await pause(50);
    }
    // The releases themselves run after the finalizers; give them time to finish.
    await pause(1000);
    mark('forget end');
    return { forgotten: 2 * count, collected };
  });

  // AcceptSecurityContext on every leg of an NTLM handshake in this process.
  await scenario('accept legs', async () => {
    const client = await api.acquireCredentialsHandle({
      package: 'NTLM',
      use: 'outbound',
      identity: { user, domain, password },
    });
    const server = await api.acquireCredentialsHandle({ package: 'NTLM', use: 'inbound' });
    mark('accept start');
    const first = await api.initializeSecurityContext({ credential: client, flags: ISC_REQ.CONNECTION });
    const challenge = await api.acceptSecurityContext({
      credential: server,
      flags: ASC_REQ.CONNECTION,
      input: first.output,
    });
    const second = await api.initializeSecurityContext({
      credential: client,
      context: first.context,
      flags: ISC_REQ.CONNECTION,
      input: challenge.output,
    });
    const done = await api.acceptSecurityContext({
      credential: server,
      context: challenge.context,
      flags: ASC_REQ.CONNECTION,
      input: second.output,
    });
    mark('accept end');
    const expiries = [challenge.expiry, done.expiry].map((e) => (e === null ? null : e.toISOString()));
    await api.deleteSecurityContext(first.context);
    await api.deleteSecurityContext(challenge.context);
    await api.freeCredentialsHandle(client);
    await api.freeCredentialsHandle(server);
    return {
      statuses: [challenge.statusName, done.statusName],
      complete: done.status === SEC.E_OK,
      expiries,
    };
  });
}

socket.once('connect', () => {
  main().finally(() => {
    send({ op: 'done' });
    socket.end();
  });
});
