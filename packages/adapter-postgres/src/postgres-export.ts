import type { EventFilter } from '@auditkit/core/store';
import { type AuditDatabase, filteredEvents } from '@auditkit/kysely-store';
import type { Kysely, PostgresPool } from 'kysely';
import { to as copyTo } from 'pg-copy-streams';
import { postgresTraits } from './postgres-traits.js';

// CSV exports through `COPY (SELECT …) TO STDOUT`: the server writes each row as one line of
// text, which is split into the export cells core expects (`EXPORT_CELLS`), with no row object,
// `Date` or parsed JSON per event here. Core turns the cells into CSV, so every CSV rule stays
// in core. The conformance suite's `export cells` cases check the result equals the
// event-object path byte for byte, hostile text, numbers and dates included.

/** The export cells, in `EXPORT_CELLS` order, as SQL over the filtered events `e`. */
const CELL_COLUMNS = [
  'e.id',
  'e.organization_id',
  'e.action',
  'e.version',
  // Milliseconds since the epoch: exact for AuditKit's millisecond times, and free of the
  // session's time zone and of Postgres' BC years, which the ISO text would carry.
  '(extract(epoch from e.occurred_at) * 1000)::int8',
  'e.actor_type',
  'e.actor_id',
  'e.actor_name',
  'e.actor_metadata',
  'e.targets',
  'e.context_location',
  'e.context_user_agent',
  'e.metadata',
  '(extract(epoch from e.received_at) * 1000)::int8',
].join(', ');

/** A value as an SQL literal: `COPY` takes no bind parameters. */
type Literal = (value: string) => string;

/**
 * The filtered events' query with each `$n` replaced by the literal of its parameter, outside
 * double-quoted identifiers (a schema may be named `"a$1"`). Every parameter of the events
 * filter is text (ids, names, actions, types, and times as `timestamptz` text); anything else is
 * refused rather than guessed at.
 */
export function inlineParameters(text: string, parameters: readonly unknown[], literal: Literal): string {
  return text.replace(/"(?:[^"]|"")*"|\$(\d+)/g, (match, index: string | undefined) => {
    if (index === undefined) return match;
    const value = parameters[Number(index) - 1];
    if (typeof value !== 'string') throw new Error(`export query parameter $${index} is not text`);
    return literal(value);
  });
}

/** Undoes COPY's text-format escapes (`\\`, `\n`, `\t`, …) in one field. */
function unescapeField(field: string): string {
  return field.replace(/\\(.)/gs, (_, code: string) => {
    switch (code) {
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return '\v';
      default:
        return code;
    }
  });
}

const CELLS_PER_EVENT = 14;
const NEWLINE = 0x0a;

/** Splits complete COPY text lines into cells, appending to `cells`. */
function pushCells(text: string, cells: (string | null)[]): void {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end);
    start = end + 1;
    const fields = line.split('\t');
    if (fields.length !== CELLS_PER_EVENT)
      throw new Error(`COPY returned a row of ${fields.length} fields, expected ${CELLS_PER_EVENT}`);
    // A backslash starts every escape and every NULL (`\N`): a line without one is pushed as it is.
    if (!line.includes('\\')) {
      for (const field of fields) cells.push(field);
      continue;
    }
    for (const field of fields)
      cells.push(field === '\\N' ? null : field.includes('\\') ? unescapeField(field) : field);
  }
}

/**
 * The Postgres store's `streamExportCells`: one `COPY` on a connection of the pool, read as a
 * stream (backpressure: the server waits while the consumer does), yielded about a chunk of the
 * socket at a time. A consumer that stops early destroys the connection, which ends the COPY.
 */
export async function* streamExportCells(
  getPool: () => Promise<PostgresPool>,
  db: Kysely<AuditDatabase>,
  filter: EventFilter,
): AsyncGenerator<(string | null)[]> {
  const { default: pg } = await import('pg');
  const compiled = filteredEvents(db, postgresTraits, { ...filter, order: 'asc' }).compile();
  const select = inlineParameters(compiled.sql, compiled.parameters, (value) => pg.escapeLiteral(value));
  const copy = `COPY (SELECT ${CELL_COLUMNS} FROM (${select}) AS e ORDER BY e.occurred_at, e.id) TO STDOUT`;
  const client = (await (await getPool()).connect()) as unknown as import('pg').PoolClient;
  let finished = false;
  try {
    const stream = client.query(copyTo(copy));
    let pending: Buffer | undefined;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const data = pending ? Buffer.concat([pending, chunk]) : chunk;
      const lastNewline = data.lastIndexOf(NEWLINE);
      if (lastNewline < 0) {
        pending = data;
        continue;
      }
      // Whole lines only: a chunk may end inside a line, or inside a multi-byte character.
      pending = lastNewline + 1 < data.length ? data.subarray(lastNewline + 1) : undefined;
      const cells: (string | null)[] = [];
      pushCells(data.toString('utf8', 0, lastNewline + 1), cells);
      yield cells;
    }
    if (pending && pending.length > 0) throw new Error('COPY ended inside a row');
    finished = true;
  } finally {
    // Released to the pool after a complete COPY; destroyed otherwise (an abandoned COPY would
    // leave the connection streaming rows nobody reads).
    client.release(finished ? undefined : true);
  }
}
