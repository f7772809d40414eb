import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { declareSchemas, manyEvents, ORG_A, ORG_B } from './fixtures.js';
import { mountSmallFileSystem, type SmallFileSystem } from './small-file-system.js';

const RANGE = {
  rangeStart: new Date('2000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
};

function ndjsonOrganizations(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { organizationId: string }).organizationId);
}

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

    it('exports what the filters said when createExport was called, whatever the caller does to them after', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'auditkit-export-test-'));
      const log = await context.open({ exports: { directory }, exportPageSize: 5 });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(30));
      await log.createEvents(ORG_B, manyEvents(40));
      const filters = {
        organizationId: ORG_A,
        rangeStart: new Date('2000-01-01T00:00:00.000Z'),
        rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
        actions: ['user.signed_in', 'user.signed_out'],
      };
      const job = await log.createExport(filters, { format: 'ndjson' });
      // The caller reuses its object for another organization, another range, other actions.
      filters.organizationId = ORG_B;
      filters.rangeStart.setTime(Date.parse('2024-01-01T00:10:00.000Z'));
      filters.rangeEnd.setTime(Date.parse('2024-01-01T00:20:00.000Z'));
      filters.actions.push('document.shared');

      const done = await log.waitForExport(job.id);
      expect(done).toMatchObject({ state: 'ready', organizationId: ORG_A, rowCount: 20 });
      const organizations = ndjsonOrganizations(await readFile(done.path ?? '', 'utf8'));
      expect(organizations).toHaveLength(20);
      expect(new Set(organizations)).toEqual(new Set([ORG_A]));
      const stored = await context.lastStore().getExport(job.id);
      expect(JSON.parse(stored?.filters ?? '{}')).toEqual({
        organizationId: ORG_A,
        rangeStart: '2000-01-01T00:00:00.000Z',
        rangeEnd: '2100-01-01T00:00:00.000Z',
        actions: ['user.signed_in', 'user.signed_out'],
      });
    });

    it('stores the organization and format of an export as fields of its record', async () => {
      const directory = mkdtempSync(join(tmpdir(), 'auditkit-export-test-'));
      const log = await context.open({ exports: { directory } });
      const job = await log.createExport({ organizationId: ORG_B, ...RANGE }, { format: 'ndjson' });
      expect(job).toMatchObject({ organizationId: ORG_B, format: 'ndjson' });
      await log.waitForExport(job.id);
      const store = context.lastStore();
      const stored = await store.getExport(job.id);
      expect(stored).toMatchObject({ organizationId: ORG_B, format: 'ndjson', state: 'ready' });
      // Neither is read back out of the filters text or the file name.
      if (!stored) throw new Error('the export record is missing');
      await store.updateExport({ ...stored, filters: '{}', path: join(directory, 'renamed.csv') });
      expect(await log.getExport(job.id)).toMatchObject({ organizationId: ORG_B, format: 'ndjson' });
    });
  });
}
