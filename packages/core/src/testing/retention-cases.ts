import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { countEvents, declareSchemas, manyEvents, ORG_A, ORG_B } from './fixtures.js';

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
  });
}
