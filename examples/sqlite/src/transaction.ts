// AuditKit inside the application's own SQLite transaction: an account's plan change and its
// audit event commit together, or roll back together. AuditKit's tables live in the same file as
// the application's, on the application's own better-sqlite3 connection.
// Run with `pnpm example:sqlite-transaction` from the repository root.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sqliteStore } from '@auditkit/adapter-sqlite';
import { createAuditLog, isAuditKitError } from '@auditkit/core';
import Database from 'better-sqlite3';

const ORGANIZATION = 'org_example_transactions';
const directory = join(import.meta.dirname, '..', '.data');
mkdirSync(directory, { recursive: true });

const database = new Database(join(directory, 'app-with-audit.db'));
database.pragma('journal_mode = WAL');
database.pragma('busy_timeout = 5000');
database.exec('create table if not exists accounts (id text primary key, plan text not null)');
database
  .prepare(
    "insert into accounts (id, plan) values ('acct_1', 'free') on conflict do update set plan = 'free'",
  )
  .run();

// AuditKit on the application's connection: it never closes it, and creates its tables beside the app's.
const auditLog = await createAuditLog({ store: sqliteStore({ database }) });
await auditLog.createSchema({
  action: 'account.plan_changed',
  targets: [{ type: 'account' }],
  metadata: { from: 'string', to: 'string' },
});

const planOf = (id: string) =>
  (database.prepare('select plan from accounts where id = ?').get(id) as { plan: string }).plan;

/**
 * Changes an account's plan and records who did it, in one transaction. better-sqlite3's own
 * `database.transaction(fn)` runs `fn` synchronously and cannot wait for AuditKit, so the
 * transaction is plain BEGIN IMMEDIATE / COMMIT / ROLLBACK.
 */
async function changePlan(accountId: string, plan: string, requestId: string, chargeCard: () => void) {
  database.exec('BEGIN IMMEDIATE');
  try {
    const from = planOf(accountId);
    database.prepare('update accounts set plan = ? where id = ?').run(plan, accountId);
    const event = await auditLog.withTransaction(database).createEvent(
      ORGANIZATION,
      {
        action: 'account.plan_changed',
        occurredAt: new Date(),
        actor: { type: 'user', id: 'user_42', name: 'Ada' },
        targets: [{ type: 'account', id: accountId }],
        context: { location: '203.0.113.7' },
        metadata: { from, to: plan },
      },
      // One key per request: a retried request replays instead of recording the change twice.
      { idempotencyKey: requestId },
    );
    chargeCard();
    database.exec('COMMIT');
    return event;
  } catch (error) {
    database.exec('ROLLBACK');
    throw error;
  }
}

const run = Date.now().toString(36);
const committed = await changePlan('acct_1', 'pro', `req-${run}-1`, () => undefined);
console.log(`committed: plan is ${planOf('acct_1')}; audit event ${committed.id} recorded`);

try {
  await changePlan('acct_1', 'enterprise', `req-${run}-2`, () => {
    throw new Error('card declined');
  });
} catch (error) {
  console.log(`rolled back (${(error as Error).message}): plan is still ${planOf('acct_1')}`);
}
const rolledBack = database
  .prepare('select 1 from auditkit_events where organization_id = ? and idempotency_key = ?')
  .all(ORGANIZATION, `req-${run}-2`);
console.log(`audit events for the rolled-back change: ${rolledBack.length}`);

// The rolled-back request's key was never committed: the retry records the change as new.
const retried = await changePlan('acct_1', 'enterprise', `req-${run}-2`, () => undefined);
console.log(`retried request: plan is ${planOf('acct_1')}; replayed: ${retried.replayed}`);

try {
  // Without BEGIN, AuditKit refuses rather than write outside a transaction.
  await auditLog.withTransaction(database).createEvent(ORGANIZATION, {
    action: 'account.plan_changed',
    occurredAt: new Date(),
    actor: { type: 'user', id: 'user_42' },
    targets: [{ type: 'account', id: 'acct_1' }],
    context: { location: '203.0.113.7' },
  });
} catch (error) {
  if (!isAuditKitError(error)) throw error;
  console.log(`outside a transaction: ${error.code}`);
}

await auditLog.close();
database.close();
