import fc from 'fast-check';
import { expect, it } from 'vitest';
import type { AuditLogEvent } from '../src/event-model.js';
import {
  csvRows,
  csvRowsAsText,
  csvRowsFromCells,
  csvRowsFromCellsAsText,
  EXPORT_CELLS,
} from '../src/export-format.js';
import { normalizedEvent } from './event-arbitraries.js';
import { spell, spelling, tricky, value } from './json-spellings.js';

// The byte writer (csvRowsFromCells) against the string reference it replaces
// (csvRowsFromCellsAsText: csvLine, tested against csv-stringify; compactJson, tested against
// JSON.parse + JSON.stringify; isoTime, tested against toISOString).

/** Cell text rich in what CSV quoting, formula neutralising and UTF-8 encoding are about. */
const text = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom(
      ',',
      '"',
      '\r',
      '\n',
      '=',
      '+',
      '-',
      '@',
      '\t',
      ' ',
      'a',
      '\\',
      'é', // two bytes
      '€', // three bytes
      '\ue000', // three bytes, above the surrogates
      '\uffff',
      '\ud83d\ude00', // a pair: four bytes
      '\ud83d', // lone surrogates: the page falls back to the string path
      '\ude00',
    ),
  }),
);
const optionalText = fc.option(text, { nil: null });
/** JSON cells: a value in any spelling, any text (malformed JSON throws on both paths), or none. */
const json = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(value, spelling).map(([v, how]) => spell(v, how)) },
  // Keys and strings of any cell text (every UTF-8 length), in jsonb's spacing or another's.
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.dictionary(text, fc.oneof(text, fc.integer())), spelling)
      .map(([v, how]) => spell(v, how)),
  },
  // Whitespace other than spaces: tabs and line breaks between the tokens.
  {
    weight: 1,
    arbitrary: fc
      .tuple(value, fc.constantFrom('\t', '\r\n ', '\n'))
      .map(([v, indent]) => JSON.stringify(v, null, indent) ?? 'null'),
  },
  { weight: 1, arbitrary: tricky },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ' {"a": "=1,\\"2\\""}',
      '-5',
      ' -5', // a formula after leading whitespace
      '\n-1.5',
      '[1, 2]',
      '"\\ud83d"',
      '{"a": 1, "a": 2}',
    ),
  },
);
const optionalJson = fc.option(json, { nil: null });
const milliseconds = fc
  .oneof(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), fc.constantFrom(0, -1, 8.64e15))
  .map(String);
const version = fc.oneof(fc.integer({ min: 1, max: 1000 }).map(String), fc.constantFrom('01', '1.0', '2'));

const row = fc.tuple(
  text,
  text,
  text,
  version,
  milliseconds,
  text,
  text,
  optionalText,
  optionalJson,
  json,
  text,
  optionalText,
  optionalJson,
  milliseconds,
);

function outcome(write: () => string): string | { error: string } {
  try {
    return write();
  } catch (error) {
    return { error: (error as Error).name };
  }
}

it('writes exactly the string reference for any page of cells', () => {
  fc.assert(
    fc.property(fc.array(row, { maxLength: 6 }), (rows) => {
      const cells = rows.flat();
      expect(cells.length).toBe(rows.length * EXPORT_CELLS.length);
      expect(outcome(() => csvRowsFromCells(cells))).toEqual(outcome(() => csvRowsFromCellsAsText(cells)));
    }),
    { numRuns: 5000 },
  );
});

it('writes pages larger than the buffer it keeps, and the pages after it and after a lone surrogate, correctly', () => {
  const big = 'x'.repeat(40_000);
  const cells = [
    big,
    'org',
    'a,b',
    '1',
    '0',
    'user',
    'u"1',
    'é€😀',
    '{"k": "v"}',
    '[]',
    'loc',
    null,
    null,
    '1',
  ];
  // 4.8 MB: the buffer grows past what it keeps, and the next page starts from a small one again.
  const page = Array.from({ length: 120 }, () => cells).flat();
  expect(csvRowsFromCells(page)).toBe(csvRowsFromCellsAsText(page));
  const lone = [...cells];
  lone[7] = 'bad \ud800 half';
  expect(csvRowsFromCells(lone)).toBe(csvRowsFromCellsAsText(lone));
  expect(csvRowsFromCells(lone)).toContain('\ud800');
  expect(csvRowsFromCells(cells)).toBe(csvRowsFromCellsAsText(cells));
});

it('refuses a page whose cell count is not a whole number of events', () => {
  expect(() => csvRowsFromCells(['a', 'b'])).toThrow(/groups of 14/);
});

/** Stored events: generated normalized events with CSV-hostile text in the fields written as they are. */
const storedEvent: fc.Arbitrary<AuditLogEvent> = fc
  .tuple(
    normalizedEvent,
    text,
    text,
    text,
    fc.date({ min: new Date(0), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
  )
  .map(([event, id, organizationId, name, receivedAt]) => ({
    object: 'audit_log_event' as const,
    ...event,
    actor: { ...event.actor, name },
    id,
    organizationId,
    receivedAt,
  }));

it('writes the event-object path exactly as the string reference for any page of events', () => {
  fc.assert(
    fc.property(fc.array(storedEvent, { maxLength: 5 }), (events) => {
      expect(csvRows(events)).toBe(csvRowsAsText(events));
    }),
    { numRuns: 3000 },
  );
  const lone: AuditLogEvent = {
    object: 'audit_log_event',
    id: 'audit_log_event_1',
    organizationId: 'org_1',
    action: '=cmd',
    version: 1,
    occurredAt: new Date(0),
    actor: { type: 'user', id: 'u,1', name: 'half \ud800' },
    targets: [],
    context: { location: '"x"' },
    receivedAt: new Date(1),
  };
  expect(csvRows([lone])).toBe(csvRowsAsText([lone]));
  expect(csvRows([lone])).toContain('\ud800');
});
