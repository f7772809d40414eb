import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AuditStore,
  checkOptions,
  hasMethods,
  isNonNegativeInteger,
  type OptionsSpec,
} from '@auditkit/core/store';
import { type AuditDatabase, kyselyStore, migrateToLatest, sqlMigrations } from '@auditkit/kysely-store';
import { Kysely, type SqliteDatabase, SqliteDialect, sql } from 'kysely';
import { warnIfAbortsAtExit } from './exit-abort-check.js';
import { sqliteTraits } from './sqlite-traits.js';
import { bindSqliteTransaction, type SqliteTransactionHandle } from './sqlite-transactions.js';
import { withStatementCache } from './statement-cache.js';

const sqliteMigrations = sqlMigrations(sqliteTraits.schema, sqliteTraits);

/** Options of {@link sqliteStore}: a file to open, or a database the application already has. */
export type SqliteStoreOptions =
  | {
      /** Path of the database file (created when missing), or `:memory:`. */
      filename: string;
      /** How long a write waits for another process's lock, in ms. Default 5000. */
      busyTimeoutMs?: number;
      /**
       * When a commit reaches the disk. `'full'` (the default) syncs the write-ahead log on every
       * commit: an event `createEvent` acknowledged survives a power loss or an OS crash.
       * `'normal'` syncs only at checkpoints: writes are several times faster on most disks
       * (`pnpm bench`, docs/benchmarks.md), the database stays consistent, but events acknowledged
       * since the last checkpoint can vanish when the machine (not just the process) goes down.
       * Choose it only when losing recently acknowledged audit events is acceptable.
       */
      synchronous?: SqliteSynchronous;
    }
  | {
      /**
       * A better-sqlite3 `Database` the application opened. AuditKit never closes it and leaves
       * its pragmas (journal mode, busy timeout, `synchronous`) as the application set them: the
       * connection is shared with the application's own data. In WAL mode better-sqlite3's
       * default `synchronous=NORMAL` can lose acknowledged events on a power loss; run
       * `database.pragma('synchronous = FULL')` for durable audit events.
       */
      database: SqliteDatabase;
    };

/** The `synchronous` settings {@link sqliteStore} offers; see `SqliteStoreOptions`. */
export type SqliteSynchronous = 'full' | 'normal';

/** What {@link SqliteStoreOptions} may hold, checked when `sqliteStore` is called. */
const SQLITE_STORE_OPTIONS: OptionsSpec = {
  options: {
    filename: {
      expected: 'a file path string (or ":memory:")',
      accepts: (value) => typeof value === 'string',
    },
    busyTimeoutMs: { expected: 'a whole number of milliseconds, 0 or more', accepts: isNonNegativeInteger },
    synchronous: {
      expected: '"full" or "normal"',
      accepts: (value) => value === 'full' || value === 'normal',
    },
    database: {
      expected: 'a better-sqlite3 Database (an object with prepare() and pragma())',
      accepts: hasMethods('prepare', 'pragma'),
    },
  },
  exactlyOneOf: [['filename', 'database']],
  onlyWith: { busyTimeoutMs: 'filename', synchronous: 'filename' },
  renamed: { path: 'filename', file: 'filename', url: 'filename', db: 'database' },
};

/**
 * Pages the write-ahead log may hold before a commit checkpoints it (SQLite's default: 1,000).
 * A batch of 1,000 events writes several hundred pages (each event's row and six index entries,
 * the actor index's scattered over the organization's actors), so at SQLite's default nearly every
 * batch also copied the log into the database file and synced it. With 4,000 (16 MB of log at
 * 4 KiB pages) a page rewritten by several batches is copied once; a commit's own writes are
 * unchanged (docs/benchmarks.md, eleventh round).
 */
const WAL_AUTOCHECKPOINT_PAGES = 4000;

/**
 * Switches the file to WAL, once (the mode is stored in the file). Switching needs the file to
 * itself, and SQLite answers SQLITE_BUSY at once — without waiting out busy_timeout — while a
 * second process is opening the same new file; so wait and retry within the same budget.
 */
async function enableWal(
  database: { pragma(source: string, options?: { simple: boolean }): unknown },
  budgetMs: number,
) {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0; ; attempt++) {
    try {
      if (database.pragma('journal_mode', { simple: true }) !== 'wal') database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error;
      await sleep(Math.min(100, 5 * 2 ** attempt));
    }
  }
}

async function openDatabase(
  filename: string,
  busyTimeoutMs: number,
  synchronous: SqliteSynchronous,
): Promise<SqliteDatabase> {
  const { default: Database } = await import('better-sqlite3');
  const database = new Database(filename);
  database.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  // A per-connection setting, not stored in the file: set on every open. better-sqlite3's
  // default in WAL mode (NORMAL) does not sync commits, so acknowledged events could be lost.
  database.pragma(`synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
  // Also per connection: how long the write-ahead log grows before a commit copies it into the
  // database file (see WAL_AUTOCHECKPOINT_PAGES).
  database.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  // WAL lets readers (exports) run while another process writes.
  if (filename !== ':memory:' && filename !== '') await enableWal(database, busyTimeoutMs);
  return database as unknown as SqliteDatabase;
}

/**
 * Whether every migration is recorded: the usual start-up, answered by two reads without the
 * write lock, so a store opens while another connection holds a long write transaction (or, on
 * the application's own connection, while it is inside one).
 */
async function isMigrated(db: Kysely<AuditDatabase>): Promise<boolean> {
  const table = await sql`
    select 1 from sqlite_master where type = 'table' and name = 'auditkit_migration'
  `.execute(db);
  if (table.rows.length === 0) return false;
  const done = await sql<{ name: string }>`select name from auditkit_migration`.execute(db);
  const names = new Set(done.rows.map((row) => row.name));
  return Object.keys(sqliteMigrations).every((name) => names.has(name));
}

/**
 * An AuditKit store on SQLite (better-sqlite3 through kysely). Migrations run when the audit
 * log opens, safely from several processes at once.
 *
 * @example
 * ```ts
 * import { createAuditLog } from '@auditkit/core';
 * import { sqliteStore } from '@auditkit/adapter-sqlite';
 *
 * const auditLog = await createAuditLog({ store: sqliteStore({ filename: 'audit.db' }) });
 * // Faster, but a power loss can drop recently acknowledged events:
 * const scratch = sqliteStore({ filename: 'scratch-audit.db', synchronous: 'normal' });
 * ```
 */
export function sqliteStore(options: SqliteStoreOptions): AuditStore<SqliteTransactionHandle> {
  checkOptions('sqliteStore', options, SQLITE_STORE_OPTIONS);
  warnIfAbortsAtExit();
  const owned = 'filename' in options;
  const database = owned
    ? openDatabase(options.filename, options.busyTimeoutMs ?? 5000, options.synchronous ?? 'full')
    : Promise.resolve(options.database);
  // A rejected open surfaces from open(); until then it must not count as unhandled.
  database.catch(() => undefined);
  const persistent = !owned || options.filename !== ':memory:';
  const db = new Kysely<AuditDatabase>({
    dialect: new SqliteDialect({ database: async () => withStatementCache(await database) }),
  });

  return kyselyStore({
    name: 'sqlite',
    capabilities: {
      persistent,
      // Measured on a 100,000-event export: 1,000-row pages ran at 0.55x of a raw keyset scan,
      // mostly in garbage collection; 200-row pages at 0.9x (docs/benchmarks.md).
      exportPageSize: 200,
    },
    db,
    traits: sqliteTraits,
    // Every connection of `db` is the statement cache, which runs a batch's inserts in one call.
    eachRowQueries: true,
    async migrate() {
      if (await isMigrated(db)) return;
      await db.connection().execute(async (connection) => {
        // IMMEDIATE takes the write lock up front: a second process waits (busy_timeout) and
        // then finds the migrations done, instead of failing to upgrade a read lock.
        await sql`begin immediate`.execute(connection);
        try {
          await migrateToLatest(connection, sqliteMigrations, { disableTransactions: true });
          await sql`commit`.execute(connection);
        } catch (error) {
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        }
      });
    },
    async release() {
      // Kysely's destroy closes the better-sqlite3 handle, which is only ours to close when we opened it.
      if (owned) await db.destroy();
    },
    // An in-memory database AuditKit opened is private to it: no application transaction can be on it.
    ...(persistent ? { bindTransaction: bindSqliteTransaction } : {}),
  });
}
