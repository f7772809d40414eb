import type pg from 'pg';

// Child processes take a second or more to boot, far longer than a migration or a write: without
// a barrier, the first ones would be done before the last ones start and nothing would race.
// The parent holds an advisory lock; every child queues for it and, once all are queued, the
// parent releases it so they all proceed in the same instant.

const BARRIER_ENV = 'AUDITKIT_TEST_BARRIER';

/** Holds the barrier closed until `release(children)` sees that many children waiting at it. */
export async function closeStartBarrier(
  pool: pg.Pool,
  key: number,
): Promise<{ env: NodeJS.ProcessEnv; release(children: number): Promise<void> }> {
  const gate = await pool.connect();
  await gate.query('select pg_advisory_lock($1)', [key]);
  return {
    env: { [BARRIER_ENV]: String(key) },
    async release(children) {
      // Booting eight TypeScript processes took over a minute on the 2-core machine under load;
      // the tests around this allow four.
      const deadline = Date.now() + 180_000;
      try {
        for (;;) {
          const { rows } = await gate.query<{ waiting: number }>(
            `select count(*)::int as waiting from pg_locks
             where locktype = 'advisory' and classid = 0 and objid = $1 and not granted
               and database = (select oid from pg_database where datname = current_database())`,
            [key],
          );
          if (rows[0]?.waiting === children) break;
          if (Date.now() > deadline)
            throw new Error(`only ${rows[0]?.waiting} of ${children} processes reached the start barrier`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        await gate.query('select pg_advisory_unlock($1)', [key]);
      } finally {
        // Discarded, not returned to the pool: should the wait above fail, ending the session is
        // what frees the lock (and the children queued on it).
        gate.release(true);
      }
    },
  };
}

/** In a child: waits until the parent opens the barrier (returns at once when there is none). */
export async function passStartBarrier(pool: pg.Pool): Promise<void> {
  const key = process.env[BARRIER_ENV];
  if (key === undefined) return;
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock_shared($1)', [key]);
    await client.query('select pg_advisory_unlock_shared($1)', [key]);
  } finally {
    client.release();
  }
}
