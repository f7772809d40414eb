import type { PostgresCursor, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/**
 * The application's pool as the slice of pg's API the store uses (kysely 0.29 also reads
 * `options`), telling `record` each statement before pg runs it. It does not stream: kysely
 * passes a cursor only when its dialect was given one.
 */
export function recordingPool(pool: pg.Pool, record: (sql: string, parameters: readonly unknown[]) => void) {
  function recordingClient(client: pg.PoolClient): PostgresPoolClient {
    function query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
    function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function query(
      sql: string | PostgresCursor<unknown>,
      parameters: readonly unknown[] = [],
    ): Promise<unknown> | PostgresCursor<unknown> {
      if (typeof sql !== 'string') throw new Error('this test pool does not stream');
      record(sql, parameters);
      return client.query(sql, [...parameters]);
    }
    return { query, release: (destroy) => client.release(destroy) };
  }
  return {
    connect: async () => recordingClient(await pool.connect()),
    end: () => pool.end(),
    options: pool.options,
  };
}
