import { type Kysely, sql } from 'kysely';
import { compiledByShape } from './compiled-by-shape.js';
import { type EventColumns, insertEventColumns, rowMajorValues } from './event-insert.js';
import type { AuditDatabase } from './tables.js';

/**
 * The key of a switch every kysely store carries, for `pnpm bench` only: calling
 * `store[UNSEQUENCED_FOR_BENCHMARKS]()` before the store is used makes its own writes as they
 * were before the commit-ordered sequence (migration 0004_event_sequence): no head row locked,
 * no chain links computed or written, no positions, and a single row without a transaction. The
 * benchmark measures what tamper evidence costs against exactly that. A store switched off
 * breaks the sequence, `verify` and log streams (its events have no positions), which is why no
 * option, type or README names it and it is reached only through this symbol.
 *
 * @example
 * ```ts
 * const store = sqliteStore({ filename });
 * (store as unknown as Record<symbol, () => void>)[Symbol.for('@auditkit/kysely-store: unsequenced writes, benchmarks only')]?.();
 * ```
 */
export const UNSEQUENCED_FOR_BENCHMARKS: unique symbol = Symbol.for(
  '@auditkit/kysely-store: unsequenced writes, benchmarks only',
);

/** Whether a store's own writes sequence events (always, unless the benchmark switched it off). */
export interface SequencingSwitch {
  on: boolean;
}

/**
 * For the benchmark's integrity-off side only: the rows' insert as one statement outside a
 * transaction that writes every row or none (it divides by zero when a key was taken), as
 * `sequenceHeadStatements().advanceFromWithAllRows` writes a small group with integrity on, so
 * the two sides differ by the sequence's work and not by round trips.
 *
 * @example
 * ```ts
 * const insertAll = unsequencedWholeInsert();
 * await insertAll(db, rows.map((row) => eventToColumns(row, traits)));
 * ```
 */
export function unsequencedWholeInsert(onReused?: (sql: string, parameterCount: number) => void) {
  const compiled = compiledByShape(onReused);
  return async function insertAll(
    executor: Kysely<AuditDatabase>,
    rows: readonly EventColumns[],
  ): Promise<void> {
    const columns = Object.keys(rows[0] ?? {});
    const query = compiled(`${rows.length}:${columns.join(',')}`, rowMajorValues(rows, columns), () =>
      executor
        .with('inserted', (db) => insertEventColumns(db, rows))
        .selectNoFrom(
          sql<number>`1 / (case when (select count(*) from inserted) = ${sql.lit(rows.length)} then 1 else 0 end)`.as(
            'whole',
          ),
        )
        .compile(),
    );
    await executor.executeQuery(query);
  };
}
