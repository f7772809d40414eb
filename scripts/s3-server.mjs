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

import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildGoTool, freePort, HOST, invokedDirectly, ROOT, startServerProcess } from './server-process.mjs';

export const VERSITYGW_VERSION = 'v1.8.0';

const TOOL_DIR = path.join(ROOT, 'tools', 'versitygw');
export const BINARY = path.join(TOOL_DIR, 'bin', `versitygw-${VERSITYGW_VERSION}`);
const SOURCES = ['tools.go', 'go.mod', 'go.sum'].map((f) => path.join(TOOL_DIR, f));
const PACKAGE = 'github.com/versity/versitygw/cmd/versitygw';

export const HINT =
  'To run the tests against another S3-compatible service, set S3_ENDPOINT, S3_ACCESS_KEY_ID, ' +
  'S3_SECRET_ACCESS_KEY and S3_BUCKET (an existing bucket; optionally S3_REGION).';

const defaultLog = (msg) => process.stderr.write(`[s3-server] ${msg}\n`);

/**
 * Builds the versitygw binary if it is missing or older than its sources. The first build
 * downloads modules and compiles for a minute or two; later builds come from Go's build cache.
 */
export function buildVersityGateway({ log = defaultLog, force = false } = {}) {
  return buildGoTool({
    name: 'versitygw',
    version: VERSITYGW_VERSION,
    toolDir: TOOL_DIR,
    binary: BINARY,
    sources: SOURCES,
    target: PACKAGE,
    hint: HINT,
    log,
    force,
  });
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
  const { pid, stop, exited } = await startServerProcess({
    name: 'versitygw',
    binary: BINARY,
    args: ['--port', `${HOST}:${port}`, '--region', region, 'posix', dataDir],
    env: { ...process.env, ROOT_ACCESS_KEY: accessKeyId, ROOT_SECRET_KEY: secretAccessKey },
    dataDir,
    isReady: () => answersHttp(endpoint),
    hint: HINT,
    log,
  });
  log(`versitygw ${VERSITYGW_VERSION} (pid ${pid}) on ${endpoint}, data in ${dataDir}`);
  return { endpoint, region, accessKeyId, secretAccessKey, pid, stop, exited };
}

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

if (invokedDirectly(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
