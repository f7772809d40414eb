import { postgresStore } from '@auditkit/adapter-postgres';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { cliCases } from './cli-cases.js';

// One database per test, on the server the adapter-postgres global setup found or started.
const serverUrl = inject('postgresUrl');
const made: string[] = [];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

afterAll(() =>
  admin(async (client) => {
    for (const name of made) await client.query(`drop database if exists "${name}" with (force)`);
  }),
);

cliCases('PostgreSQL', async () => {
  const name = `auditkit_cli_${process.pid}_${Date.now()}_${made.length}`;
  await admin((client) => client.query(`create database "${name}"`));
  made.push(name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), openStore: () => postgresStore({ url: url.toString() }) };
});
