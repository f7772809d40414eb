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
  schema: SQL_SCHEMAS.sqlite,
};
