import type { ApplicationTransaction } from '@auditkit/core/testing';
import pg from 'pg';

/** The application's own table, in the same schema as AuditKit's. */
function appTable(schema: string): string {
  return `"${schema}".app_notes`;
}

/**
 * Begins a transaction of the application's on a client of `pool`, the handle being that
 * `PoolClient` inside `BEGIN`.
 */
export async function beginOnPool(pool: pg.Pool, schema: string): Promise<ApplicationTransaction> {
  const client = await pool.connect();
  await client.query(`create table if not exists ${appTable(schema)} (marker text not null)`);
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
  await client.query(`create table if not exists ${appTable(schema)} (marker text not null)`);
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
    await client.query(`create table if not exists ${appTable(schema)} (marker text not null)`);
    const result = await client.query<{ n: string }>(
      `select count(*) as n from ${appTable(schema)} where marker = $1`,
      [marker],
    );
    return Number(result.rows[0]?.n);
  } finally {
    await client.end();
  }
}
