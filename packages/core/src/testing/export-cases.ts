import { existsSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { AuditLog } from '../audit-log.js';
import type { AuditLogEvent } from '../event-model.js';
import { CSV_COLUMNS } from '../export-format.js';
import type { ConformanceContext } from './context.js';
import { expectAuditKitError } from './expect-error.js';
import { declareSchemas, manyEvents, ORG_A, ORG_B, signInEvent } from './fixtures.js';

const RANGE = {
  rangeStart: new Date('2000-01-01T00:00:00.000Z'),
  rangeEnd: new Date('2100-01-01T00:00:00.000Z'),
};

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

function parseCsv(text: string): Record<string, string>[] {
  // Every line break ends a record unless quoted, as spreadsheets read it: an unquoted "\n" in a
  // user agent would otherwise let one event's text forge a record of its own.
  return parse(text, {
    columns: true,
    skip_empty_lines: false,
    record_delimiter: ['\r\n', '\n', '\r'],
  }) as Record<string, string>[];
}

/** The CSV row an event must produce; `'` marks cells a spreadsheet would run as formulas. */
function expectedRow(event: AuditLogEvent): Record<string, string> {
  const text = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
  return {
    id: event.id,
    organization_id: text(event.organizationId),
    action: text(event.action),
    version: String(event.version),
    occurred_at: event.occurredAt.toISOString(),
    actor_type: text(event.actor.type),
    actor_id: text(event.actor.id),
    actor_name: text(event.actor.name ?? ''),
    actor_metadata: event.actor.metadata ? JSON.stringify(event.actor.metadata) : '',
    targets: JSON.stringify(event.targets),
    context_location: text(event.context.location),
    context_user_agent: text(event.context.userAgent ?? ''),
    metadata: event.metadata ? JSON.stringify(event.metadata) : '',
    received_at: event.receivedAt.toISOString(),
  };
}

async function storedEvents(log: AuditLog, organizationId: string): Promise<AuditLogEvent[]> {
  return (await log.listEvents({ organizationId, order: 'asc', limit: 1000 })).data;
}

export function exportCases(context: ConformanceContext): void {
  describe('exports', () => {
    it('writes RFC 4180 CSV that parses back to the stored events, tricky text included', async () => {
      const log = await context.open({ exportPageSize: 3 });
      await declareSchemas(log);
      const tricky = [
        'comma, inside',
        'quote " inside',
        'line\nbreak',
        'crlf\r\nbreak',
        'lone\rreturn',
        'ünïcødé 日本語 🚀',
        ' padded ',
      ];
      await log.createEvents(
        ORG_A,
        tricky.map((name, i) =>
          signInEvent({
            occurredAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
            actor: { type: 'user', id: `u${i}`, name, metadata: { note: name } },
            targets: [{ type: 'team', id: `t${i}`, name, metadata: { n: i, flag: i % 2 === 0 } }],
            context: { location: name, userAgent: name },
            metadata: { text: name, [`key_${i}`]: 1.5 },
          }),
        ),
      );
      await log.createEvents(ORG_A, manyEvents(5));
      const text = await collect(log.exportEvents({ organizationId: ORG_A, ...RANGE }));
      expect(text.split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
      expect(text.endsWith('\r\n')).toBe(true);
      const rows = parseCsv(text);
      const stored = await storedEvents(log, ORG_A);
      expect(rows).toEqual(stored.map(expectedRow));
      expect(rows).toHaveLength(12);
    });

    it('neutralises cells a spreadsheet would run as formulas', async () => {
      const log = await context.open();
      await declareSchemas(log);
      const payloads = ['=SUM(A1:A9)', '+1+2', '-3-4', '@cmd', '\tTAB', '\rCR'];
      await log.createEvents(
        ORG_A,
        payloads.map((payload, i) =>
          signInEvent({
            occurredAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
            actor: { type: 'user', id: payload, name: payload },
            context: { location: payload },
          }),
        ),
      );
      const rows = parseCsv(await collect(log.exportEvents({ organizationId: ORG_A, ...RANGE })));
      expect(rows.map((row) => row.actor_name)).toEqual(payloads.map((payload) => `'${payload}`));
      expect(rows.map((row) => row.actor_id)).toEqual(payloads.map((payload) => `'${payload}`));
      expect(rows.map((row) => row.context_location)).toEqual(payloads.map((payload) => `'${payload}`));
    });

    it('streams NDJSON in the same shape createEvent returns', async () => {
      const log = await context.open({ exportPageSize: 4 });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(10));
      const lines = (
        await collect(log.exportEvents({ organizationId: ORG_A, ...RANGE }, { format: 'ndjson' }))
      )
        .split('\n')
        .filter(Boolean);
      const stored = await storedEvents(log, ORG_A);
      expect(lines.map((line) => JSON.parse(line))).toEqual(JSON.parse(JSON.stringify(stored)));
    });

    it('exports only matching events of the organization, in occurredAt then id order', async () => {
      const log = await context.open({ exportPageSize: 7 });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(40));
      await log.createEvents(ORG_B, manyEvents(40));
      const filters = {
        organizationId: ORG_B,
        ...RANGE,
        actions: ['user.signed_in', 'document.shared'],
        targets: ['team', 'document'],
      };
      const rows = parseCsv(await collect(log.exportEvents(filters)));
      const expected = (await storedEvents(log, ORG_B)).filter(
        (event) =>
          event.action !== 'user.signed_out' && event.targets.some((target) => target.type !== 'user'),
      );
      expect(rows.map((row) => row.id)).toEqual(expected.map((event) => event.id));
      expect(rows.every((row) => row.organization_id === ORG_B)).toBe(true);
    });

    it('writes a header-only CSV when nothing matches', async () => {
      const log = await context.open();
      const text = await collect(log.exportEvents({ organizationId: ORG_A, ...RANGE }));
      expect(text).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
    });

    it('lets a consumer stop reading early, and the next export still reads everything', async () => {
      const log = await context.open({ exportPageSize: 4 });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(30));
      let chunks = 0;
      for await (const _chunk of log.exportEvents(
        { organizationId: ORG_A, ...RANGE },
        { format: 'ndjson' },
      )) {
        if (++chunks === 2) break;
      }
      expect(chunks).toBe(2);
      const lines = (
        await collect(log.exportEvents({ organizationId: ORG_A, ...RANGE }, { format: 'ndjson' }))
      )
        .split('\n')
        .filter(Boolean);
      expect(lines).toHaveLength(30);
    });

    it('holds every pre-existing event exactly once while events are written concurrently', async () => {
      const log = await context.open({ exportPageSize: 50 });
      await declareSchemas(log);
      for (let i = 0; i < 4; i++)
        await log.createEvents(ORG_A, manyEvents(250, Date.parse('2024-01-01') + i * 250 * 60_000));
      const existing = (await log.listEvents({ organizationId: ORG_A, limit: 1000 })).data.map(
        (event) => event.id,
      );
      let writing = true;
      const writer = (async () => {
        for (let n = 0; writing; n++) {
          await log.createEvents(ORG_A, manyEvents(10, Date.parse('2023-12-31') + n * 3_333_000));
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const ids: string[] = [];
      for await (const chunk of log.exportEvents({ organizationId: ORG_A, ...RANGE }, { format: 'ndjson' })) {
        for (const line of chunk.split('\n').filter(Boolean))
          ids.push((JSON.parse(line) as { id: string }).id);
        await new Promise((resolve) => setImmediate(resolve));
      }
      writing = false;
      await writer;
      expect(new Set(ids).size).toBe(ids.length);
      const exported = new Set(ids);
      expect(existing.filter((id) => !exported.has(id))).toEqual([]);
    });

    it('rejects a missing or inverted range with invalid_export_range and unknown filters with invalid_request', async () => {
      const log = await context.open();
      const start = new Date('2024-01-01T00:00:00Z');
      await expectAuditKitError(
        collectLater(log, { organizationId: ORG_A, rangeEnd: start }),
        'invalid_export_range',
      );
      await expectAuditKitError(
        collectLater(log, { organizationId: ORG_A, rangeStart: start, rangeEnd: start }),
        'invalid_export_range',
      );
      await expectAuditKitError(
        collectLater(log, { organizationId: ORG_A, rangeStart: start, rangeEnd: 'tomorrow' }),
        'invalid_export_range',
      );
      await expectAuditKitError(
        collectLater(log, { organizationId: ORG_A, ...RANGE, actors: ['x'] }),
        'invalid_request',
      );
      await expectAuditKitError(
        collectLater(log, { organizationId: ORG_A, ...RANGE, actions: [7] }),
        'invalid_request',
      );
      await expectAuditKitError(
        log.createExport({ organizationId: ORG_A, rangeStart: start } as never),
        'invalid_export_range',
      );
    });

    it('takes over an export whose producer died once its lease expires, and produces it from scratch', async () => {
      const log = await context.open({ exports: { takeoverAfterMs: 1_000 } });
      await declareSchemas(log);
      const events = await log.createEvents(ORG_A, manyEvents(120));
      const store = context.lastStore();
      // A producer that died: it held the lease (briefly) and claimed the record, then vanished.
      const id = 'audit_log_export_orphaned';
      const dead = await store.acquireLease({ name: `auditkit:export:${id}`, holder: 'dead', ttlMs: 200 });
      const now = new Date();
      await store.insertExport({
        id,
        state: 'pending',
        organizationId: ORG_A,
        format: 'ndjson',
        filters: JSON.stringify({ organizationId: ORG_A, ...RANGE }),
        createdAt: now,
        updatedAt: now,
        leaseToken: dead?.token ?? 1,
      });
      const done = await log.waitForExport(id, { timeoutMs: 30_000 });
      expect(done).toMatchObject({ state: 'ready', rowCount: 120 });
      const stored = await store.getExport(id);
      expect(stored?.leaseToken).toBeGreaterThan(dead?.token ?? Number.POSITIVE_INFINITY);
      const file = await log.openExport(id);
      if (file?.kind !== 'stream') throw new Error(`expected the file as a stream, got ${file?.kind}`);
      let text = '';
      for await (const chunk of file.body) text += String(chunk);
      const ids = text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { id: string }).id);
      expect(ids.sort()).toEqual(events.map((event) => event.id).sort());
    });

    it('leaves a pending export alone while its producer holds the lease, and takes it once released', async () => {
      const log = await context.open({ exports: { takeoverAfterMs: 1_000 } });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(5));
      const store = context.lastStore();
      const id = 'audit_log_export_alive';
      const alive = await store.acquireLease({
        name: `auditkit:export:${id}`,
        holder: 'alive',
        ttlMs: 60_000,
      });
      const now = new Date();
      await store.insertExport({
        id,
        state: 'pending',
        organizationId: ORG_A,
        format: 'csv',
        filters: JSON.stringify({ organizationId: ORG_A, ...RANGE }),
        createdAt: now,
        updatedAt: now,
        leaseToken: alive?.token ?? 1,
      });
      // Several scans and polls pass: the live producer keeps it.
      for (let poll = 0; poll < 8; poll++) {
        expect((await log.getExport(id)).state).toBe('pending');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect((await store.getExport(id))?.leaseToken).toBe(alive?.token);
      await store.releaseLease(`auditkit:export:${id}`, 'alive');
      expect(await log.waitForExport(id, { timeoutMs: 30_000 })).toMatchObject({
        state: 'ready',
        rowCount: 5,
      });
    });

    it('deletes an export file after it expires and reports the export expired', async () => {
      const log = await context.open({ exports: { expiresAfterMs: 1_500, expirySweepMs: 200 } });
      await declareSchemas(log);
      await log.createEvents(ORG_A, manyEvents(10));
      const job = await log.createExport({ organizationId: ORG_A, ...RANGE });
      const ready = await log.waitForExport(job.id, { timeoutMs: 30_000 });
      expect(ready).toMatchObject({ state: 'ready', rowCount: 10 });
      expect(ready.expiresAt?.getTime()).toBeGreaterThan(ready.updatedAt.getTime());
      const path = ready.path;
      if (path === undefined) throw new Error('the filesystem storage gives ready exports a path');
      expect(existsSync(path)).toBe(true);
      const deadline = Date.now() + 20_000;
      while ((await context.lastStore().getExport(job.id))?.state !== 'expired') {
        if (Date.now() > deadline) throw new Error('the expired export was never swept');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(existsSync(path)).toBe(false);
      const expired = await log.getExport(job.id);
      expect(expired).toMatchObject({ state: 'expired', rowCount: 10 });
      expect(expired.url).toBeUndefined();
      expect(expired.path).toBeUndefined();
      expect(await log.openExport(job.id)).toBeUndefined();
      expect(await log.waitForExport(job.id)).toMatchObject({ state: 'expired' });
    });
  });
}

function collectLater(log: AuditLog, filters: Record<string, unknown>): Promise<string> {
  return (async () => collect(log.exportEvents(filters as never)))();
}
