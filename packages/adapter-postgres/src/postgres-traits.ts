import { SQL_SCHEMAS, type SqlDialectTraits } from '@auditkit/kysely-store';
import { type SqlBool, sql } from 'kysely';
import { fromTimestamptz, toTimestamptzText } from './postgres-time.js';

/**
 * How AuditKit's values live in PostgreSQL: times as `timestamptz`, JSON as `jsonb`, and each
 * event's target types copied into a `text[]` column that a GIN index serves.
 *
 * @example
 * ```ts
 * import { kyselyStore } from '@auditkit/kysely-store';
 *
 * const store = kyselyStore({ name: 'postgres', capabilities: { persistent: true }, db, traits: postgresTraits, migrate, release });
 * ```
 */
export const postgresTraits: SqlDialectTraits = {
  // UTC text, not the Date itself: pg would send local time and lose historic offsets' seconds.
  encodeTime: toTimestamptzText,
  // pg parses timestamptz into a Date (ms precision); an application that registered its own
  // type parser may hand us the text form instead.
  decodeTime: fromTimestamptz,
  // pg would send a JS array as a Postgres array literal, not JSON: serialize it ourselves.
  encodeJson: (value) => JSON.stringify(value),
  // jsonb arrives parsed. AuditKit only stores objects and arrays, never a bare JSON string, so
  // a string here can only be unparsed text from an application-level type parser.
  decodeJson: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
  // `&&` (overlaps) is a GIN-indexable operator, unlike a jsonb path test over `targets`.
  hasTargetType: (types) => sql<SqlBool>`target_types && ARRAY[${sql.join(types)}]::text[]`,
  extraEventColumns: (targets) => ({ target_types: [...new Set(targets.map((target) => target.type))] }),
  // 17 columns × 1,000 rows = 17,000 bind parameters, far under the protocol's 65,535, so a
  // column added later cannot push a full chunk over it; a batch still needs few round trips.
  maxRowsPerInsert: 1000,
  // A data-modifying CTE moves the sequence heads and inserts the rows in one round trip.
  headAdvanceWithInsert: { isIncomplete, isPositionTaken },
  schema: SQL_SCHEMAS.postgres,
};

/**
 * Whether `error` is the one-statement write refusing to finish: its guard divides by zero when a
 * head did not move or a row was not inserted (`sequenceHeadStatements().advanceFromWithAllRows`).
 */
function isIncomplete(error: unknown): boolean {
  // 22012: division_by_zero, which nothing else in that statement can raise.
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '22012';
}

/** Whether `error` is PostgreSQL refusing a row whose `(organization_id, position)` is taken. */
function isPositionTaken(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  // 23505: unique_violation; the index migration 0004_event_sequence creates.
  return code === '23505' && constraint === 'auditkit_events_sequence';
}
