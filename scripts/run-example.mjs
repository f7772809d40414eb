#!/usr/bin/env node
// Runs one example the way the tests run against databases: it starts what the example needs
// first (PostgreSQL with pg_ctlcluster when it is down; FerretDB for MongoDB), then runs the
// example's own `start` script. The root scripts `pnpm example:<name>` call this after
// `pnpm build`.
//
//   node scripts/run-example.mjs sqlite|postgres|mongo|http|sqlite-transaction|postgres-transaction
//
// DATABASE_URL / MONGODB_URL point the examples at other servers; then nothing is started.
// Only node: builtins (and the repository's own mongo-server.mjs).

import { execSync, spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startMongoServer } from './mongo-server.mjs';

const POSTGRES_START = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const POSTGRES_DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs `pnpm --filter <package> <script>` with the terminal's output; resolves with its exit code. */
function runScript(pkg, script, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('pnpm', ['--silent', '--filter', pkg, script], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function postgresAccepts() {
  try {
    execSync('pg_isready -q -h 127.0.0.1 -p 5432', { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The local PostgreSQL, started when it is down (as the test setup does), unless DATABASE_URL names another. */
async function ensurePostgres() {
  if (process.env.DATABASE_URL || postgresAccepts()) return;
  console.error(`[example] PostgreSQL is down; starting it: ${POSTGRES_START}`);
  let failure = '';
  try {
    execSync(POSTGRES_START, { stdio: 'pipe', shell: '/bin/sh' });
  } catch (error) {
    // Another process (the test setup, a second example) may be starting it at the same moment:
    // what counts is whether it accepts connections below.
    failure = ` (${POSTGRES_START}: ${String(error.stderr ?? error.message).trim()})`;
  }
  const deadline = Date.now() + 30_000;
  while (!postgresAccepts()) {
    if (Date.now() > deadline) {
      throw new Error(
        `PostgreSQL did not accept connections on 127.0.0.1:5432 within 30 s${failure}. ` +
          'Start a server and set DATABASE_URL=postgres://user@host:port/db',
      );
    }
    await sleep(500);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts the HTTP example's server, runs its WorkOS SDK client against it, then stops the server. */
async function runHttpExample() {
  const port = process.env.PORT ?? String(await freePort());
  const server = spawn('pnpm', ['--silent', '--filter', '@auditkit/example-http-server', 'start'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PORT: port },
    detached: true,
  });
  try {
    await new Promise((resolve, reject) => {
      let output = '';
      server.on('exit', (code) => reject(new Error(`the example server exited (${code}) before listening`)));
      server.stdout.on('data', (chunk) => {
        process.stdout.write(chunk);
        output += chunk;
        if (output.includes('listening on')) resolve();
      });
    });
    return await runScript('@auditkit/example-http-server', 'client', { PORT: port });
  } finally {
    // The server runs under pnpm and tsx: signal its whole process group, as Ctrl-C would.
    const exited = new Promise((resolve) => server.once('exit', resolve));
    if (server.exitCode === null) process.kill(-server.pid, 'SIGTERM');
    await exited;
  }
}

const examples = {
  sqlite: () => runScript('@auditkit/example-sqlite', 'start'),
  postgres: async () => {
    await ensurePostgres();
    return runScript('@auditkit/example-postgres', 'start', {
      DATABASE_URL: process.env.DATABASE_URL ?? POSTGRES_DEFAULT_URL,
    });
  },
  mongo: async () => {
    // Port 0: a server of this run's own, whatever else holds 27017; MONGODB_URL reuses another.
    const server = await startMongoServer({ port: 0 });
    try {
      return await runScript('@auditkit/example-mongo', 'start', { MONGODB_URL: server.url });
    } finally {
      await server.stop();
    }
  },
  http: runHttpExample,
  'sqlite-transaction': () => runScript('@auditkit/example-sqlite', 'transaction'),
  'postgres-transaction': async () => {
    await ensurePostgres();
    return runScript('@auditkit/example-postgres', 'transaction', {
      DATABASE_URL: process.env.DATABASE_URL ?? POSTGRES_DEFAULT_URL,
    });
  },
};

const name = process.argv[2];
const example = examples[name];
if (!example) {
  console.error(`usage: node scripts/run-example.mjs ${Object.keys(examples).join('|')}`);
  process.exit(2);
}
try {
  process.exitCode = await example();
} catch (error) {
  console.error(`[example] ${error.message}`);
  process.exitCode = 1;
}
