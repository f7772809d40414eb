import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';

/** How many texts a store prepares, and how large each may be (see {@link preparedStatements}). */
export interface PreparedStatementLimits {
  /** Distinct texts prepared per store; texts told after this many run unprepared. */
  maxStatements: number;
  /** Texts with more parameters than this run unprepared (their plans are the largest). */
  maxParameters: number;
}

/**
 * Measured on PostgreSQL 15 (`pg_backend_memory_contexts`): one prepared text of the write path
 * keeps 83–125 kB of plan on its connection for groups of 1–8 events, 207 kB for 32 and 401 kB
 * for 64. Texts of at most 1,000 parameters (groups of up to about 40 events, where parsing is
 * the larger share of a write) and 64 of them keep that under about 16 MB per connection; a
 * group commit at a few dozen callers writes a dozen shapes.
 */
export const DEFAULT_PREPARED_STATEMENT_LIMITS: Readonly<PreparedStatementLimits> = Object.freeze({
  maxStatements: 64,
  maxParameters: 1_000,
});

type QueryFunction = (...args: unknown[]) => unknown;

/**
 * Named (prepared) statements for the SQL texts the store's write path runs over and over
 * (`SqlDialectTraits.reusedStatement`). pg sends an unnamed statement's text on every call, and
 * PostgreSQL parses and plans it each time: for the data-modifying CTE that moves the sequence
 * heads and inserts a group's events, that was most of what integrity added to the server's
 * work per event. A named statement is parsed once per connection; later calls only bind and
 * execute it.
 *
 * The name is a hash of the text, so two stores (or two installed copies of this package)
 * sharing one pool name a text alike and never give one name two texts. Only texts the store
 * told are named; every other query, the application's on a shared pool included, runs as given.
 * A pooler that does not keep a session's prepared statements (PgBouncer before 1.21 in
 * transaction mode) needs `postgresStore({ preparedStatements: false })`.
 *
 * @example
 * ```ts
 * const prepared = preparedStatements();
 * const dialect = new PostgresDialect({ pool: prepared.pool(pool) });
 * const traits = { ...postgresTraits, reusedStatement: prepared.remember };
 * ```
 */
export function preparedStatements(limits: PreparedStatementLimits = DEFAULT_PREPARED_STATEMENT_LIMITS) {
  const names = new Map<string, string>();

  /** Prepares `sql` from now on, within the limits. */
  function remember(sql: string, parameterCount: number): void {
    if (names.has(sql) || names.size >= limits.maxStatements || parameterCount > limits.maxParameters) return;
    names.set(sql, `auditkit_${createHash('sha256').update(sql).digest('base64url').slice(0, 40)}`);
  }

  /** `pool` whose clients run the remembered texts as named statements. */
  function pool(inner: PostgresPool): PostgresPool {
    // kysely 0.29 reads the pool's `options` and `Client` (see guardClientErrors).
    const { Client, options } = inner as { Client?: unknown; options?: unknown };
    const wrapped = {
      ...(Client === undefined ? {} : { Client }),
      ...(options === undefined ? {} : { options }),
      async connect(): Promise<PostgresPoolClient> {
        return namingClient(await inner.connect(), names);
      },
      end: () => inner.end(),
    };
    return wrapped as PostgresPool;
  }

  return { remember, pool };
}

/**
 * `client` with a `query` that names the remembered texts. A proxy rather than a changed client:
 * the client may be the application's (a shared pool), and it goes back to the pool as it came.
 */
function namingClient(client: PostgresPoolClient, names: ReadonlyMap<string, string>): PostgresPoolClient {
  const query = client.query as unknown as QueryFunction;
  const namedQuery: QueryFunction = (...args) => {
    const [text, values] = args;
    const name =
      typeof text === 'string' && args.length === 2 && Array.isArray(values) ? names.get(text) : undefined;
    return name === undefined ? query.apply(client, args) : query.call(client, { name, text, values });
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === 'query') return namedQuery;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
