import {
  type AuditStore,
  checkOptions,
  hasMethods,
  isNonEmptyString,
  type OptionsSpec,
} from '@auditkit/core/store';
import { type AuditDatabase, kyselyStore, migrateToLatest, sqlMigrations } from '@auditkit/kysely-store';
import { Kysely, PostgresDialect, type PostgresPool, sql } from 'kysely';
import { guardClientErrors } from './client-error-guard.js';
import { streamExportCells } from './postgres-export.js';
import { postgresTraits } from './postgres-traits.js';
import { bindPostgresTransaction, type PostgresTransactionHandle } from './postgres-transactions.js';
import { preparedStatements } from './prepared-statements.js';

const postgresMigrations = sqlMigrations(postgresTraits.schema, postgresTraits);

/**
 * Options of {@link postgresStore}: a server to connect to, or a pool the application already has.
 *
 * @example
 * ```ts
 * const own: PostgresStoreOptions = { url: 'postgres://audit@db.internal/app', schema: 'audit' };
 * const shared: PostgresStoreOptions = { pool: appPool, schema: 'audit' };
 * ```
 */
export type PostgresStoreOptions = (
  | {
      /** A `postgres://` URL. AuditKit creates a `pg.Pool` on it and ends that pool on `close()`. */
      url: string;
      pool?: never;
    }
  | {
      /**
       * The application's pool, e.g. a `pg.Pool`. AuditKit borrows connections from it and never
       * ends it: the application keeps using it after `auditLog.close()`.
       */
      pool: PostgresPool;
      url?: never;
    }
) & {
  /**
   * The PostgreSQL schema that holds AuditKit's tables (and its migration bookkeeping), created
   * when missing, so they can live apart from the application's own. Default `public`.
   */
  schema?: string;
  /**
   * Whether the statements the write path runs over and over (the event insert and the
   * sequence-head statements, per group and batch size) are prepared on each connection, so
   * PostgreSQL parses and plans them once per connection rather than on every write. Default
   * `true` with `url`; turn it off behind a pooler that does not keep a session's prepared
   * statements (PgBouncer before 1.21 in transaction mode). Default `false` with `pool`: turn it
   * on for a `pg.Pool` (its clients take pg's `{ name, text, values }` query config, which
   * kysely's pool type does not promise).
   */
  preparedStatements?: boolean;
};

/**
 * Key of the session-level advisory lock that serializes AuditKit migrations on a database:
 * the ASCII bytes of "auditkit" read as a bigint.
 */
const MIGRATION_LOCK_KEY = 0x61756469746b6974n;

/**
 * Whether `schema` has recorded every migration: the usual start-up, answered with two small
 * reads instead of queuing for the migration lock behind every other starting process.
 */
async function isMigrated(db: Kysely<AuditDatabase>, schema: string): Promise<boolean> {
  // Asks for rows rather than a boolean, which a pool with its own type parsers may return as text.
  const table = await sql`
    select 1 from pg_catalog.pg_tables where schemaname = ${schema} and tablename = 'auditkit_migration'
  `.execute(db);
  if (table.rows.length === 0) return false;
  const done = await sql<{ name: string }>`select name from ${sql.id(schema, 'auditkit_migration')}`.execute(
    db,
  );
  const names = new Set(done.rows.map((row) => row.name));
  return Object.keys(postgresMigrations).every((name) => names.has(name));
}

/** What {@link PostgresStoreOptions} may hold, checked when `postgresStore` is called. */
const POSTGRES_STORE_OPTIONS: OptionsSpec = {
  options: {
    url: {
      expected: 'a PostgreSQL connection URL such as "postgres://localhost/app"',
      accepts: isNonEmptyString,
    },
    pool: { expected: 'a pg.Pool (an object with connect())', accepts: hasMethods('connect') },
    schema: { expected: 'a schema name (a non-empty string)', accepts: isNonEmptyString },
    preparedStatements: { expected: 'true or false', accepts: (value) => typeof value === 'boolean' },
  },
  exactlyOneOf: [['url', 'pool']],
  renamed: { connectionString: 'url', uri: 'url', client: 'pool' },
};

async function createPool(connectionString: string): Promise<PostgresPool> {
  // Loaded on demand, so an application that passes its own pool never loads (or needs) pg here.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString });
  // An idle client that loses its connection emits 'error' on the pool, which would crash the
  // process without a listener. The pool drops that client; the next query opens a new one or
  // rejects, and that rejection reaches the caller as storage_error.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * An AuditKit store on PostgreSQL (pg through kysely). Migrations run when the audit log opens,
 * safely from several processes at once.
 *
 * @example
 * ```ts
 * import { createAuditLog } from '@auditkit/core';
 * import { postgresStore } from '@auditkit/adapter-postgres';
 *
 * const auditLog = await createAuditLog({
 *   store: postgresStore({ url: process.env.DATABASE_URL ?? 'postgres://localhost/app', schema: 'audit' }),
 * });
 * ```
 *
 * @example
 * ```ts
 * // Share the application's pool; AuditKit never ends it.
 * import pg from 'pg';
 *
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const auditLog = await createAuditLog({ store: postgresStore({ pool }) });
 * await auditLog.close(); // `pool` still works
 * ```
 */
export function postgresStore(options: PostgresStoreOptions): AuditStore<PostgresTransactionHandle> {
  checkOptions('postgresStore', options, POSTGRES_STORE_OPTIONS);
  const { url, pool, schema = 'public' } = options;
  const owned = pool === undefined;
  const prepare = options.preparedStatements ?? owned;
  const prepared = prepare ? preparedStatements() : undefined;
  // One pool for kysely and the COPY export, created on first use.
  let poolPromise: Promise<PostgresPool> | undefined;
  const getPool = () => {
    poolPromise ??= (async () => {
      const guarded = guardClientErrors(pool ?? (await createPool(url)));
      return prepared ? prepared.pool(guarded) : guarded;
    })();
    return poolPromise;
  };
  const root = new Kysely<AuditDatabase>({ dialect: new PostgresDialect({ pool: getPool }) });
  // Qualifies every table the shared store names, so it only ever sees AuditKit's schema.
  const db = root.withSchema(schema);

  const store = kyselyStore<PostgresTransactionHandle>({
    name: 'postgres',
    capabilities: {
      persistent: true,
      // Measured on a 100,000-event export on localhost: 35,000 rows/s with 1,000-row pages,
      // 38,000-44,000 with 500, as fewer decoded rows are alive at once for the garbage
      // collector (43 % of the CPU at 1,000). Not smaller: each page is a round trip to the server.
      exportPageSize: 500,
      // CSV exports read through COPY (postgres-export.ts).
      exportCells: true,
    },
    db,
    traits: prepared ? { ...postgresTraits, reusedStatement: prepared.remember } : postgresTraits,
    async migrate() {
      if (await isMigrated(root, schema)) return;
      await root.connection().execute(async (connection) => {
        // kysely's Migrator creates the schema and its bookkeeping tables before taking its own
        // lock, so starting processes race on Postgres' catalog there (CREATE ... IF NOT EXISTS
        // is not atomic). Held by this session for the whole migration, this lock makes every
        // other starting process wait, then find the work done.
        await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(connection);
        try {
          await migrateToLatest(connection.withSchema(schema), postgresMigrations, {
            migrationTableSchema: schema,
          });
        } finally {
          await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(connection);
        }
      });
    },
    async release() {
      // Kysely's destroy ends the pool, which is only ours to end when we created it.
      if (owned) await root.destroy();
    },
    bindTransaction: (handle) => bindPostgresTransaction(handle, schema),
  });
  // CSV exports read through COPY on AuditKit's own pool (a store bound to the caller's
  // transaction keeps the page-by-page path, which reads inside that transaction).
  store.streamExportCells = (filter) => streamExportCells(getPool, db, filter);
  return store;
}
