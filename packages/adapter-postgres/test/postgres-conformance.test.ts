import { postgresStore } from '@auditkit/adapter-postgres';
import { runStoreConformance } from '@auditkit/core/testing';
import pg from 'pg';
import { afterAll, describe, inject } from 'vitest';
import { sqlRawTamper } from '../../kysely-store/test/raw-sql-tamper.js';
import { testS3Storage } from '../../s3-storage/test/test-storage.js';
import { beginOnClient, beginOnPool } from './transaction-harness.js';

const connectionString = inject('postgresUrl');
let schemas = 0;

describe('postgres from a connection string, one fresh schema per test', () => {
  const raw = new pg.Pool({ connectionString, max: 1 });
  afterAll(() => raw.end());
  runStoreConformance({
    makeStore: () => postgresStore({ url: connectionString, schema: `t${++schemas}` }),
    reopenStore: () => postgresStore({ url: connectionString, schema: `t${schemas}` }),
    // A pg.Client of the application's own, inside BEGIN.
    beginTransaction: () => beginOnClient(connectionString, `t${schemas}`),
    // The export-file cases run on S3 as well (the run's versitygw, or S3_ENDPOINT's service).
    exportStorages: { s3: () => testS3Storage() },
    writersWaitWithoutBlocking: true,
    // pg on its own pool, outside AuditKit.
    rawTamper: () => {
      const schema = `t${schemas}`;
      return sqlRawTamper(
        async (sql, params) => {
          let index = 0;
          const { rows } = await raw.query(
            sql.replace(/\?/g, () => `$${++index}`),
            params,
          );
          return rows;
        },
        (name) => `"${schema}".${name}`,
      );
    },
  });
});

describe("postgres on the application's pool, which parses no types (every value arrives as text)", () => {
  const pool = new pg.Pool({
    connectionString,
    types: { getTypeParser: () => (value: string) => value },
  });
  afterAll(() => pool.end());
  runStoreConformance({
    makeStore: () => postgresStore({ pool, schema: `t${++schemas}` }),
    reopenStore: () => postgresStore({ pool, schema: `t${schemas}` }),
    // A PoolClient of the same pool AuditKit borrows from, inside BEGIN.
    beginTransaction: () => beginOnPool(pool, `t${schemas}`),
    writersWaitWithoutBlocking: true,
  });
});
