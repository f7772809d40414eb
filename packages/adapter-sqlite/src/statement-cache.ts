import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * A better-sqlite3 database for kysely that prepares each SQL text once.
 *
 * Kysely's SQLite driver prepares every query it runs; the write path runs the same few
 * statements over and over, and preparing a 1,000-row `INSERT` costs about as much as running
 * it. The least recently used statements beyond `capacity` are dropped. Statements are reused
 * only after the previous run finished, which holds because AuditKit never streams from SQLite
 * (`iterate` on a statement still being read would throw).
 *
 * @example
 * ```ts
 * const dialect = new SqliteDialect({ database: withStatementCache(new Database('audit.db')) });
 * ```
 */
export function withStatementCache(database: SqliteDatabase, capacity = 64): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached) {
        // Map keeps insertion order: re-inserting marks the statement as most recently used.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next();
        if (!oldest.done) statements.delete(oldest.value);
      }
      return statement;
    },
    close() {
      statements.clear();
      database.close();
    },
  };
}
