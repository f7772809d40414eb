import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { runStoreConformance } from '@auditkit/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe } from 'vitest';
import { sqlRawTamper } from '../../kysely-store/test/raw-sql-tamper.js';
import { testS3Storage } from '../../s3-storage/test/test-storage.js';
import { beginOn, beginOnFile } from './transaction-harness.js';

const directory = mkdtempSync(join(tmpdir(), 'auditkit-sqlite-'));
let filename = '';
let files = 0;

describe('sqlite file database', () => {
  runStoreConformance({
    makeStore: () => {
      filename = join(directory, `audit-${files++}.db`);
      return sqliteStore({ filename });
    },
    reopenStore: () => sqliteStore({ filename }),
    // The application's own connection to the same file.
    beginTransaction: async () => beginOnFile(filename),
    // The export-file cases run on S3 as well (the run's versitygw, or S3_ENDPOINT's service).
    exportStorages: { s3: () => testS3Storage() },
    // better-sqlite3 on the same file, one statement per connection.
    rawTamper: () =>
      sqlRawTamper(
        async (sql, params) => {
          const raw = new Database(filename);
          try {
            const statement = raw.prepare(sql);
            if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
            statement.run(...params);
            return [];
          } finally {
            raw.close();
          }
        },
        (name) => name,
      ),
  });
});

describe('sqlite :memory:', () => {
  runStoreConformance({ makeStore: () => sqliteStore({ filename: ':memory:' }) });
});

describe("sqlite on the application's connection, AuditKit's tables beside the application's", () => {
  const databases: Database.Database[] = [];
  afterAll(() => {
    for (const database of databases) database.close();
  });
  runStoreConformance({
    makeStore: () => {
      databases.push(new Database(':memory:'));
      return sqliteStore({ database: databases.at(-1) as Database.Database });
    },
    // Another store on the same connection, as a second part of the application would open it.
    reopenStore: () => sqliteStore({ database: databases.at(-1) as Database.Database }),
    beginTransaction: async () => beginOn(databases.at(-1) as Database.Database),
  });
});
