import {
  type AuditDatabase,
  type CallerTransaction,
  isKyselyInstance,
  type KyselyTransactionLike,
  kyselyTransactionExecutor,
  unacceptedHandle,
} from '@auditkit/kysely-store';
import { Kysely, PostgresDialect } from 'kysely';

/**
 * A `pg` `Client` or `PoolClient` (or anything with pg's `query(text, values)`), inside `BEGIN`.
 *
 * @example
 * ```ts
 * const client: PgClientLike = await pool.connect();
 * await client.query('BEGIN');
 * ```
 */
export interface PgClientLike {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * A drizzle-orm node-postgres transaction: the `tx` of `db.transaction(async (tx) => …)`.
 *
 * @example
 * ```ts
 * await drizzleDb.transaction(async (tx) => {
 *   const handle: DrizzleTransactionLike = tx;
 * });
 * ```
 */
export interface DrizzleTransactionLike {
  readonly _: { readonly session: unknown };
}

/**
 * What `auditLog.withTransaction(handle)` accepts on PostgreSQL: a kysely `Transaction`, a `pg`
 * client inside `BEGIN`, or a drizzle-orm node-postgres transaction.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => {
 *   await auditLog.withTransaction(trx).createEvent(orgId, event);
 * });
 * ```
 */
export type PostgresTransactionHandle = KyselyTransactionLike | PgClientLike | DrizzleTransactionLike;

const ACCEPTED =
  'a kysely Transaction, a pg Client or PoolClient inside BEGIN, or a drizzle-orm node-postgres transaction';

// Postgres' "no_active_sql_transaction": SAVEPOINT outside a transaction block.
const NO_ACTIVE_TRANSACTION = '25P01';

const clientExecutors = new WeakMap<PgClientLike, Kysely<AuditDatabase>>();

function isPgClient(value: unknown): value is PgClientLike {
  return typeof value === 'object' && value !== null && typeof (value as PgClientLike).query === 'function';
}

/** A pg pool also has `query`, but each call may run on another connection, outside any transaction. */
function isPgPool(value: object): boolean {
  return 'totalCount' in value && 'idleCount' in value;
}

/** Kysely on the one connection of the caller's client; it never releases or ends it. */
function executorOnClient(client: PgClientLike): Kysely<AuditDatabase> {
  let executor = clientExecutors.get(client);
  if (!executor) {
    const borrowed = { query: client.query.bind(client), release: () => undefined };
    // kysely 0.29 also reads the pool's `options` (for cancelling a query); 0.28's type lacks it.
    const pool = { connect: async () => borrowed as never, end: async () => undefined, options: {} };
    executor = new Kysely<AuditDatabase>({ dialect: new PostgresDialect({ pool }) });
    clientExecutors.set(client, executor);
  }
  return executor;
}

/** drizzle keeps the pg client of a transaction on its session (`tx._.session.client`). */
function drizzleClient(handle: unknown): unknown {
  if (typeof handle !== 'object' || handle === null || !('_' in handle)) return undefined;
  const session = (handle as DrizzleTransactionLike)._.session;
  return typeof session === 'object' && session !== null
    ? (session as { client?: unknown }).client
    : undefined;
}

/**
 * Turns the application's transaction handle into the connection AuditKit writes through, its
 * tables qualified with the store's schema.
 *
 * @example
 * ```ts
 * const caller = bindPostgresTransaction(trx, 'audit');
 * ```
 */
export function bindPostgresTransaction(
  handle: PostgresTransactionHandle,
  schema: string,
): CallerTransaction {
  const isOutsideTransaction = (error: unknown) =>
    (error as { code?: unknown } | undefined)?.code === NO_ACTIVE_TRANSACTION;
  if (isKyselyInstance(handle)) {
    return {
      db: kyselyTransactionExecutor(handle).withSchema(schema),
      connection: handle,
      isOutsideTransaction,
    };
  }
  const client = drizzleClient(handle) ?? handle;
  if (isPgClient(client)) {
    if (isPgPool(client)) {
      throw unacceptedHandle(
        'postgres',
        `${ACCEPTED} — not the pool, whose queries may each run on another connection`,
      );
    }
    return { db: executorOnClient(client).withSchema(schema), connection: client, isOutsideTransaction };
  }
  throw unacceptedHandle('postgres', ACCEPTED);
}
