import { stringify } from 'csv-stringify/sync';
import type { AuditLogEvent } from './event-model.js';

/** The CSV columns, in order (SPEC "Exports and reads"). */
export const CSV_COLUMNS = [
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
] as const;

/** The formats an export can be written in. */
export type ExportFormat = 'csv' | 'ndjson';

// OWASP: a spreadsheet runs a cell starting with one of these as a formula.
const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes a cell a spreadsheet would evaluate with `'`, so it shows as text. */
export function neutralizeFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
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
  ].map(neutralizeFormula);
}

// RFC 4180: CRLF line ends, quotes only where a cell needs them.
const CSV_OPTIONS = { record_delimiter: 'windows', eof: true } as const;

/** The CSV header row, with its line end. */
export function csvHeader(): string {
  return stringify([[...CSV_COLUMNS]], CSV_OPTIONS);
}

/** CSV rows (RFC 4180, formula cells neutralised) for a page of events. */
export function csvRows(events: readonly AuditLogEvent[]): string {
  return events.length === 0 ? '' : stringify(events.map(csvRecord), CSV_OPTIONS);
}

/** One JSON line per event, in the camelCase shape `createEvent` returns. */
export function ndjsonLines(events: readonly AuditLogEvent[]): string {
  let out = '';
  for (const event of events) out += `${JSON.stringify(event)}\n`;
  return out;
}
