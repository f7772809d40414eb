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
