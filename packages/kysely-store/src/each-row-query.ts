import { CompiledQuery } from 'kysely';

// A line comment: were the query ever to reach a connection that does not know it, SQLite would
// be handed the rows themselves as the single-row statement's values and refuse them (an array is
// no value it can bind), never write one row of them silently.
const PREFIX = '-- auditkit:each-row ';

/**
 * What a connection answers to an {@link eachRowQuery}: one row whose `changes` lists the
 * affected-row count of each run, in the order of the rows.
 *
 * @example
 * ```ts
 * const { rows } = await executor.executeQuery<EachRowAnswer>(eachRowQuery(sql, 19, rowValues));
 * ```
 */
export interface EachRowAnswer {
  changes: number[];
}

/**
 * A query asking the connection to run the single-row statement `sql` once for each of `rows`
 * (each an array of the statement's `width` values), in order, in one call, and answer an
 * {@link EachRowAnswer}. The query's parameters are the rows themselves: a connection runs each
 * as it is, with no copy of its values.
 *
 * For an in-process database (SQLite), where a statement costs no round trip, a batch's events
 * are inserted one single-row statement each (`SqlDialectTraits.rowByRowInsert`); sent through
 * kysely one by one, each row paid ~2 µs of kysely's executor and promises, as much as a fifth of
 * SQLite's own work on the row (docs/benchmarks.md, twelfth round). Only connections that know
 * this query may be sent it: AuditKit's statement cache on a better-sqlite3 database
 * (`KyselyStoreConfig.eachRowQueries`, `CallerTransaction.eachRowQueries`).
 *
 * @example
 * ```ts
 * const query = eachRowQuery('insert into t (a, b) values (?, ?)', 2, [[1, 'x'], [2, 'y']]);
 * ```
 */
export function eachRowQuery(
  sql: string,
  width: number,
  rows: readonly (readonly unknown[])[],
): CompiledQuery {
  return CompiledQuery.raw(`${PREFIX}${width}\n${sql}`, rows as unknown[]);
}

/**
 * The single-row statement and row width of an {@link eachRowQuery}'s SQL; `undefined` for any
 * other SQL.
 *
 * @example
 * ```ts
 * const eachRow = parseEachRowQuery(sql);
 * if (eachRow) return eachRowStatement(database.prepare(eachRow.sql), eachRow.width);
 * ```
 */
export function parseEachRowQuery(sql: string): { sql: string; width: number } | undefined {
  if (!sql.startsWith(PREFIX)) return undefined;
  const newline = sql.indexOf('\n', PREFIX.length);
  const width = Number(sql.slice(PREFIX.length, newline));
  if (newline < 0 || !Number.isInteger(width) || width < 1) {
    throw new Error(`malformed each-row query: ${sql.slice(0, 80)}`);
  }
  return { sql: sql.slice(newline + 1), width };
}
