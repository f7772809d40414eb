import { createAuditLog } from '../audit-log.js';
import { isAuditKitError } from '../errors.js';
import type { CreateAuditLogEventInput } from '../event-model.js';
import type { AuditStore } from '../store.js';
import { signInEvent } from './fixtures.js';
import type { ApplicationTransaction } from './transaction-hooks.js';

/** Calls each process of the `sequence-mix` workload makes. */
export const SEQUENCE_MIX_STEPS = 60;

/** The event with index `i` of the race workloads: the same in every process. */
export function raceEvent(i: number): CreateAuditLogEventInput {
  return signInEvent({
    occurredAt: new Date(Date.UTC(2024, 0, 1) + i * 1000),
    actor: { type: 'user', id: `user_${i % 53}`, name: `User ${i % 53}` },
    metadata: { i },
  });
}

/** Batch `batch` of crash round `round`: 500 events with keys, tagged `{ round, batch, i }`. */
export function crashBatch(round: number, batch: number) {
  return Array.from({ length: 500 }, (_, i) => ({
    event: signInEvent({
      occurredAt: new Date(Date.UTC(2024, 0, 1) + round * 1e7 + batch * 1000 + i),
      metadata: { round, batch, i },
    }),
    idempotencyKey: `crash-${round}-${batch}-${i}`,
  }));
}

function shuffled(count: number, seed: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  let state = seed * 2654435761 + 1;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

async function declare(store: AuditStore) {
  const auditLog = await createAuditLog({ store });
  await auditLog.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }, { type: 'user' }] });
  return auditLog;
}

/**
 * What a worker needs to run the caller-transaction workloads: a transaction of the application's
 * on the database at a location, and a count of the application's committed rows.
 *
 * @example
 * ```ts
 * await runConformanceWorker((location) => sqliteStore({ filename: location }), {
 *   beginTransaction: async (location) => beginOnFile(location),
 *   countAppRows: async (location, marker) => countAppRows(location, marker),
 * });
 * ```
 */
export interface WorkerTransactionHooks {
  beginTransaction(location: string): Promise<ApplicationTransaction>;
  countAppRows(location: string, marker: string): Promise<number>;
}

/** Resolves once the file at `path` exists: the test's signal to a waiting worker. */
async function fileAppears(path: string): Promise<void> {
  const { existsSync } = await import('node:fs');
  const { setTimeout: sleep } = await import('node:timers/promises');
  // Bounded, so a worker whose test died does not wait forever.
  for (let waited = 0; waited < 120_000; waited += 20) {
    if (existsSync(path)) return;
    await sleep(20);
  }
  throw new Error(`gave up waiting for ${path}`);
}

/**
 * The child-process side of {@link runProcessConformance}. An adapter's worker script is two
 * lines: import this, and call it with a function that opens the adapter's store at a location.
 *
 * @example
 * ```ts
 * import { runConformanceWorker } from '@auditkit/core/testing';
 * await runConformanceWorker((location) => sqliteStore({ filename: location }));
 * ```
 */
export async function runConformanceWorker(
  openStore: (location: string) => AuditStore,
  transactions?: WorkerTransactionHooks,
): Promise<void> {
  const [workload, location, organizationId, argument = '0'] = process.argv.slice(2);
  if (!workload || !location || !organizationId)
    throw new Error('usage: <workload> <location> <organizationId> [argument]');
  const seed = Number(argument);
  const out = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

  switch (workload) {
    case 'race-keys':
    case 'race-content': {
      // Every process sends the same events in its own shuffled order, mixing single calls and
      // batches, a few calls in flight at once.
      const auditLog = await declare(openStore(location));
      const count = Number(process.env.AUDITKIT_RACE_EVENTS ?? 10_000);
      const order = shuffled(count, seed + 1);
      const ids: string[] = new Array(count);
      const item = (i: number) =>
        workload === 'race-keys' ? { event: raceEvent(i), idempotencyKey: `race-${i}` } : raceEvent(i);
      const chunks: number[][] = [];
      for (let start = 0, n = 0; start < order.length; n++) {
        const size = n % 3 === 0 ? 1 : 1 + ((seed + n * 7) % 60);
        chunks.push(order.slice(start, start + size));
        start += size;
      }
      let next = 0;
      const lane = async () => {
        while (next < chunks.length) {
          const chunk = chunks[next++] as number[];
          if (chunk.length === 1) {
            const i = chunk[0] as number;
            const created =
              workload === 'race-keys'
                ? await auditLog.createEvent(organizationId, raceEvent(i), { idempotencyKey: `race-${i}` })
                : await auditLog.createEvent(organizationId, raceEvent(i));
            ids[i] = created.id;
          } else {
            const created = await auditLog.createEvents(organizationId, chunk.map(item));
            created.forEach((event, k) => {
              ids[chunk[k] as number] = event.id;
            });
          }
        }
      };
      await Promise.all(Array.from({ length: 4 }, lane));
      await auditLog.close();
      out(ids);
      return;
    }
    case 'race-concurrent': {
      // Every process sends the same events, each as its own createEvent call, from 32 concurrent
      // callers (grouped by group commit), in its own shuffled order; even events carry a key,
      // odd ones get their key derived from the content.
      const auditLog = await declare(openStore(location));
      const count = Number(process.env.AUDITKIT_RACE_EVENTS ?? 10_000) / 50;
      const order = shuffled(count, seed + 1);
      const ids: string[] = new Array(count);
      let next = 0;
      const caller = async () => {
        while (next < order.length) {
          const i = order[next++] as number;
          const created =
            i % 2 === 0
              ? await auditLog.createEvent(organizationId, raceEvent(i), { idempotencyKey: `race-${i}` })
              : await auditLog.createEvent(organizationId, raceEvent(i));
          ids[i] = created.id;
        }
      };
      await Promise.all(Array.from({ length: 32 }, caller));
      await auditLog.close();
      out(ids);
      return;
    }
    case 'conflict': {
      const auditLog = await declare(openStore(location));
      try {
        const created = await auditLog.createEvent(organizationId, raceEvent(1_000_000 + seed), {
          idempotencyKey: 'contested',
        });
        out({ outcome: 'stored', id: created.id, replayed: created.replayed });
      } catch (error) {
        if (!isAuditKitError(error)) throw error;
        out({ outcome: error.code });
      }
      await auditLog.close();
      return;
    }
    case 'crash-batches': {
      // Writes 500-event batches until killed; batch b carries metadata { batch: b }.
      const auditLog = await declare(openStore(location));
      // Bounded, so a worker whose test died without killing it still ends by itself.
      for (let batch = 0; batch < 200; batch++) {
        const events = crashBatch(seed, batch);
        if (batch === 0) out({ writing: true });
        await auditLog.createEvents(organizationId, events);
        out({ done: batch });
      }
      await auditLog.close();
      return;
    }
    case 'open': {
      out({ opening: true });
      const auditLog = await createAuditLog({ store: openStore(location) });
      await auditLog.close();
      out({ opened: true });
      return;
    }
    case 'tx-crash': {
      // The application's write and the audit event in one transaction, then killed before COMMIT.
      const hooks = required(transactions);
      const auditLog = await declare(openStore(location));
      const transaction = await hooks.beginTransaction(location);
      await transaction.writeAppRow('crash');
      await auditLog.withTransaction(transaction.handle).createEvent(organizationId, raceEvent(seed), {
        idempotencyKey: 'tx-crash',
      });
      out({ ready: true });
      await fileAppears(`${location}.never`);
      return;
    }
    case 'tx-hold': {
      // Writes the contested key in a transaction, holds it until the test's signal, then ends it
      // with COMMIT or ROLLBACK (AUDITKIT_TX_END).
      const hooks = required(transactions);
      const auditLog = await declare(openStore(location));
      const transaction = await hooks.beginTransaction(location);
      await transaction.writeAppRow(`hold-${seed}`);
      const created = await auditLog
        .withTransaction(transaction.handle)
        .createEvent(organizationId, raceEvent(seed), { idempotencyKey: 'tx-contested' });
      out({ inserted: true, id: created.id });
      await fileAppears(String(process.env.AUDITKIT_TX_SIGNAL));
      const commit = process.env.AUDITKIT_TX_END !== 'rollback';
      if (commit) await transaction.commit();
      else await transaction.rollback();
      out({ ended: commit ? 'commit' : 'rollback' });
      await auditLog.close();
      return;
    }
    case 'tx-write': {
      // Writes the contested key in its own transaction, which waits for the holder's.
      const hooks = required(transactions);
      // Opened before the holder's transaction begins: opening a store may need the write lock.
      const auditLog = await declare(openStore(location));
      out({ opened: true });
      await fileAppears(String(process.env.AUDITKIT_TX_SIGNAL));
      out({ writing: true });
      const transaction = await hooks.beginTransaction(location);
      try {
        const created = await auditLog
          .withTransaction(transaction.handle)
          .createEvent(organizationId, raceEvent(seed), { idempotencyKey: 'tx-contested' });
        out({ outcome: created.replayed ? 'replayed' : 'stored', id: created.id, at: Date.now() });
      } catch (error) {
        if (!isAuditKitError(error)) throw error;
        out({ outcome: error.code, at: Date.now() });
      }
      await transaction.writeAppRow(`write-${seed}`);
      await transaction.commit();
      await auditLog.close();
      return;
    }
    case 'sequence-mix': {
      // Writes to two organizations: single events, batches, and (with transaction hooks) batches
      // in the application's transactions, every third of which rolls back. One call at a time:
      // an SQLite worker holding a transaction open must not also wait on its own lock.
      const auditLog = await declare(openStore(location));
      const organizations = [`${organizationId}_a`, `${organizationId}_b`];
      const committed: string[] = [];
      const rolledBack: string[] = [];
      for (let step = 0; step < SEQUENCE_MIX_STEPS; step++) {
        const target = organizations[(seed + step) % 2] as string;
        const events = Array.from({ length: 1 + (step % 4) }, (_, k) =>
          signInEvent({ metadata: { process: seed, step, k } }),
        );
        if (transactions && step % 3 === 2) {
          const transaction = await transactions.beginTransaction(location);
          const created = await auditLog.withTransaction(transaction.handle).createEvents(target, events);
          if (step % 9 === 8) {
            await transaction.rollback();
            rolledBack.push(...created.map((event) => event.id));
          } else {
            await transaction.commit();
            committed.push(...created.map((event) => event.id));
          }
        } else if (events.length === 1) {
          committed.push((await auditLog.createEvent(target, events[0] as CreateAuditLogEventInput)).id);
        } else {
          committed.push(...(await auditLog.createEvents(target, events)).map((event) => event.id));
        }
      }
      await auditLog.close();
      out({ committed, rolledBack });
      return;
    }
    case 'app-rows': {
      out({ count: await required(transactions).countAppRows(location, argument) });
      return;
    }
    default:
      throw new Error(`unknown workload ${workload}`);
  }
}

function required(transactions: WorkerTransactionHooks | undefined): WorkerTransactionHooks {
  if (!transactions) throw new Error('this worker was started without transaction hooks');
  return transactions;
}
