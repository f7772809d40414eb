import { type Kysely, type Migration, sql } from 'kysely';

/**
 * The PostgreSQL schema, one entry per version, run by kysely's `Migrator` on a connection
 * scoped to the store's Postgres schema (so table names here are unqualified). Entries are
 * never edited once released: a change is a new entry, so every database migrates the same way.
 *
 * @example
 * ```ts
 * import { Migrator } from 'kysely';
 *
 * const migrator = new Migrator({ db: db.withSchema('audit'), provider: { getMigrations: async () => postgresMigrations } });
 * ```
 */
export const postgresMigrations: Record<string, Migration> = {
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
        .addColumn('occurred_at', 'timestamptz', (column) => column.notNull())
        .addColumn('received_at', 'timestamptz', (column) => column.notNull())
        .addColumn('actor_type', 'text', (column) => column.notNull())
        .addColumn('actor_id', 'text', (column) => column.notNull())
        .addColumn('actor_name', 'text')
        .addColumn('actor_metadata', 'jsonb')
        .addColumn('targets', 'jsonb', (column) => column.notNull())
        // The distinct `targets[].type` values, written with the event: an array column is what
        // a GIN index can serve for "any target of these types".
        .addColumn('target_types', sql`text[]`, (column) => column.notNull())
        .addColumn('context_location', 'text', (column) => column.notNull())
        .addColumn('context_user_agent', 'text')
        .addColumn('metadata', 'jsonb')
        .execute();
      // The idempotency guarantee itself, and the arbiter of `ON CONFLICT DO NOTHING`.
      await db.schema
        .createIndex('auditkit_events_idempotency')
        .unique()
        .on('auditkit_events')
        .columns(['organization_id', 'idempotency_key'])
        .execute();
      // Every read and export is one organization's events in `(occurred_at, id)` order, paged
      // by a row comparison on those two columns: this index serves the range, order and keyset.
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
        .createIndex('auditkit_events_target_types')
        .on('auditkit_events')
        .using('gin')
        .column('target_types')
        .execute();

      await db.schema
        .createTable('auditkit_schemas')
        .addColumn('action', 'text', (column) => column.notNull())
        .addColumn('version', 'integer', (column) => column.notNull())
        .addColumn('definition', 'jsonb', (column) => column.notNull())
        .addColumn('created_at', 'timestamptz', (column) => column.notNull())
        .addPrimaryKeyConstraint('auditkit_schemas_pk', ['action', 'version'])
        .execute();

      await db.schema
        .createTable('auditkit_exports')
        .addColumn('id', 'text', (column) => column.primaryKey())
        .addColumn('state', 'text', (column) => column.notNull())
        .addColumn('format', 'text', (column) => column.notNull())
        // The filters stay text: the store hands them back verbatim, and jsonb would reorder keys.
        .addColumn('filters', 'text', (column) => column.notNull())
        .addColumn('created_at', 'timestamptz', (column) => column.notNull())
        .addColumn('updated_at', 'timestamptz', (column) => column.notNull())
        .addColumn('path', 'text')
        // An export can outgrow int4; pg returns int8 as a string, which the store converts.
        .addColumn('row_count', 'bigint')
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
    // filters text on every read. Existing rows take it from their filters (always JSON written
    // by core, always naming the organization); new rows must give it, so the default goes.
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('auditkit_exports')
        .addColumn('organization_id', 'text', (column) => column.notNull().defaultTo(''))
        .execute();
      await db
        .withTables<{ auditkit_exports: { organization_id: string; filters: string } }>()
        .updateTable('auditkit_exports')
        .set({ organization_id: sql<string>`coalesce(filters::jsonb ->> 'organizationId', '')` })
        .execute();
      await db.schema
        .alterTable('auditkit_exports')
        .alterColumn('organization_id', (column) => column.dropDefault())
        .execute();
    },
  },
};
