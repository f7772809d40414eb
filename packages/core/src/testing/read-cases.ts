import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import type { AuditLogEvent } from '../event-model.js';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { declareSchemas, manyEvents, ORG_A, ORG_B } from './fixtures.js';

async function listAll(
  log: AuditLog,
  options: Parameters<AuditLog['listEvents']>[0],
): Promise<AuditLogEvent[]> {
  const events: AuditLogEvent[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await log.listEvents({ ...options, ...(after ? { after } : {}) });
    events.push(...page.data);
    if (!page.listMetadata.after) return events;
    after = page.listMetadata.after;
  }
}

export function readCases(context: ConformanceContext): void {
  describe('filtered reads', () => {
    it('applies each filter alone and combined: OR within a list, AND across lists', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const inputs = manyEvents(60);
      await log.createEvents(ORG_A, inputs);
      await log.createEvents(ORG_B, manyEvents(30));
      const all = await listAll(log, { organizationId: ORG_A, order: 'asc', limit: 1000 });
      expect(all).toHaveLength(60);
      const cases: [Record<string, unknown>, (event: AuditLogEvent) => boolean][] = [
        [{ actions: ['user.signed_out'] }, (e) => e.action === 'user.signed_out'],
        [{ actions: ['user.signed_out', 'document.shared'] }, (e) => e.action !== 'user.signed_in'],
        [{ actorIds: ['user_3'] }, (e) => e.actor.id === 'user_3'],
        [{ actorNames: ['User 1', 'User 2'] }, (e) => ['User 1', 'User 2'].includes(e.actor.name ?? '')],
        [{ targets: ['document'] }, (e) => e.targets.some((t) => t.type === 'document')],
        [{ targets: ['user', 'document'] }, (e) => e.targets.some((t) => t.type !== 'team')],
        [
          {
            actions: ['user.signed_in', 'user.signed_out'],
            targets: ['team'],
            actorIds: ['user_0', 'user_2'],
          },
          (e) =>
            e.action !== 'document.shared' &&
            e.targets[0]?.type === 'team' &&
            ['user_0', 'user_2'].includes(e.actor.id),
        ],
        [
          { rangeStart: new Date('2024-01-01T00:10:00.000Z'), rangeEnd: '2024-01-01T00:20:00.000Z' },
          (e) =>
            e.occurredAt >= new Date('2024-01-01T00:10:00.000Z') &&
            e.occurredAt < new Date('2024-01-01T00:20:00.000Z'),
        ],
        [{ actions: ['no.such.action'] }, () => false],
      ];
      for (const [filter, predicate] of cases) {
        const found = await listAll(log, { organizationId: ORG_A, order: 'asc', limit: 7, ...filter });
        const expected = all.filter(predicate);
        expect(
          found.map((e) => e.id),
          JSON.stringify(filter),
        ).toEqual(expected.map((e) => e.id));
      }
    });

    it('includes an event exactly at rangeStart and excludes one exactly at rangeEnd', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const [atStart, , atEnd] = await log.createEvents(ORG_A, manyEvents(3));
      if (!atStart || !atEnd) throw new Error('three events expected');
      const found = await log.listEvents({
        organizationId: ORG_A,
        rangeStart: atStart.occurredAt,
        rangeEnd: atEnd.occurredAt,
        order: 'asc',
      });
      expect(found.data).toHaveLength(2);
      expect(found.data[0]?.id).toBe(atStart.id);
      expect(found.data.some((event) => event.id === atEnd.id)).toBe(false);
    });

    it('never returns another organization’s events, whatever the filters', async () => {
      const log = await context.open();
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(20));
      await log.createEvents(ORG_B, manyEvents(20));
      for (const filter of [
        {},
        { actions: ['user.signed_in'] },
        { actorIds: ['user_1'] },
        { targets: ['team'] },
      ]) {
        const found = await listAll(log, { organizationId: ORG_B, limit: 3, ...filter });
        expect(found.length).toBeGreaterThan(0);
        expect(found.every((event) => event.organizationId === ORG_B)).toBe(true);
      }
      expect(await listAll(log, { organizationId: 'org_without_events' })).toEqual([]);
    });

    // 1,000 events in pages of 40: as many pages (25) as 2,500 in pages of 100, with less to sort
    // per page on servers that sort without an index (FerretDB took 77 s for the larger size).
    it('pages through 1,000 events with limit 40, each exactly once, in both orders and backwards', async () => {
      const log = await context.open();
      await declareSchemas(log);
      for (let i = 0; i < 5; i++)
        await log.createEvents(ORG_A, manyEvents(200, Date.parse('2024-01-01') + i * 200 * 60_000));
      const ascending = await listAll(log, { organizationId: ORG_A, limit: 40, order: 'asc' });
      expect(ascending).toHaveLength(1000);
      expect(new Set(ascending.map((event) => event.id)).size).toBe(1000);
      const times = ascending.map((event) => event.occurredAt.getTime());
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const descending = await listAll(log, { organizationId: ORG_A, limit: 40 });
      expect(descending.map((event) => event.id)).toEqual(ascending.map((event) => event.id).reverse());

      const first = await log.listEvents({ organizationId: ORG_A, limit: 40, order: 'asc' });
      const second = await log.listEvents({
        organizationId: ORG_A,
        limit: 40,
        order: 'asc',
        after: first.listMetadata.after ?? '',
      });
      expect(first.listMetadata.before).toBeNull();
      const back = await log.listEvents({
        organizationId: ORG_A,
        limit: 40,
        order: 'asc',
        before: second.listMetadata.before ?? '',
      });
      expect(back.data.map((event) => event.id)).toEqual(first.data.map((event) => event.id));
      expect(back.listMetadata.before).toBeNull();
    });

    it('pages through every pre-existing event exactly once while another task inserts events', async () => {
      const log = await context.open();
      await declareSchemas(log);
      for (let i = 0; i < 5; i++)
        await log.createEvents(ORG_A, manyEvents(200, Date.parse('2024-01-01') + i * 200 * 60_000));
      const existing = new Set(
        (await listAll(log, { organizationId: ORG_A, limit: 1000 })).map((event) => event.id),
      );
      let writing = true;
      const writer = (async () => {
        let n = 0;
        while (writing) {
          // New events land before, inside and after the range being paged.
          await log.createEvents(ORG_A, manyEvents(20, Date.parse('2023-12-31') + n * 7_919_000));
          n++;
          // Yield to timers and I/O: a store that answers from memory would otherwise starve the reader.
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await log.listEvents({
          organizationId: ORG_A,
          limit: 40,
          order: 'asc',
          ...(after ? { after } : {}),
        });
        seen.push(...page.data.map((event) => event.id));
        await new Promise((resolve) => setImmediate(resolve));
        if (!page.listMetadata.after) break;
        after = page.listMetadata.after;
      }
      writing = false;
      await writer;
      expect(new Set(seen).size).toBe(seen.length);
      const seenSet = new Set(seen);
      expect([...existing].filter((id) => !seenSet.has(id))).toEqual([]);
    });

    it('rejects bad list options', async () => {
      const log = await context.open();
      await expectAuditKitError(log.listEvents({ organizationId: ORG_A, limit: 1001 }), 'invalid_request');
      await expectAuditKitError(
        log.listEvents({ organizationId: ORG_A, after: 'not-a-cursor' }),
        'invalid_request',
      );
      await expectAuditKitError(
        log.listEvents({ organizationId: ORG_A, actions: 'x' } as never),
        'invalid_request',
      );
      await expectAuditKitError(
        log.listEvents({ organizationId: ORG_A, colour: 'red' } as never),
        'invalid_request',
      );
      await expectAuditKitError(
        log.listEvents({
          organizationId: ORG_A,
          rangeStart: '2024-02-01T00:00:00Z',
          rangeEnd: '2024-01-01T00:00:00Z',
        }),
        'invalid_export_range',
      );
      expect((await log.listEvents({ organizationId: ORG_A })).data).toEqual([]);
    });
  });
}
