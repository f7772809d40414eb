import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import { ORG_B } from '@auditkit/core/testing';
import { migrateToLatest, SQL_SCHEMAS, sqlMigrations } from '@auditkit/kysely-store';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { expect, it } from 'vitest';

const sqliteMigrations = sqlMigrations(SQL_SCHEMAS.sqlite);

const { '0001_initial': initial } = sqliteMigrations;
if (!initial) throw new Error('migration 0001_initial is missing');
const firstRelease = { '0001_initial': initial };

it('migrates a database of the first release: exports get their organization from their filters', async () => {
  const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-sqlite-migration-')), 'audit.db');
  // The database as the first release left it: only migration 0001, one finished export.
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(filename) }) });
  await migrateToLatest(old, firstRelease);
  const filters = JSON.stringify({ organizationId: ORG_B, rangeStart: '2024-01-01T00:00:00.000Z' });
  await sql`
    insert into auditkit_exports (id, state, format, filters, created_at, updated_at, path, row_count)
    values ('audit_log_export_old', 'ready', 'ndjson', ${filters}, 0, 0, '/exports/old.ndjson', 3)
  `.execute(old);
  await old.destroy();

  const auditLog = await createAuditLog({ store: sqliteStore({ filename }) });
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

it('runs a migration that lands after a later-numbered one already ran (reserved names land in any order)', async () => {
  const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-sqlite-migration-')), 'audit.db');
  // A database that ran every migration except 0003_leases, as if 0003 had landed last.
  const { '0003_leases': leases, ...withoutLeases } = sqliteMigrations;
  expect(leases).toBeDefined();
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(filename) }) });
  await migrateToLatest(old, withoutLeases);
  await old.destroy();

  const auditLog = await createAuditLog({ store: sqliteStore({ filename }) });
  await auditLog.close();
  const check = new Database(filename);
  try {
    const names = check.prepare('select name from auditkit_migration order by name').pluck().all();
    expect(names).toEqual(Object.keys(sqliteMigrations).sort());
    expect(
      check.prepare("select count(*) from sqlite_master where name = 'auditkit_leases'").pluck().get(),
    ).toBe(1);
  } finally {
    check.close();
  }
});
