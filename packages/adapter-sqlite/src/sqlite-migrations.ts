import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The SQLite schema, one entry per version. Entries are never edited once released: a change
 * is a new entry, so every database migrates the same way.
 */
export const sqliteMigrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('auditkit_events')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('organization_id', 'text', (column) => column.notNull())
        .addColumn('idempotency_key', 'text', (column) => column.notNull())
        .addColumn('fingerprint', 'text', (column) => column.notNull())
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('version', 'integer', (column) => column.notNull())
        // Milliseconds since the epoch: compact, and compares as fast as the id.
        .addColumn('occurred_at', 'integer', (column) => column.notNull())
        .addColumn('received_at', 'integer', (column) => column.notNull())
        .addColumn('actor_type', 'text', (column) => column.notNull())
        .addColumn('actor_id', 'text', (column) => column.notNull())
        .addColumn('actor_name', 'text')
        .addColumn('actor_metadata', 'text')
        .addColumn('targets', 'text', (column) => column.notNull())
        .addColumn('context_location', 'text', (column) => column.notNull())
        .addColumn('context_user_agent', 'text')
        .addColumn('metadata', 'text')
        .execute();
      await db.schema
        .createIndex('auditkit_events_idempotency')
        .unique()
        .on('auditkit_events')
        .columns(['organization_id', 'idempotency_key'])
        .execute();
      await db.schema
        .createIndex('auditkit_events_org_time')
        .on('auditkit_events')
        .columns(['organization_id', 'occurred_at', 'id'])
        .execute();
      await db.schema
        .createIndex('auditkit_events_org_action_time')
        .on('auditkit_events')
        .columns(['organization_id', 'action', 'occurred_at'])
        .execute();
      await db.schema
        .createIndex('auditkit_events_org_actor_time')
        .on('auditkit_events')
        .columns(['organization_id', 'actor_id', 'occurred_at'])
        .execute();

      await db.schema
        .createTable('auditkit_schemas')
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('version', 'integer', (column) => column.notNull())
        .addColumn('definition', 'text', (column) => column.notNull())
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addPrimaryKeyConstraint('auditkit_schemas_pk', ['action', 'version'])
        .execute();

      await db.schema
        .createTable('auditkit_exports')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('format', 'text', (column) => column.notNull())
        .addColumn('filters', 'text', (column) => column.notNull())
        .addColumn('created_at', 'integer', (column) => column.notNull())
        .addColumn('updated_at', 'integer', (column) => column.notNull())
        .addColumn('path', 'text')
        .addColumn('row_count', 'integer')
        .addColumn('error_message', 'text')
        .execute();

      await db.schema
        .createTable('auditkit_retention')
        .addColumn('organization_id', 'text', (column) => column.primaryKey())
        .addColumn('retention_period_in_days', 'integer', (column) =>
          column.notNull().check(sql`retention_period_in_days > 0`),
        )
        .execute();
    },
  },
  '0002_export_organization': {
    // The export's organization becomes a column of its own instead of being parsed out of the
    // filters text on every read. Existing rows take it from their filters, which always name it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('auditkit_exports')
        .addColumn('organization_id', 'text', (column) => column.notNull().defaultTo(''))
        .execute();
      await sql`
        update auditkit_exports
        set organization_id = coalesce(json_extract(filters, '$.organizationId'), '')
        where json_valid(filters)
      `.execute(db);
    },
  },
};
