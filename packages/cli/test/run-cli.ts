// Runs the built `auditkit` binary as a child process, as an operator or a cron job would.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { BIN_PATH } from './built-binary-setup.js';

export interface CliRun {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `auditkit args…` to completion; stdout is kept as bytes for byte-for-byte comparisons. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = startCli(args, env);
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout), stderr }));
  });
}

/** Starts `auditkit args…` and returns the running process (for `tail`). */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  const childEnv = { ...process.env, ...env };
  // The variable must come only from the test that sets it.
  if (!('AUDITKIT_DATABASE_URL' in env)) delete childEnv.AUDITKIT_DATABASE_URL;
  return spawn(process.execPath, [BIN_PATH, ...args], { env: childEnv, stdio: 'pipe' });
}

/** Asserts helper: the stderr of a failed run is exactly one line, without a stack trace. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.trimEnd().split('\n');
  return lines.length === 1 && lines[0]?.startsWith('auditkit: ') === true && !/\n\s+at /.test(stderr);
}
