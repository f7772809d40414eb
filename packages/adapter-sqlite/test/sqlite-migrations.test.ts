import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog } from '@auditkit/core';
import { ORG_A, ORG_B } from '@auditkit/core/testing';
import { migrateToLatest, SQL_SCHEMAS, sqlMigrations } from '@auditkit/kysely-store';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { expect, it } from 'vitest';
import { expectBackfilledSequence } from '../../kysely-store/test/sequence-backfill-expectations.js';

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

it('chains the events stored before migration 0004: positions in (receivedAt, id) order, then new events after them', async () => {
  const filename = join(mkdtempSync(join(tmpdir(), 'auditkit-sqlite-migration-')), 'audit.db');
  const beforeSequence = Object.fromEntries(
    Object.entries(sqliteMigrations).filter(([name]) => name < '0004_event_sequence'),
  );
  const old = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(filename) }) });
  await migrateToLatest(old, beforeSequence);
  // Three events of one organization (one received later with a smaller id) and one of another.
  const rows = [
    ['audit_log_event_03', ORG_A, 'k3', 2000, '{"n":3}'],
    ['audit_log_event_01', ORG_A, 'k1', 1000, '{"n":1}'],
    ['audit_log_event_02', ORG_A, 'k2', 1000, null],
    ['audit_log_event_00', ORG_B, 'k0', 3000, null],
  ] as const;
  for (const [id, organizationId, key, receivedAt, metadata] of rows) {
    await sql`
      insert into auditkit_events (id, organization_id, idempotency_key, fingerprint, action, version, occurred_at,
        received_at, actor_type, actor_id, actor_name, actor_metadata, targets, context_location, context_user_agent, metadata)
      values (${id}, ${organizationId}, ${key}, 'f', 'user.signed_in', 1, 5, ${receivedAt}, 'user', 'u1', 'Ada',
        '{"role":"admin"}', '[{"type":"team","id":"t1"}]', '10.0.0.1', null, ${metadata})
    `.execute(old);
  }
  await old.destroy();

  const auditLog = await createAuditLog({ store: sqliteStore({ filename }), requireSchemas: false });
  try {
    await expectBackfilledSequence(auditLog);
  } finally {
    await auditLog.close();
  }
});
