import { SQL_SCHEMAS, type SqlDialectTraits } from '@auditkit/kysely-store';
import { type SqlBool, sql } from 'kysely';

/** How AuditKit's values live in SQLite: times as epoch milliseconds, JSON as text. */
export const sqliteTraits: SqlDialectTraits = {
  encodeTime: (date) => date.getTime(),
  decodeTime: (value) => new Date(Number(value)),
  encodeJson: (value) => JSON.stringify(value),
  decodeJson: (value) => JSON.parse(String(value)),
  hasTargetType: (types) =>
    sql<SqlBool>`exists (select 1 from json_each(auditkit_events.targets) as target where json_extract(target.value, '$.type') in (${sql.join(types)}))`,
  extraEventColumns: () => ({}),
  // 16 columns a row stays well under SQLite's 32,766 bound parameters.
  maxRowsPerInsert: 1000,
  // Measured on 100,000 events with AuditKit's schema (docs/benchmarks.md, ninth round): one
  // prepared single-row insert per row, through kysely, took ~10 µs a row against ~13.5 µs for
  // 1,000-row `INSERT … RETURNING` statements.
  rowByRowInsert: true,
  schema: SQL_SCHEMAS.sqlite,
};
