import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { countEvents, declareSchemas, manyEvents, ORG_A, ORG_B, signInEvent } from './fixtures.js';

const DAY = 86_400_000;

export function retentionCases(context: ConformanceContext): void {
  describe('retention', () => {
    it('keeps events forever by default and stores a period per organization', async () => {
      const log = await context.open();
      expect(await log.getRetention(ORG_A)).toEqual({ retentionPeriodInDays: null });
      expect(await log.setRetention(ORG_A, { retentionPeriodInDays: 30 })).toEqual({
        retentionPeriodInDays: 30,
      });
      expect(await log.getRetention(ORG_A)).toEqual({ retentionPeriodInDays: 30 });
      await log.setRetention(ORG_A, { retentionPeriodInDays: 90 });
      expect(await log.getRetention(ORG_A)).toEqual({ retentionPeriodInDays: 90 });
      expect(await log.getRetention(ORG_B)).toEqual({ retentionPeriodInDays: null });
      // One shape wherever retention is read: the store answers as the audit log does.
      const store = context.lastStore();
      expect(await store.getRetention(ORG_A)).toEqual({ retentionPeriodInDays: 90 });
      expect(await store.getRetention(ORG_B)).toEqual({ retentionPeriodInDays: null });
      await log.setRetention(ORG_A, { retentionPeriodInDays: null });
      expect(await log.getRetention(ORG_A)).toEqual({ retentionPeriodInDays: null });
      for (const retentionPeriodInDays of [0, -1, 1.5, '30']) {
        await expectAuditKitError(
          log.setRetention(ORG_A, { retentionPeriodInDays } as never),
          'invalid_request',
        );
      }
    });

    it('purges exactly the expired events of organizations with a period, in bounded batches', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const now = new Date('2024-06-01T00:00:00.000Z');
      const spread = (count: number) =>
        manyEvents(count).map((event, i) => ({
          ...event,
          occurredAt: new Date(now.getTime() - i * DAY - DAY / 2),
        }));
      await log.createEvents(ORG_A, spread(40)); // ages 0.5 .. 39.5 days
      await log.createEvents(ORG_B, spread(40));
      await log.createEvents('org_forever', spread(40));
      await log.setRetention(ORG_A, { retentionPeriodInDays: 10 });
      await log.setRetention(ORG_B, { retentionPeriodInDays: 30 });
      const progress: number[] = [];
      const result = await log.purgeExpiredEvents({ now, batchSize: 7, onProgress: (n) => progress.push(n) });
      expect(result.deleted).toBe(30 + 10);
      expect(
        result.organizations.map(({ organizationId, deleted }) => [organizationId, deleted]).sort(),
      ).toEqual(
        [
          [ORG_A, 30],
          [ORG_B, 10],
        ].sort(),
      );
      expect(progress.at(-1)).toBe(40);
      expect(progress.length).toBeGreaterThanOrEqual(6);
      expect(await countEvents(log, ORG_A)).toBe(10);
      expect(await countEvents(log, ORG_B)).toBe(30);
      expect(await countEvents(log, 'org_forever')).toBe(40);
      const remaining = (await log.listEvents({ organizationId: ORG_A, limit: 100 })).data;
      expect(remaining.every((event) => now.getTime() - event.occurredAt.getTime() < 10 * DAY)).toBe(true);
      expect((await log.purgeExpiredEvents({ now })).deleted).toBe(0);
    });

    it('a dry run counts in the database exactly what the purge then deletes, and deletes nothing', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const now = new Date('2024-06-01T00:00:00.000Z');
      const spread = manyEvents(25).map((event, i) => ({
        ...event,
        occurredAt: new Date(now.getTime() - i * DAY - DAY / 2),
      }));
      await log.createEvents(ORG_A, spread); // ages 0.5 .. 24.5 days
      await log.createEvents(ORG_B, spread);
      await log.setRetention(ORG_A, { retentionPeriodInDays: 20 });
      const dryRun = await log.purgeExpiredEvents({ now, dryRun: true });
      expect(dryRun).toEqual({
        dryRun: true,
        deleted: 5,
        organizations: [{ organizationId: ORG_A, deleted: 5, cutoff: new Date(now.getTime() - 20 * DAY) }],
      });
      expect(await countEvents(log, ORG_A)).toBe(25);
      const purge = await log.purgeExpiredEvents({ now });
      expect(purge.dryRun).toBe(false);
      expect(purge.deleted).toBe(dryRun.deleted);
      expect(await countEvents(log, ORG_A)).toBe(20);
      expect(await countEvents(log, ORG_B)).toBe(25);
      expect((await log.purgeExpiredEvents({ now, dryRun: true })).deleted).toBe(0);
    });

    it('summarizes events per organization and action with their oldest and newest times', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const start = Date.parse('2024-03-01T00:00:00.000Z');
      const events = manyEvents(9, start); // actions cycle signed_in, signed_out, shared
      await log.createEvents(ORG_B, events);
      await log.createEvents(ORG_A, events.slice(0, 2));
      const at = (i: number) => new Date(start + i * 60_000);
      const group = (
        organizationId: string,
        action: string,
        count: number,
        oldest: number,
        newest: number,
      ) => ({
        organizationId,
        action,
        count,
        oldest: at(oldest),
        newest: at(newest),
      });
      expect(await log.summarizeEvents()).toEqual([
        group(ORG_A, 'user.signed_in', 1, 0, 0),
        group(ORG_A, 'user.signed_out', 1, 1, 1),
        group(ORG_B, 'document.shared', 3, 2, 8),
        group(ORG_B, 'user.signed_in', 3, 0, 6),
        group(ORG_B, 'user.signed_out', 3, 1, 7),
      ]);
      const onlyA = await log.summarizeEvents({ organizationId: ORG_A });
      expect(onlyA.map((group) => [group.organizationId, group.action, group.count])).toEqual([
        [ORG_A, 'user.signed_in', 1],
        [ORG_A, 'user.signed_out', 1],
      ]);
      expect(await log.summarizeEvents({ organizationId: 'org_without_events' })).toEqual([]);
    });

    it('stores a retried key anew, with a new id, once retention purged its event (documented)', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const event = signInEvent({ occurredAt: new Date('2024-01-01T00:00:00.000Z') });
      const first = await log.createEvent(ORG_A, event, { idempotencyKey: 'retried' });
      expect((await log.createEvent(ORG_A, event, { idempotencyKey: 'retried' })).id).toBe(first.id);
      await log.setRetention(ORG_A, { retentionPeriodInDays: 10 });
      const now = new Date('2024-06-01T00:00:00.000Z');
      expect((await log.purgeExpiredEvents({ now })).deleted).toBe(1);
      // The key went with its event: the retry is a new event, not a replay and not a conflict.
      const again = await log.createEvent(ORG_A, event, { idempotencyKey: 'retried' });
      expect(again.replayed).toBe(false);
      expect(again.id).not.toBe(first.id);
      expect(await countEvents(log, ORG_A)).toBe(1);
    });
  });
}
