import { describe, expect, it } from 'vitest';
import { guardStore } from '../guarded-store.js';
import type { AuditStore, LogStreamRecord } from '../store.js';
import type { ConformanceContext } from './context.js';

/** Two stores on one database (one process and another, for persistent stores), guarded as createAuditLog does. */
async function twoStores(context: ConformanceContext): Promise<[AuditStore, AuditStore]> {
  await context.open();
  return [guardStore(context.lastStore()), guardStore(await context.sameDatabaseStore())];
}

function streamRecord(id: string, overrides: Partial<LogStreamRecord> = {}): LogStreamRecord {
  return {
    id,
    organizationId: 'org_streams',
    type: 'webhook',
    destination: JSON.stringify({ type: 'webhook', url: 'https://siem.example.com/hook', secret: 'whsec_x' }),
    state: 'active',
    cursor: 0,
    deliveryToken: 0,
    createdAt: new Date('2026-03-01T10:00:00.123Z'),
    updatedAt: new Date('2026-03-01T10:00:00.123Z'),
    ...overrides,
  };
}

export function logStreamCases(context: ConformanceContext): void {
  describe('log streams', () => {
    it('stores a stream and hands every field back as given, to another process too', async () => {
      const [store, other] = await twoStores(context);
      const full = streamRecord('log_stream_full', {
        state: 'retrying',
        cursor: 2 ** 40 + 7,
        deliveryToken: 12,
        lastSyncedAt: new Date('2026-03-02T00:00:00.456Z'),
        lastError: 'HTTP 503 from https://siem.example.com',
        destination: '{"b":1,"a":"ünïcode \\" quote"}',
      });
      const bare = streamRecord('log_stream_bare', { organizationId: 'org_other' });
      await store.insertLogStream(full);
      await store.insertLogStream(bare);
      expect(await other.getLogStream('log_stream_full')).toEqual(full);
      const readBare = await other.getLogStream('log_stream_bare');
      expect(readBare).toEqual(bare);
      expect(readBare && 'lastSyncedAt' in readBare).toBe(false);
      expect(readBare && 'lastError' in readBare).toBe(false);
      expect(await other.getLogStream('log_stream_missing')).toBeUndefined();
      // The id is unique, by the database.
      await expect(store.insertLogStream(streamRecord('log_stream_full'))).rejects.toMatchObject({
        code: 'storage_error',
      });
      expect(await other.getLogStream('log_stream_full')).toEqual(full);
    });

    it('lists streams of one organization, or all, ordered by creation time then id', async () => {
      const [store, other] = await twoStores(context);
      const at = (ms: number) => new Date(Date.UTC(2026, 2, 1) + ms);
      await store.insertLogStream(streamRecord('log_stream_c', { createdAt: at(2) }));
      await store.insertLogStream(streamRecord('log_stream_b', { createdAt: at(1) }));
      await store.insertLogStream(streamRecord('log_stream_a', { createdAt: at(2) }));
      await store.insertLogStream(
        streamRecord('log_stream_z', { organizationId: 'org_z', createdAt: at(0) }),
      );
      const ids = (records: LogStreamRecord[]) => records.map((record) => record.id);
      expect(ids(await other.listLogStreams({ organizationId: 'org_streams' }))).toEqual([
        'log_stream_b',
        'log_stream_a',
        'log_stream_c',
      ]);
      expect(ids(await other.listLogStreams({}))).toEqual([
        'log_stream_z',
        'log_stream_b',
        'log_stream_a',
        'log_stream_c',
      ]);
      expect(await other.listLogStreams({ organizationId: 'org_none' })).toEqual([]);
    });

    it('updates only when every condition holds, and reports whether it did', async () => {
      const [store, other] = await twoStores(context);
      await store.insertLogStream(streamRecord('log_stream_cond', { cursor: 10, deliveryToken: 3 }));
      const later = new Date('2026-03-03T00:00:00.789Z');
      // Each failing condition alone leaves the stream untouched.
      expect(
        await other.updateLogStream('log_stream_cond', { cursor: 99, updatedAt: later }, { cursor: 11 }),
      ).toBe(false);
      expect(
        await other.updateLogStream(
          'log_stream_cond',
          { cursor: 99, updatedAt: later },
          { deliveryToken: 4 },
        ),
      ).toBe(false);
      expect(
        await other.updateLogStream(
          'log_stream_cond',
          { cursor: 99, updatedAt: later },
          { deliveryTokenBelow: 3 },
        ),
      ).toBe(false);
      expect(
        await other.updateLogStream(
          'log_stream_cond',
          { cursor: 99, updatedAt: later },
          { states: ['paused', 'failing'] },
        ),
      ).toBe(false);
      expect(await other.updateLogStream('log_stream_missing', { cursor: 99, updatedAt: later })).toBe(false);
      expect((await store.getLogStream('log_stream_cond'))?.cursor).toBe(10);
      // All conditions holding: every given field changes, the others stay.
      expect(
        await other.updateLogStream(
          'log_stream_cond',
          { cursor: 20, state: 'retrying', lastError: 'timeout', lastSyncedAt: later, updatedAt: later },
          { cursor: 10, deliveryToken: 3, states: ['active', 'retrying'] },
        ),
      ).toBe(true);
      expect(await store.getLogStream('log_stream_cond')).toEqual(
        streamRecord('log_stream_cond', {
          cursor: 20,
          deliveryToken: 3,
          state: 'retrying',
          lastError: 'timeout',
          lastSyncedAt: later,
          updatedAt: later,
        }),
      );
      // A newer token claims the stream; null removes optional fields.
      expect(
        await store.updateLogStream(
          'log_stream_cond',
          { deliveryToken: 5, lastError: null, lastSyncedAt: null, state: 'active', updatedAt: later },
          { deliveryTokenBelow: 5 },
        ),
      ).toBe(true);
      const claimed = await other.getLogStream('log_stream_cond');
      expect(claimed).toMatchObject({ deliveryToken: 5, state: 'active', cursor: 20 });
      expect(claimed && ('lastError' in claimed || 'lastSyncedAt' in claimed)).toBe(false);
      expect(
        await other.updateLogStream(
          'log_stream_cond',
          { cursor: 30, updatedAt: later },
          { deliveryToken: 3 },
        ),
      ).toBe(false);
      expect(
        await other.updateLogStream('log_stream_cond', { cursor: 30, updatedAt: later }, { states: [] }),
      ).toBe(false);
    });

    it('moves a cursor from one place for exactly one of many racing updates from two stores', async () => {
      const [store, other] = await twoStores(context);
      await store.insertLogStream(streamRecord('log_stream_race', { deliveryToken: 1 }));
      const updatedAt = new Date();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          (index % 2 === 0 ? store : other).updateLogStream(
            'log_stream_race',
            { cursor: 100 + index, updatedAt },
            { cursor: 0, deliveryToken: 1 },
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect((await other.getLogStream('log_stream_race'))?.cursor).toBe(100 + winner);
      // Claims race the same way: one newer token wins.
      const claims = await Promise.all(
        [2, 2, 2, 2].map((token, index) =>
          (index % 2 === 0 ? store : other).updateLogStream(
            'log_stream_race',
            { deliveryToken: token, updatedAt },
            { deliveryTokenBelow: token },
          ),
        ),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
    });

    it('deletes a stream for everyone, and says whether there was one', async () => {
      const [store, other] = await twoStores(context);
      await store.insertLogStream(streamRecord('log_stream_gone'));
      expect(await other.deleteLogStream('log_stream_gone')).toBe(true);
      expect(await store.getLogStream('log_stream_gone')).toBeUndefined();
      expect(await store.deleteLogStream('log_stream_gone')).toBe(false);
      expect(await store.updateLogStream('log_stream_gone', { cursor: 1, updatedAt: new Date() })).toBe(
        false,
      );
    });
  });
}
