import { describe, expect, it } from 'vitest';
import { guardStore } from '../guarded-store.js';
import type { AuditStore, ExportRecord } from '../store.js';
import type { ConformanceContext } from './context.js';
import { ORG_A } from './fixtures.js';

const CREATED = new Date('2024-05-01T10:00:00.123Z');

function pendingRecord(id: string, fields: Partial<ExportRecord> = {}): ExportRecord {
  return {
    id,
    state: 'pending',
    organizationId: ORG_A,
    filters: JSON.stringify({ organizationId: ORG_A }),
    format: 'csv',
    createdAt: CREATED,
    updatedAt: CREATED,
    ...fields,
  };
}

async function twoStores(context: ConformanceContext): Promise<[AuditStore, AuditStore]> {
  await context.open();
  return [guardStore(context.lastStore()), guardStore(await context.sameDatabaseStore())];
}

/** The store side of export jobs that survive their process: claims, fenced updates, listing. */
export function exportRecordCases(context: ConformanceContext): void {
  describe('export records for jobs and expiry', () => {
    it('stores the lease token, object key and expiry of an export and reads them back', async () => {
      const [store] = await twoStores(context);
      const expiresAt = new Date('2024-05-01T10:10:00.456Z');
      await store.insertExport(pendingRecord('export_fields', { leaseToken: 3 }));
      expect(await store.getExport('export_fields')).toEqual(
        pendingRecord('export_fields', { leaseToken: 3 }),
      );
      const ready = pendingRecord('export_fields', {
        state: 'ready',
        leaseToken: 3,
        objectKey: 'export_fields.3.csv',
        expiresAt,
        rowCount: 7,
        path: '/somewhere/export_fields.3.csv',
      });
      await store.updateExport(ready);
      expect(await store.getExport('export_fields')).toEqual(ready);
      await store.updateExport({ ...ready, state: 'expired' });
      expect((await store.getExport('export_fields'))?.state).toBe('expired');
    });

    it('claims a pending export only with a larger lease token than the stored one', async () => {
      const [store, other] = await twoStores(context);
      await store.insertExport(pendingRecord('export_claim'));
      const later = new Date(CREATED.getTime() + 5_000);
      const claimed = await other.claimExport('export_claim', 2, later);
      expect(claimed).toEqual(pendingRecord('export_claim', { leaseToken: 2, updatedAt: later }));
      expect(await store.claimExport('export_claim', 2, later)).toBeUndefined();
      expect(await store.claimExport('export_claim', 1, later)).toBeUndefined();
      expect((await store.getExport('export_claim'))?.leaseToken).toBe(2);
      expect(await store.claimExport('export_claim', 5, later)).toMatchObject({ leaseToken: 5 });
      expect(await store.claimExport('no_such_export', 9, later)).toBeUndefined();
      // A finished export is never claimed again.
      await store.updateExport(pendingRecord('export_claim', { state: 'ready', leaseToken: 5 }));
      expect(await other.claimExport('export_claim', 6, later)).toBeUndefined();
      expect(await store.getExport('export_claim')).toMatchObject({ state: 'ready', leaseToken: 5 });
    });

    it('keeps the largest of racing claims: the one that claimed last by token wins', async () => {
      const [store, other] = await twoStores(context);
      await store.insertExport(pendingRecord('export_claim_race'));
      const tokens = [4, 9, 1, 7, 3, 8, 2, 6, 5, 10];
      const results = await Promise.all(
        tokens.map((token, index) =>
          (index % 2 === 0 ? store : other).claimExport('export_claim_race', token, CREATED),
        ),
      );
      expect((await store.getExport('export_claim_race'))?.leaseToken).toBe(10);
      // The claim with the largest token always succeeds; no claim reports a token it did not set.
      expect(results[tokens.indexOf(10)]?.leaseToken).toBe(10);
      for (const [index, result] of results.entries()) {
        if (result) expect(result.leaseToken).toBe(tokens[index]);
      }
    });

    it('finishes an export only for the expected state and lease token (fencing)', async () => {
      const [store, other] = await twoStores(context);
      await store.insertExport(pendingRecord('export_fenced', { leaseToken: 4 }));
      const ready = pendingRecord('export_fenced', { state: 'ready', leaseToken: 4, objectKey: 'k.4.csv' });
      expect(await other.updateExportIf(ready, { state: 'pending', leaseToken: 3 })).toBe(false);
      expect(await other.updateExportIf(ready, { state: 'ready' })).toBe(false);
      expect(await store.getExport('export_fenced')).toEqual(
        pendingRecord('export_fenced', { leaseToken: 4 }),
      );
      expect(await other.updateExportIf(ready, { state: 'pending', leaseToken: 4 })).toBe(true);
      expect(await store.getExport('export_fenced')).toEqual(ready);
      // Without a token only the state is compared (the expiry sweep's ready → expired).
      const expired = { ...ready, state: 'expired' as const };
      expect(await store.updateExportIf(expired, { state: 'ready' })).toBe(true);
      expect(await store.updateExportIf(expired, { state: 'ready' })).toBe(false);
      expect(await store.updateExportIf(pendingRecord('no_such_export'), { state: 'pending' })).toBe(false);
    });

    it('lets exactly one of racing finishers with the same token finish an export', async () => {
      const [store, other] = await twoStores(context);
      await store.insertExport(pendingRecord('export_finish_race', { leaseToken: 2 }));
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          (index % 2 === 0 ? store : other).updateExportIf(
            pendingRecord('export_finish_race', { state: 'ready', leaseToken: 2, rowCount: index }),
            { state: 'pending', leaseToken: 2 },
          ),
        ),
      );
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      const winner = outcomes.indexOf(true);
      expect(await store.getExport('export_finish_race')).toMatchObject({ state: 'ready', rowCount: winner });
    });

    it('lists exports of a state by id, in pages, optionally only those expired before a time', async () => {
      const [store] = await twoStores(context);
      const at = (minutes: number) => new Date(CREATED.getTime() + minutes * 60_000);
      await store.insertExport(pendingRecord('export_list_1'));
      await store.insertExport(pendingRecord('export_list_2', { leaseToken: 1 }));
      await store.insertExport(pendingRecord('export_list_3', { state: 'ready', expiresAt: at(10) }));
      await store.insertExport(pendingRecord('export_list_4', { state: 'ready', expiresAt: at(20) }));
      await store.insertExport(pendingRecord('export_list_5', { state: 'ready' }));
      await store.insertExport(pendingRecord('export_list_6', { state: 'error', expiresAt: at(1) }));
      await store.insertExport(pendingRecord('export_list_7'));
      const ids = (records: ExportRecord[]) => records.map((record) => record.id);
      expect(ids(await store.listExports({ state: 'pending', limit: 10 }))).toEqual([
        'export_list_1',
        'export_list_2',
        'export_list_7',
      ]);
      expect(ids(await store.listExports({ state: 'pending', limit: 2 }))).toEqual([
        'export_list_1',
        'export_list_2',
      ]);
      expect(ids(await store.listExports({ state: 'pending', afterId: 'export_list_2', limit: 2 }))).toEqual([
        'export_list_7',
      ]);
      expect(ids(await store.listExports({ state: 'ready', expiresBefore: at(15), limit: 10 }))).toEqual([
        'export_list_3',
      ]);
      // The bound is exclusive, and exports without an expiry never count as expired.
      expect(ids(await store.listExports({ state: 'ready', expiresBefore: at(20), limit: 10 }))).toEqual([
        'export_list_3',
      ]);
      expect(ids(await store.listExports({ state: 'ready', expiresBefore: at(60), limit: 10 }))).toEqual([
        'export_list_3',
        'export_list_4',
      ]);
      expect(await store.listExports({ state: 'expired', limit: 10 })).toEqual([]);
      expect((await store.listExports({ state: 'ready', expiresBefore: at(15), limit: 10 }))[0]).toEqual(
        pendingRecord('export_list_3', { state: 'ready', expiresAt: at(10) }),
      );
    });
  });
}
