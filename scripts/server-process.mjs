// What the local test servers (scripts/mongo-server.mjs: FerretDB; scripts/s3-server.mjs:
// versitygw) have in common: building a Go tool under tools/ when its binary is missing or stale,
// and running it as a child process that is ready once a probe answers, stopped by PID (SIGTERM,
// then SIGKILL after a grace period) with its data directory removed.
//
// Only node: builtins, so it works before `pnpm install`.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOST = '127.0.0.1';
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 60_000;
const KILL_GRACE_MS = 5_000;
const OUTPUT_TAIL_LINES = 30;

/**
 * Builds `binary` with `go build -o <binary> <target>` in `toolDir` unless it is newer than every
 * file of `sources` (and `force` is not set). Builds to a private name and renames, so concurrent
 * or interrupted builds never expose a partial binary. Resolves with the binary's path.
 */
export async function buildGoTool({
  name,
  version,
  toolDir,
  binary,
  sources,
  target,
  hint,
  log,
  force = false,
}) {
  if (!force && isUpToDate(binary, sources)) return binary;

  const go = findGo();
  if (!go) {
    throw new Error(
      `Cannot build ${name}: no Go toolchain found (tried "go" on PATH and /usr/local/go/bin/go). Install Go 1.24 or later. ${hint}`,
    );
  }

  log(`building ${name} ${version} with ${go} (the first build can take a few minutes)...`);
  const started = Date.now();
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const tmp = `${binary}.tmp-${process.pid}`;
  const { code, output } = await run(go, ['build', '-o', tmp, target], { cwd: toolDir });
  if (code !== 0) {
    fs.rmSync(tmp, { force: true });
    throw new Error(
      `Cannot build ${name}: "go build ${target}" in ${toolDir} exited with ${code}:\n${output.trim()}\n${hint}`,
    );
  }
  fs.renameSync(tmp, binary);
  log(`built ${path.relative(ROOT, binary)} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return binary;
}

/**
 * Spawns `binary args` and resolves once `isReady()` does, with `{ pid, stop, exited }`: `stop()`
 * (idempotent) ends the process by PID, SIGKILL after a grace period, and removes `dataDir`;
 * `exited` resolves with `{ code, signal }` or `{ error }`. If the process exits first or is not
 * ready within a minute, it is stopped and the error carries the last lines of its output.
 * The process is killed and `dataDir` removed when this process exits without calling `stop()`.
 */
export async function startServerProcess({
  name,
  binary,
  args,
  env,
  dataDir,
  isReady,
  hint,
  log,
  logOutput = false,
}) {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });

  const tail = [];
  const onOutput = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > OUTPUT_TAIL_LINES) tail.shift();
      if (logOutput) log(`${name}: ${line}`);
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
      throw new Error(`${name} exited before it was ready (${how}):\n${tail.join('\n')}\n${hint}`);
    }
    if (await isReady()) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${name} was not ready within ${READY_TIMEOUT_MS / 1000}s:\n${tail.join('\n')}\n${hint}`,
      );
    }
    await Promise.race([sleep(25), exited]);
  }
  return { pid: child.pid, stop, exited };
}

/** A port nothing listens on at the moment, on the loopback interface. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** `true` when this module's caller was run as `node <file>` rather than imported. */
export function invokedDirectly(moduleUrl) {
  return Boolean(process.argv[1]) && fs.realpathSync(process.argv[1]) === fileURLToPath(moduleUrl);
}

function isUpToDate(binary, sources) {
  try {
    const built = fs.statSync(binary).mtimeMs;
    return sources.every((f) => fs.statSync(f).mtimeMs <= built);
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

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
