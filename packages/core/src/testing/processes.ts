import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

/** What one child process printed and how it ended. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const require = createRequire(import.meta.url);

/**
 * Starts a TypeScript script in a separate Node.js process (through tsx, resolving workspace
 * packages to their sources), for tests that need real OS-level concurrency or a real crash.
 *
 * @example
 * ```ts
 * const child = startTypeScriptProcess(script, ['crash-batches', file, 'org_1']);
 * child.stdout.once('data', () => child.kill('SIGKILL'));
 * ```
 */
export function startTypeScriptProcess(
  script: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(
    process.execPath,
    ['--conditions=@auditkit/source', '--import', require.resolve('tsx'), script, ...args],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/**
 * Runs a TypeScript script in a separate process to completion (see {@link startTypeScriptProcess}).
 *
 * @example
 * ```ts
 * const results = await Promise.all([1, 2].map((n) => runTypeScriptProcess(script, [String(n)])));
 * ```
 */
export function runTypeScriptProcess(
  script: string,
  args: string[] = [],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = startTypeScriptProcess(script, args, options.env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
