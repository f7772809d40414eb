import type { Expression, SqlBool } from 'kysely';
import type { SqlSchemaTraits } from './migrations.js';

/**
 * What differs between the SQL databases AuditKit runs on; everything else is shared.
 *
 * @example
 * ```ts
 * const traits: SqlDialectTraits = {
 *   encodeTime: (date) => date.getTime(),
 *   decodeTime: (value) => new Date(Number(value)),
 *   encodeJson: (value) => JSON.stringify(value),
 *   decodeJson: (value) => JSON.parse(String(value)),
 *   hasTargetType: (types) => sql<SqlBool>`exists (select 1 from json_each(targets) where value ->> 'type' in (${sql.join(types)}))`,
 *   extraEventColumns: () => ({}),
 *   maxRowsPerInsert: 500,
 *   schema: { timeType: 'integer', jsonType: 'text', countType: 'integer' },
 * };
 * ```
 */
export interface SqlDialectTraits {
  encodeTime(date: Date): unknown;
  decodeTime(value: unknown): Date;
  encodeJson(value: unknown): unknown;
  decodeJson(value: unknown): unknown;
  /** A predicate on `auditkit_events`: some target has one of `types`. */
  hasTargetType(types: string[]): Expression<SqlBool>;
  /** Dialect-only columns written with each event (e.g. Postgres' `target_types` array). */
  extraEventColumns(targets: { type: string }[]): Record<string, unknown>;
  /** Rows per multi-row `INSERT`, to stay under the database's bound-parameter limit. */
  maxRowsPerInsert: number;
  /**
   * Set for an in-process database (SQLite), where a statement costs no round trip: events are
   * inserted one prepared single-row statement each, the rows written known from each statement's
   * affected-row count, instead of one multi-row `INSERT … RETURNING`. The driver MUST report
   * affected rows (`numAffectedRows`); an insert that does not is an error, never a replay. A
   * connection that runs an `eachRowQuery` (`KyselyStoreConfig.eachRowQueries`) is sent a
   * batch's single-row inserts as one query.
   */
  rowByRowInsert?: boolean;
  /**
   * Set where the database runs data-modifying CTEs (PostgreSQL): a small write that continues
   * from sequence heads this process remembers moves them and inserts its rows in one statement,
   * outside a transaction: one round trip instead of three. The statement writes everything or
   * nothing. `isIncomplete` recognises its refusal when a head had moved or a row's key was taken
   * (it divides by zero), `isPositionTaken` the error of a row whose position another writer
   * holds (`auditkit_events_sequence`); after either the write is done in a transaction from
   * the heads in the database.
   */
  headAdvanceWithInsert?: {
    isIncomplete(error: unknown): boolean;
    isPositionTaken(error: unknown): boolean;
  };
  /**
   * Told once per store of each SQL text the write path keeps and runs again with other
   * parameters (the event insert and the sequence-head statements, one text per shape: row and
   * head count), with its parameter count. PostgreSQL's store prepares these texts on each of its
   * connections, so the server parses and plans them once per connection instead of on every
   * write. Texts run on other connections (a caller's transaction) are unaffected.
   */
  reusedStatement?(sql: string, parameterCount: number): void;
  /** Column types and dialect-only schema, from which the shared migrations build its tables. */
  schema: SqlSchemaTraits;
}
