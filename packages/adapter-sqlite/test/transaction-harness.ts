import type { ApplicationTransaction } from '@auditkit/core/testing';
import Database from 'better-sqlite3';

/** The application's own table, in the same file as AuditKit's. */
export const APP_TABLE_SQL = 'create table if not exists app_notes (marker text not null)';

/**
 * Begins a transaction of the application's on `database` (a better-sqlite3 connection), the way
 * an application that awaits inside it must: `BEGIN IMMEDIATE`, not `database.transaction(fn)`,
 * whose `fn` runs synchronously.
 */
export function beginOn(
  database: Database.Database,
  onEnd: () => void = () => undefined,
): ApplicationTransaction {
  database.exec(APP_TABLE_SQL);
  database.exec('BEGIN IMMEDIATE');
  return {
    handle: database,
    async writeAppRow(marker) {
      database.prepare('insert into app_notes (marker) values (?)').run(marker);
    },
    async commit() {
      database.exec('COMMIT');
      onEnd();
    },
    async rollback() {
      database.exec('ROLLBACK');
      onEnd();
    },
  };
}

/** Opens a connection of the application's own to `filename` and begins a transaction on it. */
export function beginOnFile(filename: string, busyTimeoutMs = 5000): ApplicationTransaction {
  const database = new Database(filename);
  database.pragma(`busy_timeout = ${busyTimeoutMs}`);
  return beginOn(database, () => database.close());
}

/** Committed rows of the application's table holding `marker`. */
export function countAppRows(filename: string, marker: string): number {
  const database = new Database(filename);
  try {
    database.exec(APP_TABLE_SQL);
    const row = database.prepare('select count(*) as n from app_notes where marker = ?').get(marker) as {
      n: number;
    };
    return row.n;
  } finally {
    database.close();
  }
}
