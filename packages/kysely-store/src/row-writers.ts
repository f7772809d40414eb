import { AuditKitError } from '@auditkit/core';
import type { InsertEventsResult } from '@auditkit/core/store';
import { type Kysely, sql } from 'kysely';
import type { CallerTransaction } from './caller-transaction.js';
import type { AuditDatabase } from './tables.js';

/**
 * How a store runs one `insertEvents` call: `write` inserts the rows on the executor it is given
 * and throws {@link ConflictRollback} when a row conflicts, so that nothing of the call stays.
 *
 * @example
 * ```ts
 * const result = await writer((executor) => writeRows(executor, rows));
 * ```
 */
export type RowWriter = (
  write: (executor: Kysely<AuditDatabase>) => Promise<InsertEventsResult>,
  options?: { withoutTransaction?: boolean },
) => Promise<InsertEventsResult>;

/**
 * Thrown inside a transaction or savepoint when core decided a conflict, so that the call's rows
 * are undone; the caller gets core's outcome.
 *
 * @example
 * ```ts
 * const outcome = decide(facts);
 * if (outcome.status === 'conflict') throw new ConflictRollback(outcome);
 * ```
 */
export class ConflictRollback extends Error {
  constructor(readonly outcome: InsertEventsResult) {
    super('idempotency conflict: rolling back');
  }
}

/**
 * Writes on AuditKit's own connection: a transaction per call of several rows.
 *
 * @example
 * ```ts
 * const writer = ownTransactionWriter(db);
 * ```
 */
export function ownTransactionWriter(db: Kysely<AuditDatabase>): RowWriter {
  return async (write, options) => {
    try {
      // Even one row needs a transaction: the organization's sequence head is locked, the row
      // inserted and the head advanced as one unit (positions in commit order, no gaps). Only
      // the benchmark's unsequenced writes (unsequenced-writes.ts) write one row without one.
      if (options?.withoutTransaction) return await write(db);
      return await db.transaction().execute(write);
    } catch (error) {
      if (error instanceof ConflictRollback) return error.outcome;
      throw error;
    }
  };
}

// One name is enough: calls on one caller connection never overlap (see onCallerTransaction).
const SAVEPOINT = sql.raw('auditkit_write');

/**
 * Writes inside the caller's transaction, each call within its own savepoint: a conflict, or a
 * statement that fails, is rolled back to the savepoint and the caller's transaction goes on
 * (on PostgreSQL a failed statement would otherwise abort the whole transaction). A savepoint
 * also never commits anything, unlike a nested `BEGIN`.
 *
 * @example
 * ```ts
 * const writer = savepointWriter(caller);
 * ```
 */
export function savepointWriter(caller: CallerTransaction): RowWriter {
  const { db } = caller;
  return async (write) => {
    try {
      await sql`savepoint ${SAVEPOINT}`.execute(db);
    } catch (error) {
      if (caller.isOutsideTransaction?.(error)) throw outsideTransaction(error);
      throw error;
    }
    try {
      const result = await write(db);
      await sql`release savepoint ${SAVEPOINT}`.execute(db);
      return result;
    } catch (error) {
      await sql`rollback to savepoint ${SAVEPOINT}`.execute(db);
      await sql`release savepoint ${SAVEPOINT}`.execute(db);
      if (error instanceof ConflictRollback) return error.outcome;
      throw error;
    }
  };
}

/**
 * The error for a handle whose connection is not inside a transaction: AuditKit never begins one
 * on the application's connection, and writing outside it would silently not be atomic.
 *
 * @example
 * ```ts
 * if (!database.inTransaction) throw outsideTransaction();
 * ```
 */
export function outsideTransaction(cause?: unknown): AuditKitError {
  return new AuditKitError(
    'invalid_request',
    'The handle passed to withTransaction is not inside a transaction: begin one (BEGIN) on that connection first; AuditKit never begins, commits or rolls back the application’s transaction',
    cause === undefined ? {} : { cause },
  );
}
