import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { countEvents, declareSchemas, manyEvents, ORG_A, signInEvent } from './fixtures.js';

const RANGE = {
  rangeStart: new Date('2000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
};

/** Only the 100 events stored before the race: the in-flight batches are dated 2024. */
const COMMITTED_RANGE = {
  rangeStart: new Date('2000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('2024-01-01T00:00:00.000Z'),
};

export function closingCases(context: ConformanceContext): void {
  describe('close', () => {
    it('finishes every batch and export started before close() and refuses every call after it', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'auditkit-close-test-'));
      const log = await context.open({ exports: { directory }, exportPageSize: 25 });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(100, Date.parse('2023-01-01T00:00:00.000Z')));

      // 20 batches in flight, and an export whose record is still being written, when close() comes.
      const batches = Array.from({ length: 20 }, (_, b) =>
        log.createEvents(ORG_A, manyEvents(50, Date.parse('2024-01-01T00:00:00.000Z') + b * 50 * 60_000)),
      );
      let settled = 0;
      for (const batch of batches)
        batch.then(
          () => settled++,
          () => settled++,
        );
      // The export covers only the 100 events committed before it, so its row count does not depend on
      // how many of the in-flight batches (later occurredAt) commit before its pages are read.
      const job = log.createExport({ organizationId: ORG_A, ...COMMITTED_RANGE });
      await log.close();

      // Nothing started before close() is left pending, and all of it completed.
      expect(settled).toBe(batches.length);
      const outcomes = await Promise.allSettled(batches);
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
      const { id } = await job;
      // The export ran to its end before close() returned: its file is complete, no partial left.
      expect((await readdir(directory)).sort()).toEqual([`${id}.csv`]);
      const records = (await readFile(join(directory, `${id}.csv`), 'utf8')).split('\r\n').filter(Boolean);
      expect(records.length).toBe(1 + 100);

      // Nothing after close() is accepted.
      await expectAuditKitError(log.createEvent(ORG_A, signInEvent()), 'closed');
      await expectAuditKitError(log.createEvents(ORG_A, manyEvents(2)), 'closed');
      await expectAuditKitError(log.createExport({ organizationId: ORG_A, ...RANGE }), 'closed');
      await expectAuditKitError(log.listEvents({ organizationId: ORG_A }), 'closed');
      await expectAuditKitError(log.getExport(id), 'closed');
      await expectAuditKitError(log.waitForExport(id), 'closed');
      await expectAuditKitError(log.setRetention(ORG_A, { retentionPeriodInDays: 1 }), 'closed');
      await expectAuditKitError(log.purgeExpiredEvents(), 'closed');
      await expectAuditKitError(log.createSchema({ action: 'a.b', targets: [] }), 'closed');
      await expectAuditKitError(
        (async () => log.exportEvents({ organizationId: ORG_A, ...RANGE }))(),
        'closed',
      );
      // A second close() is harmless.
      await log.close();

      if (context.capabilities.persistent) {
        const again = await context.reopen?.();
        if (!again) throw new Error('reopen is required for persistent stores');
        expect(await countEvents(again, ORG_A)).toBe(100 + 20 * 50);
        expect(await again.getExport(id)).toMatchObject({ state: 'ready', rowCount: 100 });
      }
    });

    it('lets an export stream opened before close() fail cleanly with closed on its next read', async () => {
      const log = await context.open({ exportPageSize: 5 });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(40));
      const chunks = log
        .exportEvents({ organizationId: ORG_A, ...RANGE }, { format: 'ndjson' })
        [Symbol.asyncIterator]();
      const first = await chunks.next();
      expect(first.done).toBe(false);
      await log.close();
      await expectAuditKitError(chunks.next(), 'closed');
    });
  });
}
