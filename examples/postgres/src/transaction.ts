// AuditKit inside the application's own PostgreSQL transaction: an account's plan change and its
// audit event commit together, or roll back together, on one pg client inside BEGIN.
// Run with `pnpm example:postgres-transaction` from the repository root (it starts the local
// server when it is down), or set DATABASE_URL.
import { postgresStore } from '@auditkit/adapter-postgres';
import { createAuditLog, isAuditKitError } from '@auditkit/core';
import pg from 'pg';

const ORGANIZATION = 'org_example_transactions';
const connectionString = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const pool = new pg.Pool({ connectionString });
await pool.query('create schema if not exists example_app');
await pool.query('create table if not exists example_app.accounts (id text primary key, plan text not null)');
await pool.query(
  "insert into example_app.accounts (id, plan) values ('acct_1', 'free') on conflict (id) do update set plan = 'free'",
);

// AuditKit borrows connections from the application's pool (and never ends it).
const auditLog = await createAuditLog({ store: postgresStore({ pool, schema: 'auditkit_example' }) });
await auditLog.createSchema({
  action: 'account.plan_changed',
  targets: [{ type: 'account' }],
  metadata: { from: 'string', to: 'string' },
});

async function planOf(id: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ plan: string }>('select plan from example_app.accounts where id = $1', [
    id,
  ]);
  return rows[0]?.plan;
}

/** Changes an account's plan and records who did it, in one transaction on one client. */
async function changePlan(accountId: string, plan: string, requestId: string, chargeCard: () => void) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ plan: string }>(
      'select plan from example_app.accounts where id = $1 for update',
      [accountId],
    );
    await client.query('update example_app.accounts set plan = $1 where id = $2', [plan, accountId]);
    const event = await auditLog.withTransaction(client).createEvent(
      ORGANIZATION,
      {
        action: 'account.plan_changed',
        occurredAt: new Date(),
        actor: { type: 'user', id: 'user_42', name: 'Ada' },
        targets: [{ type: 'account', id: accountId }],
        context: { location: '203.0.113.7' },
        metadata: { from: rows[0]?.plan ?? 'none', to: plan },
      },
      // One key per request: a retried request replays instead of recording the change twice.
      { idempotencyKey: requestId },
    );
    chargeCard();
    await client.query('COMMIT');
    return event;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

const run = Date.now().toString(36);
const committed = await changePlan('acct_1', 'pro', `req-${run}-1`, () => undefined);
console.log(`committed: plan is ${await planOf('acct_1')}; audit event ${committed.id} recorded`);

try {
  await changePlan('acct_1', 'enterprise', `req-${run}-2`, () => {
    throw new Error('card declined');
  });
} catch (error) {
  console.log(`rolled back (${(error as Error).message}): plan is still ${await planOf('acct_1')}`);
}
const rolledBack = await pool.query(
  'select 1 from auditkit_example.auditkit_events where organization_id = $1 and idempotency_key = $2',
  [ORGANIZATION, `req-${run}-2`],
);
console.log(`audit events for the rolled-back change: ${rolledBack.rows.length}`);

// The rolled-back request's key was never committed: the retry records the change as new.
const retried = await changePlan('acct_1', 'enterprise', `req-${run}-2`, () => undefined);
console.log(`retried request: plan is ${await planOf('acct_1')}; replayed: ${retried.replayed}`);

const client = await pool.connect();
try {
  // Without BEGIN, AuditKit's savepoint is refused by PostgreSQL: nothing is written outside a transaction.
  await auditLog.withTransaction(client).createEvent(ORGANIZATION, {
    action: 'account.plan_changed',
    occurredAt: new Date(),
    actor: { type: 'user', id: 'user_42' },
    targets: [{ type: 'account', id: 'acct_1' }],
    context: { location: '203.0.113.7' },
  });
} catch (error) {
  if (!isAuditKitError(error)) throw error;
  console.log(`outside a transaction: ${error.code}`);
} finally {
  client.release();
}

await auditLog.close();
await pool.end();
