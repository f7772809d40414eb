import type { Kysely, QueryCreator } from 'kysely';
import { compiledByShape } from './compiled-by-shape.js';
import { type EachRowAnswer, eachRowQuery } from './each-row-query.js';
import type { AuditDatabase } from './tables.js';

/** One event's columns as `eventToColumns` writes them. */
export type EventColumns = Record<string, unknown>;

/**
 * How {@link eventColumnsInserter} sends a batch's rows:
 * - `'multi-row'`: multi-row `INSERT … RETURNING id` statements (a database across a network);
 * - `'row-by-row'`: one single-row insert each (an in-process database,
 *   `SqlDialectTraits.rowByRowInsert`), a row written when its statement affected one;
 * - `'each-row'`: the same single-row inserts, sent as {@link eachRowQuery}s of up to 64 rows
 *   (only to a connection that runs them).
 *
 * @example
 * ```ts
 * const mode: EventInsertMode = traits.rowByRowInsert ? 'row-by-row' : 'multi-row';
 * ```
 */
export type EventInsertMode = 'multi-row' | 'row-by-row' | 'each-row';

/**
 * Rows per each-row query. Its parameters live until the query has run; a whole 1,000-row batch
 * kept a batch's column values (JSON text included) alive across young-generation collections.
 */
const EACH_ROW_QUERY_ROWS = 64;

/**
 * Inserts rows of event columns with `ON CONFLICT (organization_id, idempotency_key) DO
 * NOTHING` and returns the ids it wrote.
 *
 * Kysely builds and compiles a fresh query tree for every call: for a 1,000-row batch that is
 * 16,000 value nodes, which profiled at a fifth of the SQLite write path. The SQL text depends
 * only on the row count and the column list, so it is compiled once per shape and reused with
 * the batch's values (see {@link compiledByShape}, which tells `onReused` each text it keeps).
 * A row-by-row insert (see {@link EventInsertMode}) never guesses: a driver that does not report
 * a row's affected-row count fails the insert, since reading it as 0 would report a new event as
 * a replay.
 *
 * @example
 * ```ts
 * const insertColumns = eventColumnsInserter(undefined, 'each-row');
 * const insertedIds = await insertColumns(trx, rows, (row) => eventToColumns(row, traits));
 * ```
 */
export function eventColumnsInserter(
  onReused?: (sql: string, parameterCount: number) => void,
  mode: EventInsertMode = 'multi-row',
) {
  const compiled = compiledByShape(onReused);

  /** A row's single-row insert, compiled by kysely once per shape (its column list). */
  function singleRowInsert(
    executor: Kysely<AuditDatabase>,
    row: EventColumns,
    columns: readonly string[],
    shape: string,
  ) {
    return compiled(shape, rowMajorValues([row], columns), () =>
      insertEventColumnsSkippingTaken(executor, [row]).compile(),
    );
  }
  const rowShape = (columns: readonly string[]) => `row:${columns.join(',')}`;

  async function insertRowByRow<Row>(
    executor: Kysely<AuditDatabase>,
    items: readonly Row[],
    toColumns: (item: Row) => EventColumns,
  ): Promise<string[]> {
    let columns: string[] | undefined;
    let shape = '';
    const inserted: string[] = [];
    for (const item of items) {
      // Built one at a time: each row's columns die young instead of outliving the batch.
      const row = toColumns(item);
      if (columns === undefined) {
        columns = Object.keys(row);
        shape = rowShape(columns);
      }
      const { numAffectedRows } = await executor.executeQuery(singleRowInsert(executor, row, columns, shape));
      if (numAffectedRows === undefined)
        throw new Error('the database driver did not report how many rows an insert wrote');
      if (numAffectedRows > 0n) inserted.push(String(row.id));
    }
    return inserted;
  }

  async function insertEachRow<Row>(
    executor: Kysely<AuditDatabase>,
    items: readonly Row[],
    toColumns: (item: Row) => EventColumns,
  ): Promise<string[]> {
    const inserted: string[] = [];
    let columns: string[] | undefined;
    let sql: string | undefined;
    let ids: string[] = [];
    let rows: unknown[][] = [];
    const send = async () => {
      if (sql === undefined || columns === undefined || ids.length === 0) return;
      const { rows: answer } = await executor.executeQuery<EachRowAnswer>(
        eachRowQuery(sql, columns.length, rows),
      );
      const changes = answer[0]?.changes;
      if (!Array.isArray(changes) || changes.length !== ids.length)
        throw new Error('the database driver did not report how many rows each insert wrote');
      for (const [index, id] of ids.entries()) {
        const count = changes[index];
        if (typeof count !== 'number')
          throw new Error('the database driver did not report how many rows an insert wrote');
        if (count > 0) inserted.push(id);
      }
      ids = [];
      rows = [];
    };
    for (const [index, item] of items.entries()) {
      const row = toColumns(item);
      if (columns === undefined) {
        columns = Object.keys(row);
        const shape = rowShape(columns);
        singleRowInsert(executor, row, columns, shape);
        sql = compiled.reusedSql(shape);
      }
      const values = sql === undefined ? undefined : valuesIn(row, columns);
      // A text kysely's parameters did not match, or a row of other columns: the rows before it
      // are sent, and kysely runs the rest row by row.
      if (values === undefined) {
        await send();
        inserted.push(...(await insertRowByRow(executor, items.slice(index), toColumns)));
        return inserted;
      }
      rows.push(values);
      ids.push(String(row.id));
      if (ids.length === EACH_ROW_QUERY_ROWS) await send();
    }
    await send();
    return inserted;
  }

  return async function insertColumns<Row>(
    executor: Kysely<AuditDatabase>,
    items: readonly Row[],
    toColumns: (item: Row) => EventColumns,
  ): Promise<string[]> {
    if (mode === 'each-row') return insertEachRow(executor, items, toColumns);
    if (mode === 'row-by-row') return insertRowByRow(executor, items, toColumns);
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
 * `row`'s values in `columns` order, or `undefined` when `row` has other columns than exactly
 * `columns`. Counted and looked up in place, with no list of its keys: this runs once per event.
 *
 * @example
 * ```ts
 * valuesIn({ a: 1, b: null }, ['a', 'b']); // [1, null]
 * valuesIn({ a: 1, c: 2 }, ['a', 'b']); // undefined
 * ```
 */
export function valuesIn(row: EventColumns, columns: readonly string[]): unknown[] | undefined {
  let keys = 0;
  for (const key in row) if (Object.hasOwn(row, key)) keys++;
  if (keys !== columns.length) return undefined;
  const values = new Array<unknown>(columns.length);
  for (let index = 0; index < columns.length; index++) {
    const column = columns[index] as string;
    const value = row[column];
    // Same count and every column present: the same columns. A row's absent value is null.
    if (value === undefined && !Object.hasOwn(row, column)) return undefined;
    values[index] = value;
  }
  return values;
}

/**
 * The rows' values, row by row in `columns` order (as kysely lists an insert's parameters);
 * `undefined` when a row's columns are not exactly `columns`.
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
    // Exactly these columns: a row with as many but other columns would otherwise be sent under
    // another row's SQL, one column lost and another written as undefined.
    const rowValues = valuesIn(row, columns);
    if (rowValues === undefined) return undefined;
    for (const value of rowValues) values.push(value);
  }
  return values;
}
