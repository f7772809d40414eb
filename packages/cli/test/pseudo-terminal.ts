// Runs a command on a pseudo-terminal with util-linux's `script`, installing it when missing (CI
// runs as root on Debian), so the CLI sees a real TTY on stdout and stderr.
import { execFileSync, spawn } from 'node:child_process';

function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Makes sure `script` exists, or fails saying how to get it. */
export function ensureScript(): void {
  if (hasScript()) return;
  try {
    execFileSync(
      'sh',
      ['-c', 'apt-get install -y bsdutils || (apt-get update && apt-get install -y bsdutils)'],
      {
        stdio: 'pipe',
      },
    );
  } catch (error) {
    throw new Error(
      'The terminal test needs `script` (util-linux) to give the CLI a pseudo-terminal, and installing it failed: ' +
        'run `apt-get install -y bsdutils` (Debian) or install util-linux.',
      { cause: error },
    );
  }
  if (!hasScript()) throw new Error('`script` is still missing after installing bsdutils');
}

const quote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/** Runs `argv` on a pseudo-terminal 120 columns wide; returns everything it displayed and its exit code. */
export function runOnTerminal(argv: string[]): Promise<{ code: number | null; screen: string }> {
  const command = `stty cols 120 rows 40; exec ${argv.map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    // -q quiet, -f flush as written, -e the command's exit code, typescript file discarded.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}
