#!/usr/bin/env node
// Runs a local S3 server (the Versity S3 Gateway v1.8.0, Apache-2.0, on a POSIX directory,
// built from tools/versitygw) for tests. It checks SigV4 signatures and serves presigned URLs,
// as AWS S3 does. Set S3_ENDPOINT (with S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_BUCKET,
// optionally S3_REGION) to test against any other S3-compatible service instead.
//
//   node scripts/s3-server.mjs build              build the binary only
//   node scripts/s3-server.mjs start [--port N]   run until Ctrl-C (prints endpoint and keys)
//
// Only node: builtins, so it works before `pnpm install`.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const VERSITYGW_VERSION = 'v1.8.0';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TOOL_DIR = path.join(ROOT, 'tools', 'versitygw');
export const BINARY = path.join(TOOL_DIR, 'bin', `versitygw-${VERSITYGW_VERSION}`);
const SOURCES = ['tools.go', 'go.mod', 'go.sum'].map((f) => path.join(TOOL_DIR, f));
const PACKAGE = 'github.com/versity/versitygw/cmd/versitygw';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 60_000;
const KILL_GRACE_MS = 5_000;
export const HINT =
  'To run the tests against another S3-compatible service, set S3_ENDPOINT, S3_ACCESS_KEY_ID, ' +
  'S3_SECRET_ACCESS_KEY and S3_BUCKET (an existing bucket; optionally S3_REGION).';

const defaultLog = (msg) => process.stderr.write(`[s3-server] ${msg}\n`);

/**
 * Builds the versitygw binary if it is missing or older than its sources. The first build
 * downloads modules and compiles for a minute or two; later builds come from Go's build cache.
 */
export async function buildVersityGateway({ log = defaultLog, force = false } = {}) {
  if (!force && isUpToDate()) return BINARY;

  const go = findGo();
  if (!go) {
    throw new Error(
      `Cannot build the Versity S3 Gateway: no Go toolchain found (tried "go" on PATH and /usr/local/go/bin/go). Install Go 1.24 or later. ${HINT}`,
    );
  }

  log(`building versitygw ${VERSITYGW_VERSION} with ${go} (the first build can take a few minutes)...`);
  const started = Date.now();
  fs.mkdirSync(path.dirname(BINARY), { recursive: true });
  // Build to a private name and rename, so concurrent or interrupted builds never expose a partial binary.
  const tmp = `${BINARY}.tmp-${process.pid}`;
  const { code, output } = await run(go, ['build', '-o', tmp, PACKAGE], { cwd: TOOL_DIR });
  if (code !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(
      `Cannot build the Versity S3 Gateway: "go build ${PACKAGE}" in ${TOOL_DIR} exited with ${code}:\n${output.trim()}\n${HINT}`,
    );
  }
  fs.renameSync(tmp, BINARY);
  log(`built ${path.relative(ROOT, BINARY)} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return BINARY;
}

/**
 * The S3 service the tests use: S3_ENDPOINT's when set, else a fresh versitygw on
 * 127.0.0.1:<port> (`port: 0` picks a free one) with random root keys and an empty data
 * directory, resolved once it answers HTTP.
 * Returns { endpoint, region, accessKeyId, secretAccessKey, bucket?, stop, exited? }: `bucket`
 * is S3_BUCKET (a fresh server has none: create one); stop() is idempotent and removes the data.
 */
export async function startS3Server({ port = 0, log = defaultLog } = {}) {
  const region = process.env.S3_REGION || 'us-east-1';
  if (process.env.S3_ENDPOINT) {
    const missing = ['S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_BUCKET'].filter(
      (name) => !process.env[name],
    );
    if (missing.length > 0) {
      throw new Error(`S3_ENDPOINT is set, so ${missing.join(', ')} must be set too. ${HINT}`);
    }
    return {
      endpoint: process.env.S3_ENDPOINT,
      region,
      accessKeyId: process.env.S3_ACCESS_KEY_ID,
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY,
      bucket: process.env.S3_BUCKET,
      stop: async () => {},
    };
  }

  await buildVersityGateway({ log });
  if (port === 0) port = await freePort();
  const endpoint = `http://${HOST}:${port}`;
  const accessKeyId = `auditkit${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(24).toString('base64url');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auditkit-versitygw-'));
  const child = spawn(BINARY, ['--port', `${HOST}:${port}`, '--region', region, 'posix', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
  });

  const tail = [];
  const onOutput = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
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
    fs.rmSync(dataDir, { recursive: true, force: true });
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
      fs.rmSync(dataDir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitInfo) {
      await stop();
      const how = exitInfo.error
        ? exitInfo.error.message
        : `exit code ${exitInfo.code}, signal ${exitInfo.signal}`;
      throw new Error(`versitygw exited before it was ready (${how}):\n${tail.join('\n')}\n${HINT}`);
    }
    if (await answersHttp(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `versitygw did not answer HTTP on ${endpoint} within ${READY_TIMEOUT_MS / 1000}s:\n${tail.join('\n')}\n${HINT}`,
      );
    }
    await Promise.race([sleep(50), exited]);
  }
  log(`versitygw ${VERSITYGW_VERSION} (pid ${child.pid}) on ${endpoint}, data in ${dataDir}`);
  return { endpoint, region, accessKeyId, secretAccessKey, pid: child.pid, stop, exited };
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

/** `true` once the endpoint answers an (unsigned, so refused) HTTP request at all. */
async function answersHttp(endpoint) {
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

async function main(argv) {
  const [command, ...rest] = argv;
  const portArg = rest.indexOf('--port');
  const port = portArg >= 0 ? Number(rest[portArg + 1]) : 0;

  if (command === 'build') {
    await buildVersityGateway({ force: rest.includes('--force') });
    console.log(BINARY);
    return;
  }
  if (command === 'start') {
    const server = await startS3Server({ port });
    console.log(
      `S3_ENDPOINT=${server.endpoint} S3_ACCESS_KEY_ID=${server.accessKeyId} S3_SECRET_ACCESS_KEY=${server.secretAccessKey}`,
    );
    const shutdown = async () => {
      await server.stop();
      process.exit(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
    if (server.exited) {
      const { code, signal } = await server.exited;
      defaultLog(`versitygw exited (code ${code}, signal ${signal})`);
      await server.stop();
      process.exit(code === 0 ? 0 : 1);
    }
    setInterval(() => {}, 1 << 30);
    return;
  }
  console.error('usage: node scripts/s3-server.mjs build [--force] | start [--port N]');
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
