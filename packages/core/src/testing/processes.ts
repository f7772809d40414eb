import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** What one child process printed and how it ended. */
export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const require = createRequire(import.meta.url);

/**
 * Runs a TypeScript script in a separate Node.js process (through tsx, resolving workspace
 * packages to their sources) — for tests that need real OS-level concurrency.
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
  const tsx = require.resolve('tsx');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=@auditkit/source', '--import', tsx, script, ...args],
      {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString();
    });
    child.stderr.on('data', (data: Buffer) => {
      stderr += data.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
