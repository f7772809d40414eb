import { type EachRowAnswer, parseEachRowQuery } from '@auditkit/kysely-store';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** better-sqlite3's statement, which says whether an `iterate()` over it is still being read. */
type TrackedStatement = SqliteStatement & { readonly busy?: boolean };

/**
 * A better-sqlite3 database for kysely that prepares each SQL text once.
 *
 * Kysely's SQLite driver prepares every query it runs; the write path runs the same few
 * statements over and over, and preparing a 1,000-row `INSERT` costs about as much as running
 * it. The least recently used statements beyond `capacity` are dropped.
 *
 * One statement can run only one query at a time: while a kysely `stream()` is still reading it
 * (`iterate`), running it again would throw. So a cached statement is handed out only when it
 * reports itself idle (`busy === false`); a busy one is left to its reader and the SQL prepared
 * afresh. A driver whose statements do not report `busy` gets no caching at all.
 *
 * It also runs an `eachRowQuery` (kysely-store): its single-row statement once per row, in one
 * call from kysely, answering each run's affected-row count (see {@link eachRowStatement}).
 *
 * @example
 * ```ts
 * const dialect = new SqliteDialect({ database: withStatementCache(new Database('audit.db')) });
 * ```
 */
export function withStatementCache(database: SqliteDatabase, capacity = 64): SqliteDatabase {
  const statements = new Map<string, TrackedStatement>();
  // The statement handed out last, already the most recently used entry: a batch inserted row by
  // row asks for the same text a thousand times in a row, and needs no reordering of the map.
  let lastSql: string | undefined;
  let lastStatement: TrackedStatement | undefined;
  const remember = (sql: string, statement: TrackedStatement) => {
    lastSql = sql;
    lastStatement = statement;
    return statement;
  };
  return {
    prepare(sql) {
      if (sql === lastSql && lastStatement?.busy === false) return lastStatement;
      const eachRow = parseEachRowQuery(sql);
      if (eachRow) return eachRowStatement(this.prepare(eachRow.sql), eachRow.width);
      const cached = statements.get(sql);
      if (cached && cached.busy === false) {
        // Map keeps insertion order: re-inserting marks the statement as most recently used.
        statements.delete(sql);
        statements.set(sql, cached);
        return remember(sql, cached);
      }
      const statement: TrackedStatement = database.prepare(sql);
      // A statement still being read stays with its reader; the fresh one takes its place.
      if (typeof statement.busy !== 'boolean') return statement;
      statements.delete(sql);
      statements.set(sql, statement);
      if (statements.size > capacity) {
        const oldest = statements.keys().next();
        if (!oldest.done) statements.delete(oldest.value);
      }
      return remember(sql, statement);
    },
    close() {
      statements.clear();
      lastSql = undefined;
      lastStatement = undefined;
      database.close();
    },
  };
}

/**
 * The statement kysely runs for an `eachRowQuery`: a reader, so kysely calls `all` with the
 * query's rows and hands back what it returns, one {@link EachRowAnswer}. Each row, an array of
 * `statement`'s `width` values, runs it once, in order, on the connection's current transaction;
 * the first that fails stops the rest and fails the query (the caller's transaction rolls back
 * what ran before it, as it would one kysely query per row). Rows that are not all such arrays
 * are refused before any runs.
 *
 * @example
 * ```ts
 * const statement = eachRowStatement(database.prepare('insert into t (a) values (?)'), 1);
 * statement.all([[1], [2], [3]]); // [{ changes: [1, 1, 1] }]
 * ```
 */
export function eachRowStatement(statement: SqliteStatement, width: number): SqliteStatement {
  const notSupported = () => {
    throw new TypeError('an each-row query runs only through all()');
  };
  return {
    reader: true,
    all(rows): EachRowAnswer[] {
      for (const row of rows) {
        if (!Array.isArray(row) || row.length !== width) {
          throw new RangeError(`an each-row query's rows are arrays of ${width} values`);
        }
      }
      const changes = new Array<number>(rows.length);
      for (let index = 0; index < rows.length; index++) {
        changes[index] = Number(statement.run(rows[index] as unknown[]).changes);
      }
      return [{ changes }];
    },
    run: notSupported,
    iterate: notSupported,
  };
}
