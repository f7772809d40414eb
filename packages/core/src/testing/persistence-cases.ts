import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { declareSchemas, ORG_A, signInEvent } from './fixtures.js';

export function persistenceCases(context: ConformanceContext): void {
  describe('persistence', () => {
    it('shares schemas, events, idempotency keys and exports with another store on the same database', async () => {
      const first = await context.open();
      await declareSchemas(first);
      const event = await first.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'shared' });
      const job = await first.createExport({
        organizationId: ORG_A,
        rangeStart: new Date('2024-01-01'),
        rangeEnd: new Date('2025-01-01'),
      });
      await first.waitForExport(job.id);
      const second = await context.reopen?.();
      if (!second) throw new Error('reopen is required for persistent stores');
      expect((await second.listSchemas({ action: 'user.signed_in' })).data).toHaveLength(1);
      const replay = await second.createEvent(ORG_A, signInEvent(), { idempotencyKey: 'shared' });
      expect(replay).toMatchObject({ id: event.id, replayed: true });
      expect((await second.getExport(job.id)).state).toBe('ready');
    });
  });
}
