#!/usr/bin/env node
// Runs a local MongoDB-compatible server (FerretDB v1.24.2 on SQLite, built
// from tools/ferretdb) for tests, because MongoDB itself can't be installed
// here. Set MONGODB_URL to test against any other server instead.
//
//   node scripts/mongo-server.mjs build              build the binary only
//   node scripts/mongo-server.mjs start [--port N]   run until Ctrl-C
//
// Only node: builtins, so it works before `pnpm install`.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FERRETDB_VERSION = 'v1.24.2';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOL_DIR = path.join(ROOT, 'tools', 'ferretdb');
export const BINARY = path.join(TOOL_DIR, 'bin', `ferretdb-${FERRETDB_VERSION}`);
const SOURCES = ['main.go', 'go.mod', 'go.sum'].map((f) => path.join(TOOL_DIR, f));

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const KILL_GRACE_MS = 5_000;
const HINT =
  'To run the tests against another MongoDB-compatible server, set MONGODB_URL ' +
  '(e.g. MONGODB_URL=mongodb://127.0.0.1:27017).';

const defaultLog = (msg) => process.stderr.write(`[mongo-server] ${msg}\n`);

/**
 * Builds the FerretDB binary if it is missing or older than its sources.
 * The first build downloads modules and compiles for a few minutes; later
 * builds are served from Go's build cache.
 */
export async function buildFerretDB({ log = defaultLog, force = false } = {}) {
  if (!force && isUpToDate()) return BINARY;

  const go = findGo();
  if (!go) {
    throw new Error(
      `Cannot build FerretDB: no Go toolchain found (tried "go" on PATH and /usr/local/go/bin/go). ${HINT}`,
    );
  }

  log(`building FerretDB ${FERRETDB_VERSION} with ${go} (the first build can take several minutes)...`);
  const started = Date.now();
  fs.mkdirSync(path.dirname(BINARY), { recursive: true });
  // Build to a private name and rename, so concurrent or interrupted builds never expose a partial binary.
  const tmp = `${BINARY}.tmp-${process.pid}`;
  const { code, output } = await run(go, ['build', '-o', tmp, '.'], { cwd: TOOL_DIR });
  if (code !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(
      `Cannot build FerretDB: "go build" in ${TOOL_DIR} exited with ${code}:\n${output.trim()}\n${HINT}`,
    );
  }
  fs.renameSync(tmp, BINARY);
  log(`built ${path.relative(ROOT, BINARY)} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return BINARY;
}

/**
 * Starts FerretDB on 127.0.0.1:<port> with a fresh, empty state directory and
 * resolves once it answers a ping. `port: 0` picks a free port.
 * Returns { url, stop, exited }: stop() is idempotent; exited (absent when an
 * existing server is used) resolves with { code, signal } when FerretDB exits.
 */
export async function startMongoServer({ port = 27017, log = defaultLog, logLevel = 'error' } = {}) {
  if (process.env.MONGODB_URL) {
    return { url: process.env.MONGODB_URL, stop: async () => {} };
  }

  if (port === 0) port = await freePort();
  const url = `mongodb://${HOST}:${port}`;

  const existing = await probe(port);
  if (existing === 'mongodb') {
    log(`reusing the MongoDB-compatible server already listening on ${HOST}:${port}`);
    return { url, stop: async () => {} };
  }
  if (existing === 'other') {
    throw new Error(
      `Port ${port} on ${HOST} is in use by something that does not answer the MongoDB protocol. ` +
        `Free it or choose another port. ${HINT}`,
    );
  }

  await buildFerretDB({ log });

  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auditkit-ferretdb-'));
  const child = spawn(
    BINARY,
    ['-listen-addr', `${HOST}:${port}`, '-state-dir', stateDir, '-log-level', logLevel],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );

  const tail = [];
  const onOutput = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      log(`ferretdb: ${line}`);
    }
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);

  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.on('error', (err) => {
      exitInfo = { error: err };
      resolve(exitInfo);
    });
    child.on('exit', (code, signal) => {
      exitInfo ??= { code, signal };
      resolve(exitInfo);
    });
  });

  // Don't leave a server (and its files) behind if the caller dies without calling stop().
  const onProcessExit = () => {
    child.kill('SIGKILL');
    fs.rmSync(stateDir, { recursive: true, force: true });
  };
  process.on('exit', onProcessExit);

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      process.off('exit', onProcessExit);
      if (!exitInfo) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(stateDir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitInfo) {
      await stop();
      const how = exitInfo.error
        ? exitInfo.error.message
        : `exit code ${exitInfo.code}, signal ${exitInfo.signal}`;
      throw new Error(`FerretDB exited before it was ready (${how}):\n${tail.join('\n')}\n${HINT}`);
    }
    if (await ping(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `FerretDB did not answer a ping on ${HOST}:${port} within ${READY_TIMEOUT_MS / 1000}s:\n${tail.join('\n')}`,
      );
    }
    await Promise.race([sleep(25), exited]);
  }

  return { url, stop, exited };
}

function isUpToDate() {
  try {
    const built = fs.statSync(BINARY).mtimeMs;
    return SOURCES.every((f) => fs.statSync(f).mtimeMs <= built);
  } catch {
    return false;
  }
}

function findGo() {
  for (const candidate of ['go', '/usr/local/go/bin/go']) {
    const r = spawnSync(candidate, ['version'], { stdio: 'ignore' });
    if (!r.error && r.status === 0) return candidate;
  }
  return null;
}

function run(cmd, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => resolve({ code: err.message, output }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** 'free' if nothing listens on the port, 'mongodb' if it answers a ping, 'other' otherwise. */
async function probe(port) {
  const listening = await new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
  if (!listening) return 'free';
  return (await ping(port)) ? 'mongodb' : 'other';
}

/** Sends OP_MSG { ping: 1, $db: 'admin' } and resolves true iff the reply has ok: 1. */
function ping(port, timeoutMs = 2_000) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: HOST, port });
    let buf = Buffer.alloc(0);
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('error', () => done(false));
    sock.once('close', () => done(false));
    sock.once('connect', () => sock.write(opMsg(bsonPing())));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = buf.readInt32LE(0);
      if (len < 21 || len > 16 * 1024 * 1024) return done(false);
      if (buf.length < len) return;
      // header(16) + flagBits(4) + section kind 0 (1) + BSON body
      const opCode = buf.readInt32LE(12);
      done(opCode === 2013 && buf[20] === 0 && bsonOk(buf.subarray(21, len)));
    });
  });
}

function opMsg(body) {
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0); // messageLength
  header.writeInt32LE(1, 4); // requestID
  header.writeInt32LE(0, 8); // responseTo
  header.writeInt32LE(2013, 12); // OP_MSG
  header.writeUInt32LE(0, 16); // flagBits
  header[20] = 0; // section kind 0: body
  return Buffer.concat([header, body]);
}

function bsonPing() {
  const el = (type, name, value) => Buffer.concat([Buffer.from([type]), Buffer.from(`${name}\0`), value]);
  const int32 = (n) => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return b;
  };
  const str = (s) => Buffer.concat([int32(Buffer.byteLength(s) + 1), Buffer.from(`${s}\0`)]);
  const elements = Buffer.concat([el(0x10, 'ping', int32(1)), el(0x02, '$db', str('admin'))]);
  return Buffer.concat([int32(4 + elements.length + 1), elements, Buffer.from([0])]);
}

/** Walks a top-level BSON document looking for a numeric `ok` equal to 1. */
function bsonOk(doc) {
  const fixed = { 1: 8, 7: 12, 8: 1, 9: 8, 10: 0, 16: 4, 17: 8, 18: 8, 19: 16 };
  let i = 4;
  while (i < doc.length - 1) {
    const type = doc[i++];
    const nameEnd = doc.indexOf(0, i);
    if (nameEnd < 0) return false;
    const name = doc.toString('utf8', i, nameEnd);
    i = nameEnd + 1;
    if (name === 'ok') {
      if (type === 0x01) return doc.readDoubleLE(i) === 1;
      if (type === 0x10) return doc.readInt32LE(i) === 1;
      if (type === 0x12) return doc.readBigInt64LE(i) === 1n;
      return false;
    }
    if (type in fixed) i += fixed[type];
    else if (type === 0x02) i += 4 + doc.readInt32LE(i);
    else if (type === 0x03 || type === 0x04) i += doc.readInt32LE(i);
    else if (type === 0x05) i += 5 + doc.readInt32LE(i);
    else return false;
  }
  return false;
}

async function main(argv) {
  const [command, ...rest] = argv;
  const portArg = rest.indexOf('--port');
  const port = portArg >= 0 ? Number(rest[portArg + 1]) : 27017;

  if (command === 'build') {
    await buildFerretDB({ force: rest.includes('--force') });
    console.log(BINARY);
    return;
  }
  if (command === 'start') {
    const server = await startMongoServer({ port, logLevel: 'info' });
    console.log(server.url);
    let shuttingDown = false;
    const shutdown = async () => {
      shuttingDown = true;
      await server.stop();
      process.exit(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    if (server.exited) {
      const { code, signal } = await server.exited;
      // Ctrl-C in a terminal signals FerretDB too, which then exits cleanly by itself.
      if (shuttingDown) return;
      defaultLog(`FerretDB exited (code ${code}, signal ${signal})`);
      await server.stop();
      process.exit(code === 0 ? 0 : 1);
    }
    // Reused or external server: just keep running until interrupted.
    setInterval(() => {}, 1 << 30);
    return;
  }
  console.error('usage: node scripts/mongo-server.mjs build [--force] | start [--port N]');
  process.exit(2);
}

const invokedDirectly =
  process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
