import type { ApplicationTransaction } from '@auditkit/core/testing';
import pg from 'pg';

/** The application's own table, in the same schema as AuditKit's. */
function appTable(schema: string): string {
  return `"${schema}".app_notes`;
}

/**
 * Creates the application's table unless it exists. `create table if not exists` is not safe
 * against itself: when several processes run it at once, all but one can fail on the catalog's
 * unique index (23505 on pg_type) or see the table appear (42P07). Those errors mean the table
 * is there, which is all the caller needs.
 */
async function createAppTable(client: pg.ClientBase, schema: string): Promise<void> {
  try {
    await client.query(`create table if not exists ${appTable(schema)} (marker text not null)`);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== '23505' && code !== '42P07') throw error;
  }
}

/**
 * Begins a transaction of the application's on a client of `pool`, the handle being that
 * `PoolClient` inside `BEGIN`.
 */
export async function beginOnPool(pool: pg.Pool, schema: string): Promise<ApplicationTransaction> {
  const client = await pool.connect();
  await createAppTable(client, schema);
  await client.query('BEGIN');
  return {
    handle: client,
    async writeAppRow(marker) {
      await client.query(`insert into ${appTable(schema)} (marker) values ($1)`, [marker]);
    },
    async commit() {
      try {
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    },
    async rollback() {
      try {
        await client.query('ROLLBACK');
      } finally {
        client.release();
      }
    },
  };
}

/** Begins a transaction on a new `pg.Client` (not a pool's) connected to `connectionString`. */
export async function beginOnClient(
  connectionString: string,
  schema: string,
): Promise<ApplicationTransaction> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  await createAppTable(client, schema);
  await client.query('BEGIN');
  const end = async (statement: string) => {
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    handle: client,
    async writeAppRow(marker) {
      await client.query(`insert into ${appTable(schema)} (marker) values ($1)`, [marker]);
    },
    commit: () => end('COMMIT'),
    rollback: () => end('ROLLBACK'),
  };
}

/** Committed rows of the application's table holding `marker`. */
export async function countAppRows(
  connectionString: string,
  schema: string,
  marker: string,
): Promise<number> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    await createAppTable(client, schema);
    const result = await client.query<{ n: string }>(
      `select count(*) as n from ${appTable(schema)} where marker = $1`,
      [marker],
    );
    return Number(result.rows[0]?.n);
  } finally {
    await client.end();
  }
}
