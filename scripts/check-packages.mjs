#!/usr/bin/env node
// Checks the published shape of every package under packages/: packs each one as `pnpm publish`
// would (workspace: ranges replaced, `files` applied) and runs publint (package.json fields,
// exports, files present) and @arethetypeswrong/cli (types resolve for every entry point) on the
// tarball. Run by `pnpm check:packages`, part of `pnpm test`; run `pnpm build` first.
//
// attw runs with `--profile esm-only`: the packages are ESM only (`"type": "module"`, `exports`
// maps, Node >= 20), so node10 resolution (which ignores `exports`) and `require` from CommonJS
// are not supported targets. Every other problem attw knows fails the check.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const destination = mkdtempSync(join(tmpdir(), 'auditkit-packs-'));

const packages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((directory) => {
    try {
      return !JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')).private;
    } catch {
      return false;
    }
  });

const failed = [];
try {
  for (const directory of packages) {
    const { name } = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
    const before = new Set(readdirSync(destination));
    execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: directory, stdio: 'ignore' });
    const tarball = readdirSync(destination).find((file) => !before.has(file));
    if (!tarball) throw new Error(`pnpm pack produced no tarball for ${name}`);
    for (const [tool, args] of [
      ['publint', ['run', join(destination, tarball), '--strict']],
      ['attw', [join(destination, tarball), '--profile', 'esm-only', '--format', 'table-flipped']],
    ]) {
      try {
        execFileSync(bin(tool), args, { cwd: root, stdio: 'pipe', encoding: 'utf8' });
        console.log(`ok   ${name}: ${tool}`);
      } catch (error) {
        failed.push(`${name}: ${tool}`);
        console.log(`FAIL ${name}: ${tool}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      }
    }
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}

const checks = packages.length * 2;
console.log(
  `check:packages: ${failed.length === 0 ? `all ${checks} checks passed` : `${failed.length} of ${checks} checks failed`}`,
);
if (failed.length > 0) process.exitCode = 1;
