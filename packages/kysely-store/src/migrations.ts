import { type ColumnDataType, type Expression, type Kysely, type RawBuilder, sql } from 'kysely';
import type { SqlDialectTraits } from './dialect-traits.js';
import { loadKyselyMigrator, type SchemaMigration } from './kysely-migrator.js';
import { backfillSequence } from './sequence-backfill.js';

/**
 * How one SQL database spells AuditKit's column types, and its dialect-only schema.
 *
 * @example
 * ```ts
 * const sqliteSchema: SqlSchemaTraits = { timeType: 'integer', jsonType: 'text', countType: 'integer' };
 * ```
 */
export interface SqlSchemaTraits {
  /** Column type of `occurred_at`, `received_at`, `created_at`, `updated_at`. */
  timeType: ColumnDataType;
  /** Column type of metadata, targets and schema definitions. */
  jsonType: ColumnDataType;
  /** Column type of an export's `row_count` and of sequence positions. */
  countType: ColumnDataType;
  /**
   * The type of a `target_types` column (the distinct `targets[].type` of each event, written
   * with it) and the index method serving "any target of these types"; absent where the
   * database filters on `targets` directly.
   */
  targetTypes?: { type: Expression<unknown>; indexMethod: string };
  /** The text of a top-level field of a JSON text column; null when absent or when the text is not JSON. */
  jsonTextField(column: string, field: string): RawBuilder<string | null>;
  /** Whether `ALTER COLUMN … DROP DEFAULT` exists (SQLite has no `ALTER COLUMN`). */
  canDropDefaults: boolean;
  /**
   * The database's clock plus `ms` milliseconds, as a value of a `timeType` column, with
   * millisecond precision and constant within one statement. Leases expire by this clock, so
   * that every process on the database judges expiry by one clock, not by its own.
   */
  databaseTime(ms: number): RawBuilder<unknown>;
}

type AnyKysely = Kysely<unknown>;

/**
 * The column types of each SQL database AuditKit ships an adapter for, kept beside the one
 * migration list that uses them so that the whole table layout is read (and changed) here.
 *
 * @example
 * ```ts
 * const migrations = sqlMigrations(SQL_SCHEMAS.postgres);
 * ```
 */
export const SQL_SCHEMAS = {
  // Times as milliseconds since the epoch: compact, and compared as fast as the id.
  sqlite: {
    timeType: 'integer',
    jsonType: 'text',
    countType: 'integer',
    jsonTextField: (column, field) =>
      sql`case when json_valid(${sql.ref(column)}) then json_extract(${sql.ref(column)}, ${sql.lit(`$.${field}`)}) end`,
    canDropDefaults: false,
    // julianday('now') is fixed for one statement; every process opening the file shares the host's clock.
    databaseTime: (ms) =>
      sql`(cast(round((julianday('now') - 2440587.5) * 86400000) as integer) + ${Math.trunc(ms)})`,
  },
  postgres: {
    timeType: 'timestamptz',
    jsonType: 'jsonb',
    // An export can outgrow int4; pg returns int8 as a string, which the store converts.
    countType: 'bigint',
    // An array column is what a GIN index can serve for "any target of these types".
    targetTypes: { type: sql`text[]`, indexMethod: 'gin' },
    jsonTextField: (column, field) => sql`${sql.ref(column)}::jsonb ->> ${sql.lit(field)}`,
    canDropDefaults: true,
    // statement_timestamp(), not now(): inside a long transaction now() is its start.
    databaseTime: (ms) =>
      sql`(date_trunc('milliseconds', statement_timestamp()) + ${Math.trunc(ms)}::bigint * interval '1 millisecond')`,
  },
} as const satisfies Record<string, SqlSchemaTraits>;

/**
 * Every SQL adapter's schema, one entry per version, for the database `schema` describes. An
 * entry is never edited once released — a change is a new entry — so every database migrates the
 * same way; `migrations.test.ts` holds each dialect's DDL to what was released.
 *
 * `traits` (the adapter's codec) is needed only by migrations that read events back to rewrite
 * them: `0004_event_sequence` chains the events stored before it. Without it, that migration
 * fails on a database that has events.
 *
 * @example
 * ```ts
 * const migrations = sqlMigrations(sqliteTraits.schema, sqliteTraits);
 * await migrateToLatest(db, migrations);
 * ```
 */
export function sqlMigrations(
  schema: SqlSchemaTraits,
  traits?: SqlDialectTraits,
): Record<string, SchemaMigration> {
  return {
    '0001_initial': {
      async up(db: AnyKysely) {
        const { timeType, jsonType, countType, targetTypes } = schema;
        let events = db.schema
          .createTable('auditkit_events')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('organization_id', 'text', (column) => column.notNull())
          .addColumn('idempotency_key', 'text', (column) => column.notNull())
          .addColumn('fingerprint', 'text', (column) => column.notNull())
          .addColumn('action', 'text', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('occurred_at', timeType, (column) => column.notNull())
          .addColumn('received_at', timeType, (column) => column.notNull())
          .addColumn('actor_type', 'text', (column) => column.notNull())
          .addColumn('actor_id', 'text', (column) => column.notNull())
          .addColumn('actor_name', 'text')
          .addColumn('actor_metadata', jsonType)
          .addColumn('targets', jsonType, (column) => column.notNull());
        if (targetTypes) {
          events = events.addColumn('target_types', targetTypes.type, (column) => column.notNull());
        }
        await events
          .addColumn('context_location', 'text', (column) => column.notNull())
          .addColumn('context_user_agent', 'text')
          .addColumn('metadata', jsonType)
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
        if (targetTypes) {
          await db.schema
            .createIndex('auditkit_events_target_types')
            .on('auditkit_events')
            .using(targetTypes.indexMethod)
            .column('target_types')
            .execute();
        }

        await db.schema
          .createTable('auditkit_schemas')
          .addColumn('action', 'text', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('definition', jsonType, (column) => column.notNull())
          .addColumn('created_at', timeType, (column) => column.notNull())
          .addPrimaryKeyConstraint('auditkit_schemas_pk', ['action', 'version'])
          .execute();

        await db.schema
          .createTable('auditkit_exports')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('state', 'text', (column) => column.notNull())
          .addColumn('format', 'text', (column) => column.notNull())
          // The filters stay text: the store hands them back verbatim, and jsonb would reorder keys.
          .addColumn('filters', 'text', (column) => column.notNull())
          .addColumn('created_at', timeType, (column) => column.notNull())
          .addColumn('updated_at', timeType, (column) => column.notNull())
          .addColumn('path', 'text')
          .addColumn('row_count', countType)
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
      // filters text on every read. Existing rows take it from their filters (JSON written by core,
      // always naming the organization); where the database allows, new rows must then give it.
      async up(db: AnyKysely) {
        await db.schema
          .alterTable('auditkit_exports')
          .addColumn('organization_id', 'text', (column) => column.notNull().defaultTo(''))
          .execute();
        await db
          .withTables<{ auditkit_exports: { organization_id: string } }>()
          .updateTable('auditkit_exports')
          .set({
            organization_id: sql<string>`coalesce(${schema.jsonTextField('filters', 'organizationId')}, '')`,
          })
          .execute();
        if (schema.canDropDefaults) {
          await db.schema
            .alterTable('auditkit_exports')
            .alterColumn('organization_id', (column) => column.dropDefault())
            .execute();
        }
      },
    },
    '0003_leases': {
      // Leases (AuditStore.acquireLease): the primary key on the name is what makes a grant
      // atomic (an upsert whose update has a condition); rows are never deleted, so a lease's
      // fencing token only grows.
      async up(db: AnyKysely) {
        await db.schema
          .createTable('auditkit_leases')
          .addColumn('name', 'text', (column) => column.primaryKey())
          .addColumn('holder', 'text', (column) => column.notNull())
          .addColumn('token', schema.countType, (column) => column.notNull())
          .addColumn('expires_at', schema.timeType, (column) => column.notNull())
          .execute();
      },
    },
    '0006_export_storage': {
      // Exports that outlive their producer and expire: the lease token of the attempt allowed to
      // finish the export (fencing), the key of its file in the export storage, and when that
      // file expires. The index serves the takeover scan (pending exports) and the expiry sweep
      // (ready exports whose file has expired).
      async up(db: AnyKysely) {
        await db.schema.alterTable('auditkit_exports').addColumn('lease_token', schema.countType).execute();
        await db.schema.alterTable('auditkit_exports').addColumn('object_key', 'text').execute();
        await db.schema.alterTable('auditkit_exports').addColumn('expires_at', schema.timeType).execute();
        await db.schema
          .createIndex('auditkit_exports_state_expiry')
          .on('auditkit_exports')
          .columns(['state', 'expires_at', 'id'])
          .execute();
      },
    },
    '0007_log_streams': {
      // Log streams (AuditStore.insertLogStream …): configuration every instance reads, and the
      // durable cursor of delivery, moved only by conditional updates (fencing token, cursor).
      async up(db: AnyKysely) {
        await db.schema
          .createTable('auditkit_log_streams')
          .addColumn('id', 'text', (column) => column.primaryKey())
          .addColumn('organization_id', 'text', (column) => column.notNull())
          .addColumn('type', 'text', (column) => column.notNull())
          // Text, not JSON: handed back verbatim.
          .addColumn('destination', 'text', (column) => column.notNull())
          .addColumn('state', 'text', (column) => column.notNull())
          .addColumn('cursor', schema.countType, (column) => column.notNull())
          .addColumn('delivery_token', schema.countType, (column) => column.notNull())
          .addColumn('last_synced_at', schema.timeType)
          .addColumn('last_error', 'text')
          .addColumn('created_at', schema.timeType, (column) => column.notNull())
          .addColumn('updated_at', schema.timeType, (column) => column.notNull())
          .execute();
        await db.schema
          .createIndex('auditkit_log_streams_org')
          .on('auditkit_log_streams')
          .columns(['organization_id', 'created_at', 'id'])
          .execute();
      },
    },
    '0004_event_sequence': {
      // Every event gets its organization's position and chain link (written by insertEvents
      // under the organization's head row from now on). Events stored before this migration are
      // chained here, per organization in (received_at, id) order — the best record of their
      // commit order there is — inside the migration's transaction and lock.
      async up(db: AnyKysely) {
        const { countType } = schema;
        // One statement per column: SQLite adds a single column per ALTER TABLE.
        await db.schema.alterTable('auditkit_events').addColumn('position', countType).execute();
        await db.schema.alterTable('auditkit_events').addColumn('hash', 'text').execute();
        await db.schema.alterTable('auditkit_events').addColumn('previous_hash', 'text').execute();
        await db.schema
          .createTable('auditkit_sequence_heads')
          .addColumn('organization_id', 'text', (column) => column.primaryKey())
          .addColumn('position', countType, (column) => column.notNull())
          .addColumn('hash', 'text', (column) => column.notNull())
          .execute();
        await backfillSequence(db, traits);
        // Gapless and unique per organization: a second event at a position cannot be written.
        await db.schema
          .createIndex('auditkit_events_sequence')
          .unique()
          .on('auditkit_events')
          .columns(['organization_id', 'position'])
          .execute();
        if (schema.canDropDefaults) {
          // Where the database can add the constraint afterwards, an unchained event cannot be
          // written at all (SQLite adds NOT NULL columns only with a default).
          for (const column of ['position', 'hash', 'previous_hash']) {
            await db.schema
              .alterTable('auditkit_events')
              .alterColumn(column, (alter) => alter.setNotNull())
              .execute();
          }
        }
      },
    },
    '0005_checkpoints': {
      // Signed checkpoints of each organization's chain (core signs; the store keeps them as
      // given). The primary key makes a second checkpoint of the same size and key a no-op.
      async up(db: AnyKysely) {
        await db.schema
          .createTable('auditkit_checkpoints')
          .addColumn('organization_id', 'text', (column) => column.notNull())
          .addColumn('size', schema.countType, (column) => column.notNull())
          .addColumn('key_id', 'text', (column) => column.notNull())
          .addColumn('hash', 'text', (column) => column.notNull())
          .addColumn('issued_at', schema.timeType, (column) => column.notNull())
          .addColumn('reason', 'text', (column) => column.notNull())
          .addColumn('signature', 'text', (column) => column.notNull())
          .addPrimaryKeyConstraint('auditkit_checkpoints_pkey', ['organization_id', 'size', 'key_id'])
          .execute();
      },
    },
  };
}

/**
 * Runs `migrations` not yet recorded in `db`, under kysely's `Migrator` (from kysely 0.28 or 0.29) with AuditKit's
 * bookkeeping table names. The caller holds its database's lock around it.
 *
 * @example
 * ```ts
 * await migrateToLatest(connection.withSchema('audit'), postgresMigrations, { migrationTableSchema: 'audit' });
 * ```
 */
export async function migrateToLatest<Database>(
  db: Kysely<Database>,
  migrations: Record<string, SchemaMigration>,
  options: { migrationTableSchema?: string; disableTransactions?: boolean } = {},
): Promise<void> {
  const Migrator = await loadKyselyMigrator();
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'auditkit_migration',
    migrationLockTableName: 'auditkit_migration_lock',
    // Migration names are reserved per feature (0003 leases … 0007 log streams) and land on main
    // in any order: a database that already ran a later-numbered one must still run an earlier
    // one that lands afterwards (each adds its own tables; none depends on a later one).
    allowUnorderedMigrations: true,
    ...options,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
