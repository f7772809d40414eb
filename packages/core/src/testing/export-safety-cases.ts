import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { declareSchemas, manyEvents, ORG_A, ORG_B } from './fixtures.js';
import { mountSmallFileSystem, type SmallFileSystem } from './small-file-system.js';

const RANGE = {
  rangeStart: new Date('2000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
};

export function exportSafetyCases(context: ConformanceContext): void {
  describe('export safety', () => {
    describe('on a full disk', () => {
      let disk: SmallFileSystem | undefined;
      const unhandled: unknown[] = [];
      const record = (reason: unknown) => unhandled.push(reason);
      beforeEach(() => {
        unhandled.length = 0;
        process.on('unhandledRejection', record);
      });
      afterEach(() => {
        process.off('unhandledRejection', record);
        disk?.release();
        disk = undefined;
      });

      it('ends the export as error naming the full disk, removes the partial file, and the process lives on', async () => {
        // 64 KiB fills after a few hundred CSV rows; small pages interleave store reads and writes.
        disk = mountSmallFileSystem(64 * 1024);
        const log = await context.open({ exports: { directory: disk.directory }, exportPageSize: 20 });
        await declareSchemas(log);
        for (let i = 0; i < 3; i++) {
          await log.createEvents(ORG_A, manyEvents(500, Date.parse('2024-01-01') + i * 500 * 60_000));
        }
        const job = await log.createExport({ organizationId: ORG_A, ...RANGE });
        const done = await log.waitForExport(job.id, { timeoutMs: 60_000 });
        expect(done.state).toBe('error');
        expect(done.error).toMatch(/full.*ENOSPC/);
        expect(await readdir(disk.directory)).toEqual([]);
        // Give a stray rejection a turn of the event loop to surface before asserting none did.
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(unhandled).toEqual([]);

        // The audit log still works, and closes.
        const small = await log.createExport({ organizationId: ORG_B, ...RANGE });
        expect((await log.waitForExport(small.id)).state).toBe('ready');
        await log.close();
      });
    });
  });
}
