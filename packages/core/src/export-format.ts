import { compactJson } from './compact-json.js';
import { CsvBytes, startsFormula } from './csv-bytes.js';
import type { AuditLogEvent } from './event-model.js';
import { isoTimeOf } from './iso-time.js';

/**
 * The CSV columns, in order (SPEC "Exports and reads"). Frozen: it describes every export file.
 *
 * @example
 * ```ts
 * const header = CSV_COLUMNS.join(','); // id,organization_id,action,…
 * ```
 */
export const CSV_COLUMNS = Object.freeze([
  'id',
  'organization_id',
  'action',
  'version',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_name',
  'actor_metadata',
  'targets',
  'context_location',
  'context_user_agent',
  'metadata',
  'received_at',
] as const);

/** The formats an export can be written in. */
export type ExportFormat = 'csv' | 'ndjson';

/**
 * Prefixes a cell a spreadsheet would evaluate with `'`, so it shows as text. OWASP: a cell
 * starting with `=`, `+`, `-`, `@`, tab or carriage return runs as a formula.
 *
 * @example
 * ```ts
 * neutralizeFormula('=HYPERLINK("http://x")'); // '\'=HYPERLINK("http://x")'
 * ```
 */
export function neutralizeFormula(cell: string): string {
  return startsFormula(cell.charCodeAt(0)) ? `'${cell}` : cell;
}

function csvRecord(event: AuditLogEvent): string[] {
  return [
    event.id,
    event.organizationId,
    event.action,
    String(event.version),
    event.occurredAt.toISOString(),
    event.actor.type,
    event.actor.id,
    event.actor.name ?? '',
    event.actor.metadata ? JSON.stringify(event.actor.metadata) : '',
    JSON.stringify(event.targets),
    event.context.location,
    event.context.userAgent ?? '',
    event.metadata ? JSON.stringify(event.metadata) : '',
    event.receivedAt.toISOString(),
  ];
}

/** The byte writer every CSV page goes through (synchronous: pages never interleave). */
const pageWriter = new CsvBytes();

// RFC 4180: a cell is quoted only when it holds a quote, comma or line break; quotes are doubled.
const NEEDS_QUOTES = /[",\r\n]/;
const QUOTE = /"/g;

/**
 * One CSV record (RFC 4180, CRLF line end), formula cells neutralised. Written directly rather
 * than through csv-stringify: its per-cell option handling profiled at a quarter of an export's
 * CPU; a property test checks the output equals csv-stringify's for any cells.
 */
export function csvLine(cells: readonly string[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) {
    const cell = neutralizeFormula(cells[i] as string);
    if (i > 0) line += ',';
    line += NEEDS_QUOTES.test(cell) ? `"${cell.replace(QUOTE, '""')}"` : cell;
  }
  return `${line}\r\n`;
}

/** The CSV header row, with its line end. */
export function csvHeader(): string {
  return csvLine(CSV_COLUMNS);
}

/**
 * {@link csvRows} built as a string with `csvLine`: the reference the byte writer is tested
 * against, and what it falls back to for a page holding a lone surrogate.
 */
export function csvRowsAsText(events: readonly AuditLogEvent[]): string {
  let out = '';
  for (const event of events) out += csvLine(csvRecord(event));
  return out;
}

/**
 * CSV rows (RFC 4180, formula cells neutralised) for a page of events, written as UTF-8 bytes by
 * the same writer as {@link csvRowsFromCells}; a property test checks it equals
 * {@link csvRowsAsText}.
 *
 * @example
 * ```ts
 * const text = csvHeader() + csvRows(page);
 * ```
 */
export function csvRows(events: readonly AuditLogEvent[]): string {
  const writer = pageWriter;
  writer.start();
  for (const event of events) {
    const cells = csvRecord(event);
    for (let i = 0; i < cells.length; i++) {
      if (i > 0) writer.separator();
      writer.cell(cells[i] as string);
    }
    writer.lineEnd();
  }
  return writer.text() ?? csvRowsAsText(events);
}

/** One JSON line per event, in the camelCase shape `createEvent` returns. */
export function ndjsonLines(events: readonly AuditLogEvent[]): string {
  let out = '';
  for (const event of events) out += `${JSON.stringify(event)}\n`;
  return out;
}

/**
 * What a store's `streamExportCells` reports for each event, in this order: the stored columns
 * as text. Times are milliseconds since the epoch in decimal, JSON columns the JSON text the
 * database returns (any spacing or key order: core re-serialises it the way the event-object
 * path does), and an absent optional value is `null`.
 *
 * @example
 * ```ts
 * const cellsPerEvent = EXPORT_CELLS.length; // 14
 * ```
 */
export const EXPORT_CELLS = Object.freeze([
  'id',
  'organizationId',
  'action',
  'version',
  'occurredAtMs',
  'actorType',
  'actorId',
  'actorName',
  'actorMetadataJson',
  'targetsJson',
  'contextLocation',
  'contextUserAgent',
  'metadataJson',
  'receivedAtMs',
] as const);

const CELLS = EXPORT_CELLS.length;

// The last time converted: events stored by one `createEvents` call share their `received_at`,
// so consecutive rows of an export often repeat it.
let lastMilliseconds: string | null = null;
let lastIso = '';

function isoOf(milliseconds: string | null): string {
  if (milliseconds !== lastMilliseconds) {
    lastIso = isoTimeOf(Number(milliseconds)); // throws first for an invalid time
    lastMilliseconds = milliseconds;
  }
  return lastIso;
}

/** The JSON text the event-object path writes for a JSON column: `JSON.stringify` of its value. */
function jsonOf(text: string | null): string {
  return text === null ? '' : compactJson(text);
}

function checkCellCount(cells: readonly (string | null)[]): void {
  if (cells.length % CELLS !== 0)
    throw new Error(`export cells come in groups of ${CELLS}, got ${cells.length}`);
}

/**
 * {@link csvRowsFromCells} built as a string from `csvLine`, `compactJson` and `isoTime`: the
 * reference the byte writer is tested against, and what it falls back to for a page whose cells
 * UTF-8 cannot carry (a lone surrogate).
 */
export function csvRowsFromCellsAsText(cells: readonly (string | null)[]): string {
  checkCellCount(cells);
  let out = '';
  for (let i = 0; i < cells.length; i += CELLS) {
    out += csvLine([
      cells[i] as string,
      cells[i + 1] as string,
      cells[i + 2] as string,
      String(Number(cells[i + 3])),
      isoOf(cells[i + 4] as string),
      cells[i + 5] as string,
      cells[i + 6] as string,
      cells[i + 7] ?? '',
      jsonOf(cells[i + 8] as string | null),
      jsonOf(cells[i + 9] as string),
      cells[i + 10] as string,
      cells[i + 11] ?? '',
      jsonOf(cells[i + 12] as string | null),
      isoOf(cells[i + 13] as string),
    ]);
  }
  return out;
}

/** A JSON cell: an absent value is an empty cell. */
function writeJson(writer: CsvBytes, text: string | null): void {
  if (text !== null) writer.jsonCell(text);
}

/**
 * CSV rows (RFC 4180, formula cells neutralised) for a page of export cells: byte for byte what
 * {@link csvRows} writes for the same events (an equivalence test in the conformance suite checks
 * it on every store that reports cells). Written as UTF-8 bytes by {@link CsvBytes}, which a
 * property test checks against {@link csvRowsFromCellsAsText}.
 *
 * @example
 * ```ts
 * for await (const page of store.streamExportCells(filter)) out.write(csvRowsFromCells(page));
 * ```
 */
export function csvRowsFromCells(cells: readonly (string | null)[]): string {
  checkCellCount(cells);
  const writer = pageWriter;
  writer.start();
  for (let i = 0; i < cells.length; i += CELLS) {
    writer.cell(cells[i] as string);
    writer.separator();
    writer.cell(cells[i + 1] as string);
    writer.separator();
    writer.cell(cells[i + 2] as string);
    writer.separator();
    writer.cell(String(Number(cells[i + 3])));
    writer.separator();
    writer.cell(isoOf(cells[i + 4] as string));
    writer.separator();
    writer.cell(cells[i + 5] as string);
    writer.separator();
    writer.cell(cells[i + 6] as string);
    writer.separator();
    writer.cell(cells[i + 7] ?? '');
    writer.separator();
    writeJson(writer, cells[i + 8] as string | null);
    writer.separator();
    writeJson(writer, cells[i + 9] as string);
    writer.separator();
    writer.cell(cells[i + 10] as string);
    writer.separator();
    writer.cell(cells[i + 11] ?? '');
    writer.separator();
    writeJson(writer, cells[i + 12] as string | null);
    writer.separator();
    writer.cell(isoOf(cells[i + 13] as string));
    writer.lineEnd();
  }
  return writer.text() ?? csvRowsFromCellsAsText(cells);
}
