import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { AuditDatabase } from '../src/tables.js';

/** The SQL dialects AuditKit ships adapters for, as kysely compiles them. */
export const DIALECTS = {
  sqlite: {
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
  postgres: {
    createAdapter: () => new PostgresAdapter(),
    createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
} as const;

export type DialectName = keyof typeof DIALECTS;

/**
 * A Kysely on `dialect`'s real compiler whose driver records every query it is asked to run
 * (answering with `answerRows`' rows, or none, and with `affectedRows`' count when given), and
 * which counts the insert queries kysely was asked to build.
 */
export function recordingKysely(
  dialect: DialectName,
  affectedRows?: (query: CompiledQuery, index: number) => bigint | undefined,
  answerRows?: (query: CompiledQuery) => unknown[],
) {
  const executed: CompiledQuery[] = [];
  const connection: DatabaseConnection = {
    async executeQuery(query) {
      executed.push(query);
      const numAffectedRows = affectedRows?.(query, executed.length - 1);
      const rows = (answerRows?.(query) ?? []) as never[];
      return numAffectedRows === undefined ? { rows } : { rows, numAffectedRows };
    },
    // biome-ignore lint/correctness/useYield: never streamed; refusing is the point
    async *streamQuery() {
      throw new Error('the recording driver does not stream');
    },
  };
  const driver: Driver = {
    async init() {},
    async acquireConnection() {
      return connection;
    },
    async beginTransaction() {},
    async commitTransaction() {},
    async rollbackTransaction() {},
    async releaseConnection() {},
    async destroy() {},
  };
  const dialectWithDriver: Dialect = { ...DIALECTS[dialect], createDriver: () => driver };
  const db = new Kysely<AuditDatabase>({ dialect: dialectWithDriver });
  let builds = 0;
  const counted = new Proxy(db, {
    get(target, name) {
      // Every statement of the write path starts here: an insert, or a CTE (`with`).
      if (name === 'insertInto' || name === 'with') builds++;
      const member: unknown = Reflect.get(target, name, target);
      return typeof member === 'function' ? member.bind(target) : member;
    },
  });
  return { db: counted, plain: db, executed, builds: () => builds };
}
