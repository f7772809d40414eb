// Each test gets a database of its own on the shared test server; a test file drops the ones it
// made when it ends, which matters when MONGODB_URL points at a server that outlives the run.
import { MongoClient } from 'mongodb';
import { afterAll, inject } from 'vitest';

const run = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let made = 0;

/** A database name no other test (of this run or another) uses. */
export function newDatabaseName(): string {
  return `auditkit_test_${run}_${made++}`;
}

/** The test server's URL, and fresh database names that are dropped after the file's tests. */
export function useTestDatabases() {
  const url = inject('mongoUrl');
  const names: string[] = [];
  afterAll(async () => {
    const client = new MongoClient(url);
    try {
      for (const name of names) await client.db(name).dropDatabase();
    } finally {
      await client.close();
    }
  });
  return {
    url,
    next(): string {
      const name = newDatabaseName();
      names.push(name);
      return name;
    },
    last(): string {
      const name = names.at(-1);
      if (name === undefined) throw new Error('no test database made yet');
      return name;
    },
  };
}
