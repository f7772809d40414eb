import {
  type AuditDatabase,
  type CallerTransaction,
  isKyselyInstance,
  type KyselyTransactionLike,
  kyselyTransactionExecutor,
  outsideTransaction,
  unacceptedHandle,
} from '@auditkit/kysely-store';
import { Kysely, type SqliteDatabase, SqliteDialect } from 'kysely';
import { withStatementCache } from './statement-cache.js';

/**
 * A better-sqlite3 `Database` the application ran `BEGIN` on (better-sqlite3's own
 * `db.transaction(fn)` runs `fn` synchronously, so it cannot wait for AuditKit: use `BEGIN` /
 * `COMMIT` / `ROLLBACK` statements, or kysely's transactions).
 *
 * @example
 * ```ts
 * const database = new Database('app.db');
 * database.exec('BEGIN IMMEDIATE');
 * const handle: SqliteDatabaseInTransaction = database;
 * ```
 */
export interface SqliteDatabaseInTransaction extends SqliteDatabase {
  /** better-sqlite3's flag: whether the connection is inside a transaction. */
  readonly inTransaction: boolean;
}

/**
 * What `auditLog.withTransaction(handle)` accepts on SQLite: a better-sqlite3 `Database` inside
 * a transaction, or a kysely `Transaction` on SQLite.
 *
 * @example
 * ```ts
 * database.exec('BEGIN IMMEDIATE');
 * await auditLog.withTransaction(database).createEvent(orgId, event);
 * database.exec('COMMIT');
 * ```
 */
export type SqliteTransactionHandle = SqliteDatabaseInTransaction | KyselyTransactionLike;

const ACCEPTED = 'a better-sqlite3 Database inside BEGIN, or a kysely Transaction on SQLite';

const databaseExecutors = new WeakMap<SqliteDatabaseInTransaction, Kysely<AuditDatabase>>();

function isBetterSqliteDatabase(value: unknown): value is SqliteDatabaseInTransaction {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SqliteDatabase).prepare === 'function' &&
    typeof (value as { inTransaction?: unknown }).inTransaction === 'boolean'
  );
}

/** Kysely on the application's connection, preparing each statement once; never closes it. */
function executorOnDatabase(database: SqliteDatabaseInTransaction): Kysely<AuditDatabase> {
  let executor = databaseExecutors.get(database);
  if (!executor) {
    executor = new Kysely<AuditDatabase>({
      dialect: new SqliteDialect({ database: withStatementCache(database) }),
    });
    databaseExecutors.set(database, executor);
  }
  return executor;
}

/**
 * Turns the application's transaction handle into the connection AuditKit writes through. SQLite
 * would quietly start a transaction of its own for a savepoint outside one, so a better-sqlite3
 * handle is checked before every call instead.
 *
 * @example
 * ```ts
 * const caller = bindSqliteTransaction(database);
 * ```
 */
export function bindSqliteTransaction(handle: SqliteTransactionHandle): CallerTransaction {
  if (isKyselyInstance(handle)) return { db: kyselyTransactionExecutor(handle), connection: handle };
  if (isBetterSqliteDatabase(handle)) {
    return {
      db: executorOnDatabase(handle),
      connection: handle,
      // Kysely runs here through AuditKit's statement cache, which runs each-row queries; an
      // application's kysely Transaction prepares SQL through its own driver, and is not sent them.
      eachRowQueries: true,
      assertInTransaction() {
        if (!handle.inTransaction) throw outsideTransaction();
      },
    };
  }
  throw unacceptedHandle('sqlite', ACCEPTED);
}
