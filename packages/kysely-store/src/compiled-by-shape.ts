import { CompiledQuery } from 'kysely';

/**
 * Compiles a query through kysely once per shape and reuses its SQL text afterwards.
 *
 * Kysely builds and compiles a fresh query tree on every call. For the statements the write path
 * runs on every group or batch (the event insert, the sequence-head statements) the SQL text
 * depends only on a shape the caller names (row count, column list, head count), so it is
 * compiled once and reused with the call's parameters. A shape is reused only after its first
 * compilation showed that kysely's parameters are exactly the ones the caller lists, in the same
 * order; otherwise every call is compiled by kysely, merely slower. Property tests
 * (`event-insert.test.ts`, `sequence-heads.test.ts`) hold each use to what kysely compiles.
 *
 * One cache per store: the SQL of a store carries its schema (PostgreSQL's `withSchema`).
 * `onReused` is told each SQL text once, when it is kept for reuse, with its parameter count
 * (see `SqlDialectTraits.reusedStatement`: PostgreSQL prepares these texts on each connection).
 *
 * @example
 * ```ts
 * const compiled = compiledByShape();
 * const query = compiled(`${rows.length}`, parameters, () => db.insertInto('t').values(rows).compile());
 * const sql = compiled.reusedSql(`${rows.length}`); // the text, once kept for reuse
 * ```
 */
export function compiledByShape(onReused?: (sql: string, parameterCount: number) => void) {
  const sqlByShape = new Map<string, string>();
  function compiled(
    shape: string,
    parameters: readonly unknown[] | undefined,
    build: () => CompiledQuery,
  ): CompiledQuery {
    const cachedSql = parameters ? sqlByShape.get(shape) : undefined;
    if (cachedSql !== undefined && parameters) return CompiledQuery.raw(cachedSql, [...parameters]);
    const query = build();
    if (parameters && sameValues(query.parameters, parameters)) {
      sqlByShape.set(shape, query.sql);
      onReused?.(query.sql, parameters.length);
    }
    return query;
  }
  /** The shape's SQL text once kept for reuse (its parameters shown to be the caller's); else `undefined`. */
  const reusedSql = (shape: string): string | undefined => sqlByShape.get(shape);
  return Object.assign(compiled, { reusedSql });
}

function sameValues(compiled: readonly unknown[], ours: readonly unknown[]): boolean {
  return compiled.length === ours.length && compiled.every((value, index) => value === ours[index]);
}
