import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditLogEvent, CreateAuditLogEventInput } from '../event-model.js';
import { csvHeader, csvRows, csvRowsFromCells, EXPORT_CELLS } from '../export-format.js';
import type { ConformanceContext } from './context.js';

// A store's `streamExportCells` (Postgres: COPY … TO STDOUT) must give, through core's
// `csvRowsFromCells`, byte for byte the CSV the event-object path writes for the same events.

const ORG = 'org_export_cells';
const EVENTS = 300;

/** Text that spreadsheets, CSV and JSON treat specially, and ordinary text. */
const trickyText = fc
  .oneof(
    fc.constantFrom(
      '=1+2',
      '+cmd',
      '-2',
      '@SUM(A1)',
      '\tlead',
      '\rlead',
      'a,b',
      'say "hi"',
      'line\nbreak',
      'cr\rlf\r\n',
      'back\\slash',
      '\\N',
      'tab\tinside',
      'ünïcödé',
      '😀 emoji',
      '\u2028\u2029',
      'ctl\u0001\u001f',
      '\u007f',
    ),
    fc.string({ minLength: 1, maxLength: 20 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
  )
  .filter((value) => value.length > 0 && value.isWellFormed() && !value.includes('\u0000'));
const numbers = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0.1, 1e21, 1.5e-7, 2 ** 53 + 2, -0, 123456789.12345679, 5e-324, 1.7976931348623157e308),
);
const metadata = fc.dictionary(
  fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/).filter((key) => !['constructor', 'prototype'].includes(key)),
  fc.oneof(
    trickyText.filter((value) => value.length <= 500),
    numbers,
    fc.boolean(),
  ),
  { maxKeys: 5 },
);
export const cellsEvent: fc.Arbitrary<CreateAuditLogEventInput> = fc.record(
  {
    action: trickyText,
    occurredAt: fc.oneof(
      fc.date({
        min: new Date('0000-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59.998Z'),
        noInvalidDate: true,
      }),
      fc.constantFrom(
        new Date('0000-01-01T00:00:00.000Z'),
        new Date('9999-12-31T23:59:59.998Z'),
        new Date(0),
      ),
    ),
    version: fc.integer({ min: 1, max: 2_147_483_647 }),
    actor: fc.record(
      { type: trickyText, id: trickyText, name: trickyText, metadata },
      { requiredKeys: ['type', 'id'] },
    ),
    targets: fc.array(
      fc.record(
        { type: trickyText, id: trickyText, name: trickyText, metadata },
        { requiredKeys: ['type', 'id'] },
      ),
      { maxLength: 3 },
    ),
    context: fc.record({ location: trickyText, userAgent: trickyText }, { requiredKeys: ['location'] }),
    metadata,
  },
  { requiredKeys: ['action', 'occurredAt', 'actor', 'targets', 'context'] },
);

async function cellsCsv(pages: AsyncIterable<readonly (string | null)[]>): Promise<string> {
  let out = csvHeader();
  for await (const cells of pages) {
    expect(cells.length % EXPORT_CELLS.length).toBe(0);
    out += csvRowsFromCells(cells);
  }
  return out;
}

export function exportCellsCases(context: ConformanceContext): void {
  describe('export cells', () => {
    it(`gives the same CSV as the event-object path for ${EVENTS} generated events with hostile text, numbers and dates`, async () => {
      const log = await context.open({ requireSchemas: false });
      const inputs = fc.sample(cellsEvent, { numRuns: EVENTS, seed: 19 });
      // Own keys: fast-check repeats values, and equal content would otherwise be one event.
      const items = inputs.map((input, i) => ({ event: input, idempotencyKey: `cells-${i}` }));
      for (let i = 0; i < items.length; i += 100) await log.createEvents(ORG, items.slice(i, i + 100));
      const store = context.lastStore();
      expect(typeof store.streamExportCells).toBe(
        context.capabilities.exportCells ? 'function' : 'undefined',
      );
      const filter = {
        organizationId: ORG,
        rangeStart: new Date('0000-01-01T00:00:00.000Z'),
        rangeEnd: new Date('9999-12-31T23:59:59.999Z'),
      };
      // The reference: every stored event decoded, in export order, written by csvRows.
      const events: AuditLogEvent[] = [];
      let after: AuditLogEvent | undefined;
      for (;;) {
        const page = await store.findEvents({
          ...filter,
          order: 'asc',
          limit: 100,
          ...(after ? { after: { occurredAt: after.occurredAt, id: after.id } } : {}),
        });
        events.push(...page);
        after = page.at(-1);
        if (page.length < 100) break;
      }
      expect(events).toHaveLength(EVENTS);
      const reference = csvHeader() + csvRows(events);
      let exported = '';
      for await (const chunk of log.exportEvents(filter)) exported += chunk;
      expect(exported).toBe(reference);
      if (store.streamExportCells) {
        expect(await cellsCsv(store.streamExportCells(filter))).toBe(reference);
        // Filters narrow the cells exactly as they narrow events.
        const actions = [...new Set(events.slice(0, 3).map((stored) => stored.action))];
        const narrowed = { ...filter, actions };
        expect(await cellsCsv(store.streamExportCells(narrowed))).toBe(
          csvHeader() + csvRows(events.filter((stored) => actions.includes(stored.action))),
        );
      }
    });

    it('releases the stream when the consumer stops early, and the next export still reads everything', async () => {
      const log = await context.open({ requireSchemas: false });
      const inputs = fc.sample(cellsEvent, { numRuns: 50, seed: 7 });
      await log.createEvents(
        ORG,
        inputs.map((input, i) => ({ event: input, idempotencyKey: `early-${i}` })),
      );
      const filter = {
        organizationId: ORG,
        rangeStart: new Date('0000-01-01T00:00:00Z'),
        rangeEnd: new Date('9999-12-31T23:59:59.999Z'),
      };
      // More abandoned exports than a pool has connections (pg's default is 10): a leaked
      // connection would make the last export wait forever.
      for (let round = 0; round < 12; round++) {
        for await (const chunk of log.exportEvents(filter)) {
          expect(chunk.startsWith('id,')).toBe(true);
          break;
        }
      }
      let text = '';
      for await (const chunk of log.exportEvents(filter)) text += chunk;
      const rows = (parse(text, { columns: true }) as unknown[]).length;
      expect(rows).toBe(50);
    });
  });
}
