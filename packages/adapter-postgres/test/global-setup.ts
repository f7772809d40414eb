// Vitest global setup: finds (or starts) a PostgreSQL server, creates one database for this test
// run and hands its URL to the tests through `inject('postgresUrl')`. Tests never skip: without
// a server the run fails and says how to get one.
import { execSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A fresh database on the test server, dropped when the run ends. */
    postgresUrl: string;
  }
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const START_COMMAND = 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';
const START_TIMEOUT_MS = 30_000;

/** Why the server at `url` cannot be queried, or `undefined` when it can. */
async function connectionFailure(url: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function waitForServer(url: string): Promise<void> {
  let failure = await connectionFailure(url);
  if (failure === undefined) return;
  // Only the default local server is ours to start; a DATABASE_URL points at someone else's.
  if (process.env.DATABASE_URL === undefined) {
    try {
      execSync(START_COMMAND, { stdio: 'pipe', shell: '/bin/sh' });
    } catch (error) {
      failure = error;
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      failure = await connectionFailure(url);
      if (failure === undefined) return;
      await sleep(500);
    }
  }
  const reason = failure instanceof Error ? failure.message : String(failure);
  throw new Error(
    `PostgreSQL is not reachable at ${url} (${reason}). The adapter-postgres tests need a real server: ` +
      `start the local one with \`${START_COMMAND}\`, or point the tests at another server with ` +
      'DATABASE_URL=postgres://user:password@host:port/database (that user must be allowed to create databases).',
    { cause: failure },
  );
}

function withDatabase(url: string, database: string): string {
  const target = new URL(url);
  target.pathname = `/${database}`;
  return target.toString();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = process.env.DATABASE_URL ?? DEFAULT_URL;
  await waitForServer(serverUrl);
  const database = `auditkit_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  project.provide('postgresUrl', withDatabase(serverUrl, database));

  return async () => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      // FORCE ends connections a failed test may have left open.
      await client.query(`drop database if exists "${database}" with (force)`);
    } finally {
      await client.end();
    }
  };
}
