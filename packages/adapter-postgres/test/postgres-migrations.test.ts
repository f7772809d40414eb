import { postgresStore } from '@auditkit/adapter-postgres';
import { createAuditLog } from '@auditkit/core';
import { ORG_B } from '@auditkit/core/testing';
import { migrateToLatest, SQL_SCHEMAS, sqlMigrations } from '@auditkit/kysely-store';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';

const postgresMigrations = sqlMigrations(SQL_SCHEMAS.postgres);

const pool = new pg.Pool({ connectionString: inject('postgresUrl'), max: 2 });
afterAll(() => pool.end());

const { '0001_initial': initial } = postgresMigrations;
if (!initial) throw new Error('migration 0001_initial is missing');
const firstRelease = { '0001_initial': initial };

it('migrates a database of the first release: exports get their organization from their filters', async () => {
  const schema = `migration_${Date.now().toString(36)}`;
  // The schema as the first release left it: only migration 0001, one finished export.
  const old = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: inject('postgresUrl'), max: 1 }) }),
  });
  try {
    await sql`create schema ${sql.id(schema)}`.execute(old);
    await migrateToLatest(old.withSchema(schema), firstRelease, { migrationTableSchema: schema });
    const filters = JSON.stringify({ organizationId: ORG_B, rangeStart: '2024-01-01T00:00:00.000Z' });
    await sql`
      insert into ${sql.id(schema, 'auditkit_exports')} (id, state, format, filters, created_at, updated_at, path, row_count)
      values ('audit_log_export_old', 'ready', 'ndjson', ${filters}, now(), now(), '/exports/old.ndjson', 3)
    `.execute(old);
  } finally {
    await old.destroy();
  }

  const auditLog = await createAuditLog({ store: postgresStore({ pool, schema }) });
  try {
    expect(await auditLog.getExport('audit_log_export_old')).toMatchObject({
      organizationId: ORG_B,
      format: 'ndjson',
      state: 'ready',
      rowCount: 3,
    });
  } finally {
    await auditLog.close();
  }
});
