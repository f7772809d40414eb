import { postgresStore } from '@auditkit/adapter-postgres';
import { createAuditLog } from '@auditkit/core';
import { ORG_A, ORG_B } from '@auditkit/core/testing';
import { migrateToLatest, SQL_SCHEMAS, sqlMigrations } from '@auditkit/kysely-store';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { expectBackfilledSequence } from '../../kysely-store/test/sequence-backfill-expectations.js';

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

it('chains the events stored before migration 0004: positions in (receivedAt, id) order, then new events after them', async () => {
  const schema = `sequence_${Date.now().toString(36)}`;
  const beforeSequence = Object.fromEntries(
    Object.entries(postgresMigrations).filter(([name]) => name < '0004_event_sequence'),
  );
  const old = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: inject('postgresUrl'), max: 1 }) }),
  });
  // Three events of one organization (one received later with a smaller id) and one of another.
  const rows = [
    ['audit_log_event_03', ORG_A, 'k3', '2024-01-01T00:00:02.000Z', '{"n":3}'],
    ['audit_log_event_01', ORG_A, 'k1', '2024-01-01T00:00:01.000Z', '{"n":1}'],
    ['audit_log_event_02', ORG_A, 'k2', '2024-01-01T00:00:01.000Z', null],
    ['audit_log_event_00', ORG_B, 'k0', '2024-01-01T00:00:03.000Z', null],
  ] as const;
  try {
    await sql`create schema ${sql.id(schema)}`.execute(old);
    await migrateToLatest(old.withSchema(schema), beforeSequence, { migrationTableSchema: schema });
    for (const [id, organizationId, key, receivedAt, metadata] of rows) {
      await sql`
        insert into ${sql.id(schema, 'auditkit_events')} (id, organization_id, idempotency_key, fingerprint, action,
          version, occurred_at, received_at, actor_type, actor_id, actor_name, actor_metadata, targets, target_types,
          context_location, context_user_agent, metadata)
        values (${id}, ${organizationId}, ${key}, 'f', 'user.signed_in', 1, '2024-01-01T00:00:00.005Z', ${receivedAt},
          'user', 'u1', 'Ada', '{"role":"admin"}', '[{"type":"team","id":"t1"}]', '{team}', '10.0.0.1', null, ${metadata})
      `.execute(old);
    }
  } finally {
    await old.destroy();
  }

  const auditLog = await createAuditLog({ store: postgresStore({ pool, schema }), requireSchemas: false });
  try {
    await expectBackfilledSequence(auditLog);
  } finally {
    await auditLog.close();
  }
});
