// Vitest global setup: starts a MongoDB-compatible server (FerretDB, built on first use) for this
// run, or uses the one MONGODB_URL names, and hands its URL to the tests through
// `inject('mongoUrl')`. Tests never skip: without a server the run fails and says what to do.
import { MongoClient } from 'mongodb';
import type { TestProject } from 'vitest/node';
import { type MongoServer, startMongoServer } from './mongo-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A MongoDB connection string (no database: each test names its own). */
    mongoUrl: string;
    /** `true` when the server is FerretDB, which answers most queries by scanning (see the README). */
    mongoIsFerretDB: boolean;
    /**
     * `true` when the server has multi-document transactions (a replica set or a sharded cluster
     * with sessions, never FerretDB 1.x): the caller-transaction conformance cases run on it.
     */
    mongoHasTransactions: boolean;
  }
}

const HOW_TO = process.env.MONGODB_URL
  ? 'MONGODB_URL is set, so the tests use that server: start it, fix the URL, or unset MONGODB_URL to ' +
    'let the tests start FerretDB (built from tools/ferretdb with Go).'
  : 'Build FerretDB with `node scripts/mongo-server.mjs build` (needs Go), or point the tests at another ' +
    'server with MONGODB_URL=mongodb://host:port (a standalone server, a replica set or a sharded cluster).';

async function start(): Promise<MongoServer> {
  try {
    // Port 0: a server of our own, whatever else (another run, a developer's server) holds 27017.
    return await startMongoServer({ port: 0 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The adapter-mongo tests need a MongoDB-compatible server; FerretDB did not start: ${reason}\n${HOW_TO}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Whether the server is FerretDB, and whether it has transactions (the adapter's own rule, read
 * from `hello`); fails with directions when the server does not answer.
 */
async function probe(url: string): Promise<{ ferretDB: boolean; transactions: boolean }> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000 });
  try {
    const info = await client.db('admin').command({ buildInfo: 1 });
    const ferretDB = 'ferretdbVersion' in info;
    const hello = await client.db('admin').command({ hello: 1 });
    const replicated = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
    const sessions = typeof hello.logicalSessionTimeoutMinutes === 'number';
    return { ferretDB, transactions: !ferretDB && replicated && sessions };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`The MongoDB server at ${url} does not answer: ${reason}\n${HOW_TO}`, { cause: error });
  } finally {
    await client.close();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await start();
  try {
    const found = await probe(server.url);
    project.provide('mongoIsFerretDB', found.ferretDB);
    project.provide('mongoHasTransactions', found.transactions);
  } catch (error) {
    await server.stop();
    throw error;
  }
  project.provide('mongoUrl', server.url);
  return () => server.stop();
}
