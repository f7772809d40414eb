import { AuditKitError } from '@auditkit/core';
import { type AuditStore, transactionQueue } from '@auditkit/core/store';
import type { Kysely } from 'kysely';
import type { AuditDatabase } from './tables.js';

/**
 * The application's transaction as the store uses it; an adapter builds one from the handle the
 * application passes to `withTransaction`.
 *
 * @example
 * ```ts
 * const caller: CallerTransaction = {
 *   db: trx.withoutPlugins().withSchema('audit'),
 *   connection: trx,
 *   isOutsideTransaction: (error) => (error as { code?: string }).code === '25P01',
 * };
 * ```
 */
export interface CallerTransaction {
  /** Runs every query on the connection that holds the caller's transaction. */
  db: Kysely<AuditDatabase>;
  /**
   * The caller's connection. Calls through every store bound to it run one after another, so one
   * call's savepoint never brackets another call's statements.
   */
  connection: object;
  /** Throws `invalid_request` when the connection is not inside a transaction; run before each call. */
  assertInTransaction?(): void;
  /** Whether a database error means the connection is outside a transaction (e.g. Postgres `25P01`). */
  isOutsideTransaction?(error: unknown): boolean;
  /**
   * Set when `db` runs an `eachRowQuery` (AuditKit's statement cache on the application's
   * better-sqlite3 database; never a kysely `Transaction` of the application's, whose driver
   * prepares the SQL as it is).
   */
  eachRowQueries?: boolean;
}

/**
 * The store methods that read or write audit data: the ones a store bound to a caller's
 * transaction runs on that transaction (leases and log streams stay on AuditKit's own pool).
 *
 * @example
 * ```ts
 * const methods: DataMethods = storeOn(transactionExecutor, traits, writer);
 * ```
 */
export type DataMethods = Omit<
  AuditStore,
  | 'name'
  | 'capabilities'
  | 'open'
  | 'close'
  | 'withTransaction'
  | 'acquireLease'
  | 'releaseLease'
  | 'insertLogStream'
  | 'getLogStream'
  | 'listLogStreams'
  | 'updateLogStream'
  | 'deleteLogStream'
>;

/** One queue per caller transaction: its calls run one after another. */
const serialized = transactionQueue();

/**
 * Wraps a store's data methods for the caller's transaction: each call waits for the previous
 * one on the same connection, and first checks that the connection is still in a transaction.
 *
 * @example
 * ```ts
 * const bound = onCallerTransaction(caller, storeOn(caller.db, traits, savepointWriter(caller)));
 * ```
 */
export function onCallerTransaction(caller: CallerTransaction, methods: DataMethods): DataMethods {
  const guarded = {} as Record<string, unknown>;
  for (const [key, member] of Object.entries(methods)) {
    if (typeof member !== 'function') continue;
    guarded[key] = (...args: unknown[]) =>
      serialized(caller.connection, async () => {
        caller.assertInTransaction?.();
        return (member as (...a: unknown[]) => Promise<unknown>)(...args);
      });
  }
  return guarded as unknown as DataMethods;
}

/**
 * The part of a kysely `Transaction` (of any database type) the store needs.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   const handle: KyselyTransactionLike = trx;
 * });
 * ```
 */
export interface KyselyTransactionLike {
  readonly isTransaction: boolean;
  withoutPlugins(): unknown;
}

/**
 * Whether `handle` is a kysely instance (a transaction or not).
 *
 * @example
 * ```ts
 * if (isKyselyInstance(handle)) return { db: kyselyTransactionExecutor(handle), connection: handle };
 * ```
 */
export function isKyselyInstance(handle: unknown): handle is KyselyTransactionLike {
  return (
    typeof handle === 'object' &&
    handle !== null &&
    typeof (handle as { isTransaction?: unknown }).isTransaction === 'boolean' &&
    typeof (handle as { withoutPlugins?: unknown }).withoutPlugins === 'function'
  );
}

/**
 * The executor of a kysely `Transaction`, without the application's plugins (a `CamelCasePlugin`
 * would rename AuditKit's columns). Refuses a `Kysely` that is not a transaction: writing through
 * it would not be atomic with anything.
 *
 * @example
 * ```ts
 * const executor = kyselyTransactionExecutor(trx).withSchema('audit');
 * ```
 */
export function kyselyTransactionExecutor(handle: KyselyTransactionLike): Kysely<AuditDatabase> {
  if (!handle.isTransaction) {
    throw new AuditKitError(
      'invalid_request',
      'withTransaction needs a kysely Transaction (the `trx` of db.transaction().execute(async (trx) => …)), not the Kysely instance itself',
    );
  }
  return handle.withoutPlugins() as Kysely<AuditDatabase>;
}

/**
 * The error for a handle the store does not know.
 *
 * @example
 * ```ts
 * throw unacceptedHandle('postgres', 'a kysely Transaction, a pg client inside BEGIN or a drizzle transaction');
 * ```
 */
export function unacceptedHandle(storeName: string, accepted: string): AuditKitError {
  return new AuditKitError(
    'invalid_request',
    `The ${storeName} store cannot write through this withTransaction handle; pass ${accepted}`,
  );
}
