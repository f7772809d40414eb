import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { countEvents, declareSchemas, ORG_A, signInEvent } from './fixtures.js';
import type { ApplicationTransaction } from './transaction-hooks.js';

/** How the transaction cases begin a transaction on the database of the last opened store. */
export type BeginTransaction = () => Promise<ApplicationTransaction>;

const otherContent = signInEvent({ context: { location: '10.9.8.7' } });

/** Commits `transaction` when `work` succeeds and rolls it back when it throws, like an application. */
async function inTransaction<T>(
  begin: BeginTransaction,
  work: (transaction: ApplicationTransaction) => Promise<T>,
): Promise<T> {
  const transaction = await begin();
  try {
    const result = await work(transaction);
    await transaction.commit();
    return result;
  } catch (error) {
    await transaction.rollback();
    throw error;
  }
}

async function storedLocations(log: AuditLog): Promise<string[]> {
  const page = await log.listEvents({ organizationId: ORG_A, order: 'asc' });
  return page.data.map((event) => event.context.location);
}

/**
 * Writing through the application's own transaction (`withTransaction`): the event commits and
 * rolls back with it, and replays or conflicts never break it. Stores without the capability
 * must refuse with `transactions_unsupported`.
 */
export function transactionCases(context: ConformanceContext, begin: BeginTransaction | undefined): void {
  describe('caller transactions', () => {
    it('refuses withTransaction with transactions_unsupported when the store cannot join transactions', async () => {
      const log = await context.open();
      if (context.capabilities.transactions) {
        expect(begin, 'a store with capabilities.transactions needs a beginTransaction hook').toBeDefined();
        return;
      }
      const error = await expectAuditKitError(
        (async () => log.withTransaction({}))(),
        'transactions_unsupported',
      );
      expect(error.message).toMatch(/transaction/);
      expect(await countEvents(log, ORG_A)).toBe(0);
    });

    if (!begin) return;

    it('commits the event with the caller’s transaction; reads inside it see the uncommitted event', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const created = await inTransaction(begin, async (transaction) => {
        await transaction.writeAppRow('commit');
        const bound = log.withTransaction(transaction.handle);
        const event = await bound.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-commit' });
        expect(event.replayed).toBe(false);
        expect((await bound.listEvents({ organizationId: ORG_A })).data.map((e) => e.id)).toEqual([event.id]);
        return event;
      });
      const stored = (await log.listEvents({ organizationId: ORG_A })).data;
      expect(stored.map((event) => event.id)).toEqual([created.id]);
      const retry = await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-commit' });
      expect([retry.id, retry.replayed]).toEqual([created.id, true]);
    });

    it('leaves no event and no idempotency record when the caller rolls back: the key is free again', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const transaction = await begin();
      await transaction.writeAppRow('rollback');
      const bound = log.withTransaction(transaction.handle);
      await bound.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-rollback' });
      await bound.createEvents(ORG_A, [{ event: signInEvent(), idempotencyKey: 'tx-rollback-batch' }]);
      await transaction.rollback();
      expect(await countEvents(log, ORG_A)).toBe(0);
      // Other content under the same keys is no conflict: nothing of the rolled-back writes remains.
      const reused = await log.createEvent(ORG_A, otherContent, { idempotencyKey: 'tx-rollback' });
      const reusedBatch = await log.createEvents(ORG_A, [
        { event: otherContent, idempotencyKey: 'tx-rollback-batch' },
      ]);
      expect([reused.replayed, reusedBatch[0]?.replayed]).toEqual([false, false]);
      expect(await storedLocations(log)).toEqual(['10.9.8.7', '10.9.8.7']);
    });

    it('replays a committed key inside the caller’s transaction and leaves the transaction usable', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const first = await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-replay' });
      await inTransaction(begin, async (transaction) => {
        const bound = log.withTransaction(transaction.handle);
        const replay = await bound.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-replay' });
        expect([replay.id, replay.replayed]).toEqual([first.id, true]);
        const batch = await bound.createEvents(ORG_A, [
          { event: signInEvent(), idempotencyKey: 'tx-replay' },
          { event: otherContent, idempotencyKey: 'tx-after-replay' },
        ]);
        expect(batch.map((event) => event.replayed)).toEqual([true, false]);
        await transaction.writeAppRow('after-replay');
      });
      expect(await storedLocations(log)).toEqual(['123.123.123.123', '10.9.8.7']);
    });

    it('rejects a conflict inside the caller’s transaction, stores nothing of it, and leaves the transaction usable', async () => {
      const log = await context.open();
      await declareSchemas(log);
      await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-conflict' });
      await inTransaction(begin, async (transaction) => {
        const bound = log.withTransaction(transaction.handle);
        await expectAuditKitError(
          bound.createEvent(ORG_A, otherContent, { idempotencyKey: 'tx-conflict' }),
          'idempotency_conflict',
        );
        // A batch whose first row is new and second conflicts: the new row must not stay.
        await expectAuditKitError(
          bound.createEvents(ORG_A, [
            { event: otherContent, idempotencyKey: 'tx-new-in-conflicting-batch' },
            { event: otherContent, idempotencyKey: 'tx-conflict' },
          ]),
          'idempotency_conflict',
        );
        await transaction.writeAppRow('after-conflict');
        const after = await bound.createEvent(ORG_A, signInEvent({ metadata: { after: true } }), {
          idempotencyKey: 'tx-after-conflict',
        });
        expect(after.replayed).toBe(false);
      });
      const stored = (await log.listEvents({ organizationId: ORG_A, order: 'asc' })).data;
      expect(stored).toHaveLength(2);
      expect(stored.map((event) => event.metadata?.after ?? null)).toEqual([null, true]);
      // The conflicting batch's new key was rolled back with it: it is free.
      const free = await log.createEvent(ORG_A, signInEvent(), {
        idempotencyKey: 'tx-new-in-conflicting-batch',
      });
      expect(free.replayed).toBe(false);
    });

    it('treats a key written earlier in the same transaction as a replay, or a conflict for other content', async () => {
      const log = await context.open();
      await declareSchemas(log);
      await inTransaction(begin, async (transaction) => {
        const bound = log.withTransaction(transaction.handle);
        const first = await bound.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-twice' });
        const again = await log.withTransaction(transaction.handle).createEvent(ORG_A, signInEvent(), {
          idempotencyKey: 'tx-twice',
        });
        expect([again.id, again.replayed]).toEqual([first.id, true]);
        await expectAuditKitError(
          bound.createEvent(ORG_A, otherContent, { idempotencyKey: 'tx-twice' }),
          'idempotency_conflict',
        );
      });
      expect(await countEvents(log, ORG_A)).toBe(1);
    });

    it('keeps concurrent calls on one transaction apart: each replay, conflict and new event as if run alone', async () => {
      const log = await context.open();
      await declareSchemas(log);
      await log.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-taken' });
      const outcomes = await inTransaction(begin, async (transaction) => {
        const bound = log.withTransaction(transaction.handle);
        return Promise.all(
          Array.from({ length: 30 }, (_, i) => {
            const call =
              i % 3 === 0
                ? bound.createEvent(ORG_A, otherContent, { idempotencyKey: 'tx-taken' })
                : i % 3 === 1
                  ? bound.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'tx-taken' })
                  : bound.createEvents(ORG_A, [
                      { event: signInEvent({ metadata: { i } }), idempotencyKey: `tx-new-${i}` },
                      { event: signInEvent(), idempotencyKey: 'tx-taken' },
                    ]);
            return call.then(
              (result) => (Array.isArray(result) ? 'batch' : result.replayed ? 'replay' : 'new'),
              (error: { code?: string }) => error.code ?? 'unknown',
            );
          }),
        );
      });
      expect(outcomes.filter((outcome) => outcome === 'idempotency_conflict')).toHaveLength(10);
      expect(outcomes.filter((outcome) => outcome === 'replay')).toHaveLength(10);
      expect(outcomes.filter((outcome) => outcome === 'batch')).toHaveLength(10);
      expect(await countEvents(log, ORG_A)).toBe(11);
    });
  });
}
