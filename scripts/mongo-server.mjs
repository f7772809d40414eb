#!/usr/bin/env node
// Runs a local MongoDB-compatible server (FerretDB v1.24.2 on SQLite, built
// from tools/ferretdb) for tests, because MongoDB itself can't be installed
// here. Set MONGODB_URL to test against any other server instead.
//
//   node scripts/mongo-server.mjs build              build the binary only
//   node scripts/mongo-server.mjs start [--port N]   run until Ctrl-C
//
// Only node: builtins, so it works before `pnpm install`.

import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildGoTool, freePort, HOST, invokedDirectly, ROOT, startServerProcess } from './server-process.mjs';

export const FERRETDB_VERSION = 'v1.24.2';

const TOOL_DIR = path.join(ROOT, 'tools', 'ferretdb');
export const BINARY = path.join(TOOL_DIR, 'bin', `ferretdb-${FERRETDB_VERSION}`);
const SOURCES = ['main.go', 'go.mod', 'go.sum'].map((f) => path.join(TOOL_DIR, f));

const HINT =
  'To run the tests against another MongoDB-compatible server, set MONGODB_URL ' +
  '(e.g. MONGODB_URL=mongodb://127.0.0.1:27017).';

const defaultLog = (msg) => process.stderr.write(`[mongo-server] ${msg}\n`);

/**
 * Builds the FerretDB binary if it is missing or older than its sources.
 * The first build downloads modules and compiles for a few minutes; later
 * builds are served from Go's build cache.
 */
export function buildFerretDB({ log = defaultLog, force = false } = {}) {
  return buildGoTool({
    name: 'FerretDB',
    version: FERRETDB_VERSION,
    toolDir: TOOL_DIR,
    binary: BINARY,
    sources: SOURCES,
    target: '.',
    hint: HINT,
    log,
    force,
  });
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
  const { stop, exited } = await startServerProcess({
    name: 'FerretDB',
    binary: BINARY,
    // Throwaway test data: SQLite syncs its log at checkpoints rather than at every commit (a
    // commit still survives this process being killed, not the machine losing power), which took
    // a one-document update from 9.4 to 5.7 ms on the loaded 2-core machine.
    args: [
      '-listen-addr',
      `${HOST}:${port}`,
      '-state-dir',
      stateDir,
      '-log-level',
      logLevel,
      '-sqlite-synchronous',
      'normal',
    ],
    dataDir: stateDir,
    isReady: () => ping(port),
    hint: HINT,
    log,
    logOutput: true,
  });
  return { url, stop, exited };
}

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

if (invokedDirectly(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
