import type { PostgresPool, PostgresPoolClient } from 'kysely';

type ErrorEmitter = { on?(event: 'error', listener: (error: Error) => void): unknown };

const guarded = new WeakSet<object>();

/**
 * Wraps a pool so that every client AuditKit checks out has an `'error'` listener. When the
 * server ends a backend between two statements (a restart, `pg_terminate_backend`, a failover),
 * pg emits `'error'` on the checked-out client; with no listener Node turns that into an
 * uncaught exception that kills the application. The failure still reaches the caller: the next
 * query on that client rejects, and the store reports it as `storage_error`.
 *
 * @example
 * ```ts
 * const dialect = new PostgresDialect({ pool: guardClientErrors(pool) });
 * ```
 */
export function guardClientErrors(pool: PostgresPool): PostgresPool {
  // kysely 0.29 reads the pool's `options` and `Client` to cancel a query on a connection of
  // its own; kysely 0.28's type has neither, so they are read and forwarded untyped.
  const { Client, options } = pool as { Client?: unknown; options?: unknown };
  const wrapped = {
    ...(Client === undefined ? {} : { Client }),
    ...(options === undefined ? {} : { options }),
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      const emitter = client as unknown as ErrorEmitter;
      if (!guarded.has(client) && typeof emitter.on === 'function') {
        emitter.on('error', () => undefined);
        guarded.add(client);
      }
      return client;
    },
    end: () => pool.end(),
  };
  return wrapped as PostgresPool;
}
