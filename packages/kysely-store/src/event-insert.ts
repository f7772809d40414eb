import type { Kysely, QueryCreator } from 'kysely';
import { compiledByShape } from './compiled-by-shape.js';
import type { AuditDatabase } from './tables.js';

/** One event's columns as `eventToColumns` writes them. */
export type EventColumns = Record<string, unknown>;

/**
 * Inserts rows of event columns with `ON CONFLICT (organization_id, idempotency_key) DO
 * NOTHING` and returns the ids it wrote.
 *
 * Kysely builds and compiles a fresh query tree for every call: for a 1,000-row batch that is
 * 16,000 value nodes, which profiled at a fifth of the SQLite write path. The SQL text depends
 * only on the row count and the column list, so it is compiled once per shape and reused with
 * the batch's values (see {@link compiledByShape}, which tells `onReused` each text it keeps).
 *
 * With `rowByRow` (an in-process database, `SqlDialectTraits.rowByRowInsert`), each row is its
 * own single-row insert without `RETURNING`, and a row was written when its statement reports one
 * affected row.
 *
 * @example
 * ```ts
 * const insertColumns = eventColumnsInserter();
 * const insertedIds = await insertColumns(trx, rows, (row) => eventToColumns(row, traits));
 * ```
 */
export function eventColumnsInserter(
  onReused?: (sql: string, parameterCount: number) => void,
  rowByRow = false,
) {
  const compiled = compiledByShape(onReused);

  return async function insertColumns<Row>(
    executor: Kysely<AuditDatabase>,
    items: readonly Row[],
    toColumns: (item: Row) => EventColumns,
  ): Promise<string[]> {
    if (rowByRow) {
      let columns: string[] | undefined;
      let shape = '';
      const inserted: string[] = [];
      for (const item of items) {
        // Built one at a time: each row's columns die young instead of outliving the batch.
        const row = toColumns(item);
        if (columns === undefined) {
          columns = Object.keys(row);
          shape = `row:${columns.join(',')}`;
        }
        const query = compiled(shape, rowMajorValues([row], columns), () =>
          insertEventColumnsSkippingTaken(executor, [row]).compile(),
        );
        const { numAffectedRows } = await executor.executeQuery(query);
        // Never guess: reading a missing count as 0 would report a new event as a replay.
        if (numAffectedRows === undefined)
          throw new Error('the database driver did not report how many rows an insert wrote');
        if (numAffectedRows > 0n) inserted.push(String(row.id));
      }
      return inserted;
    }
    const rows = items.map(toColumns);
    const columns = Object.keys(rows[0] ?? {});
    const query = compiled(`${rows.length}:${columns.join(',')}`, rowMajorValues(rows, columns), () =>
      insertEventColumns(executor, rows).compile(),
    );
    const { rows: inserted } = await executor.executeQuery<{ id: string }>(query);
    return inserted.map((row) => row.id);
  };
}

/**
 * The insert of rows of event columns that skips rows whose `(organization_id, idempotency_key)`
 * is taken and returns the ids it wrote: run alone, or inside a statement's CTE.
 *
 * @example
 * ```ts
 * const query = insertEventColumns(db, rows).compile();
 * ```
 */
export function insertEventColumns<DB extends AuditDatabase>(
  db: QueryCreator<DB>,
  rows: readonly EventColumns[],
) {
  return insertEventColumnsSkippingTaken(db, rows).returning('id');
}

/**
 * The insert of rows of event columns that skips rows whose `(organization_id, idempotency_key)`
 * is taken, returning nothing: its affected-row count says how many it wrote.
 *
 * @example
 * ```ts
 * const { numInsertedOrUpdatedRows } = await insertEventColumnsSkippingTaken(db, [columns]).executeTakeFirstOrThrow();
 * ```
 */
export function insertEventColumnsSkippingTaken<DB extends AuditDatabase>(
  db: QueryCreator<DB>,
  rows: readonly EventColumns[],
) {
  // A CTE's query creator also knows the statement's earlier CTEs; the insert names only ours.
  return (db as unknown as QueryCreator<AuditDatabase>)
    .insertInto('auditkit_events')
    .values(rows as never)
    .onConflict((conflict) => conflict.columns(['organization_id', 'idempotency_key']).doNothing());
}

/**
 * The rows' values, row by row in `columns` order (as kysely lists an insert's parameters);
 * `undefined` when the rows' columns differ.
 *
 * @example
 * ```ts
 * rowMajorValues([{ a: 1, b: 2 }, { a: 3, b: 4 }], ['a', 'b']); // [1, 2, 3, 4]
 * ```
 */
export function rowMajorValues(
  rows: readonly EventColumns[],
  columns: readonly string[],
): unknown[] | undefined {
  const values: unknown[] = [];
  for (const row of rows) {
    if (Object.keys(row).length !== columns.length) return undefined;
    for (const column of columns) values.push(row[column]);
  }
  return values;
}
