import type { ChainLink, EventRow, SequenceChain, SequenceHead } from '@auditkit/core/store';
import type { Kysely, QueryCreator } from 'kysely';
import { sql } from 'kysely';
import { compiledByShape } from './compiled-by-shape.js';
import { type EventColumns, insertEventColumns, rowMajorValues } from './event-insert.js';
import type { AuditDatabase } from './tables.js';

/**
 * The statements that lock and move organizations' sequence heads, each compiled by kysely once
 * per shape (number of heads) and reused afterwards (see {@link compiledByShape}): the write path
 * runs one or two of them per group or batch, and building them was a tenth of what integrity
 * added to a group of a few `createEvent` calls. One set per store; `onReused` is told each SQL
 * text kept for reuse (see `SqlDialectTraits.reusedStatement`).
 *
 * @example
 * ```ts
 * const heads = sequenceHeadStatements();
 * const locked = await heads.lock(trx, ['org_1', 'org_2']);
 * ```
 */
export function sequenceHeadStatements(onReused?: (sql: string, parameterCount: number) => void) {
  const lockCompiled = compiledByShape(onReused);
  const advanceCompiled = compiledByShape(onReused);
  const writeCompiled = compiledByShape(onReused);
  const advanceWithRowsCompiled = compiledByShape(onReused);

  /**
   * Locks the sequence head rows of `organizations` until the transaction ends and returns them
   * (`undefined` for an organization before its first event). One statement for all of them, in
   * the order given (pass them sorted: two writes that share organizations then lock them in the
   * same order and cannot deadlock): an insert of zero heads that, on conflict, "updates" each
   * row to itself — which takes the row lock on PostgreSQL (a second writer of the organization
   * waits here until the first commits or rolls back) and the write lock on SQLite.
   */
  async function lock(
    executor: Kysely<AuditDatabase>,
    organizations: readonly string[],
  ): Promise<Map<string, SequenceHead | undefined>> {
    const values = organizations.map((organizationId) => ({
      organization_id: organizationId,
      position: 0,
      hash: '',
    }));
    const query = lockCompiled(`${values.length}`, headParameters(values), () =>
      executor
        .insertInto('auditkit_sequence_heads')
        .values(values)
        .onConflict((conflict) =>
          conflict
            .column('organization_id')
            .doUpdateSet((eb) => ({ position: eb.ref('auditkit_sequence_heads.position') })),
        )
        .returning(['organization_id', 'position', 'hash'])
        .compile(),
    );
    const { rows } = await executor.executeQuery<{
      organization_id: string;
      position: unknown;
      hash: string;
    }>(query);
    const heads = new Map<string, SequenceHead | undefined>(organizations.map((id) => [id, undefined]));
    for (const row of rows) {
      const position = Number(row.position);
      if (position > 0) heads.set(row.organization_id, { position, hash: row.hash });
    }
    return heads;
  }

  /**
   * Locks and advances, in one statement, the heads of organizations whose head this process
   * remembers (`from`, see `SequenceHeadCache`) to `to`: each head moves only if its hash in the
   * database is still the remembered one (a hash covers its organization and position, so it
   * names one head). Returns the organizations whose head moved. The others' rows are locked all
   * the same (PostgreSQL locks a conflicting row whether or not the `ON CONFLICT` update's
   * condition holds), so the caller reads them with `lock` and links again. Every organization in
   * `from` must have a head row already (the remembered positions are above 0): a missing row
   * would be inserted at the remembered position.
   */
  async function advanceFrom(
    executor: Kysely<AuditDatabase>,
    from: ReadonlyMap<string, SequenceHead>,
    to: ReadonlyMap<string, SequenceHead>,
  ): Promise<Set<string>> {
    const values = headRows(to);
    const rememberedHashes = [...from.values()].map((head) => head.hash);
    const query = advanceCompiled(
      `${values.length}:${rememberedHashes.length}`,
      [...headParameters(values), ...rememberedHashes],
      () => moveHeads(executor, values, rememberedHashes).returning('organization_id').compile(),
    );
    const { rows } = await executor.executeQuery<{ organization_id: string }>(query);
    return new Set(rows.map((row) => row.organization_id));
  }

  /**
   * `advanceFrom` and the insert of `rows` (event columns linked after the remembered heads) in
   * one statement that writes everything or nothing, for a database with data-modifying CTEs
   * (PostgreSQL). Run outside a transaction, it is the whole write of a group of `createEvent`
   * calls in one round trip instead of three (`BEGIN`, the statement, `COMMIT`); a single
   * statement is atomic, and the head rows stay locked until it commits, as in a transaction. The
   * heads' CTE is read first, so the head rows are locked before any event row is written.
   *
   * It fails as a whole, and writes nothing, when a head did not move (another writer moved it
   * since it was remembered) or a row was not inserted (its key was taken): the statement then
   * divides by zero (`SqlDialectTraits.headAdvanceWithInsert.isIncomplete`), since plain SQL has
   * no `RAISE`. It also fails when another writer holds a row's position
   * (`isPositionTaken`). In every case the caller writes again from the heads in the database,
   * in a transaction that handles replays.
   */
  async function advanceFromWithAllRows(
    executor: Kysely<AuditDatabase>,
    from: ReadonlyMap<string, SequenceHead>,
    to: ReadonlyMap<string, SequenceHead>,
    rows: readonly EventColumns[],
  ): Promise<void> {
    const values = headRows(to);
    const rememberedHashes = [...from.values()].map((head) => head.hash);
    const columns = Object.keys(rows[0] ?? {});
    const rowValues = rowMajorValues(rows, columns);
    const query = advanceWithRowsCompiled(
      `${values.length}:${rememberedHashes.length}:${rows.length}:${columns.join(',')}`,
      rowValues && [...headParameters(values), ...rememberedHashes, ...rowValues],
      () =>
        executor
          .with('moved', (db) => moveHeads(db, values, rememberedHashes).returning('organization_id'))
          .with('inserted', (db) => insertEventColumns(db, rows))
          .selectNoFrom(
            sql<number>`1 / (case when (select count(*) from moved) = ${sql.lit(values.length)} and (select count(*) from inserted) = ${sql.lit(rows.length)} then 1 else 0 end)`.as(
              'whole',
            ),
          )
          .compile(),
    );
    await executor.executeQuery(query);
  }

  /**
   * Moves the heads of organizations whose rows this transaction locked to `heads`, in one
   * statement (in ascending organization order, as they were locked).
   */
  async function write(
    executor: Kysely<AuditDatabase>,
    heads: ReadonlyMap<string, SequenceHead>,
  ): Promise<void> {
    if (heads.size === 0) return;
    const values = headRows(heads);
    const query = writeCompiled(`${values.length}`, headParameters(values), () =>
      moveHeads(executor, values).compile(),
    );
    await executor.executeQuery(query);
  }

  return { lock, advanceFrom, advanceFromWithAllRows, write };
}

/**
 * An upsert of head rows that moves each existing head to the row's position and hash — only
 * where the head's hash is one of `rememberedHashes`, when given.
 */
function moveHeads(
  db: QueryCreator<AuditDatabase>,
  values: readonly { organization_id: string; position: number; hash: string }[],
  rememberedHashes?: readonly string[],
) {
  return db
    .insertInto('auditkit_sequence_heads')
    .values([...values])
    .onConflict((conflict) => {
      const move = conflict
        .column('organization_id')
        .doUpdateSet((eb) => ({ position: eb.ref('excluded.position'), hash: eb.ref('excluded.hash') }));
      return rememberedHashes
        ? move.where('auditkit_sequence_heads.hash', 'in', [...rememberedHashes])
        : move;
    });
}

/** The values of head rows as kysely lists them: row by row, in column order. */
function headParameters(rows: readonly { organization_id: string; position: number; hash: string }[]) {
  return rows.flatMap((row) => [row.organization_id, row.position, row.hash]);
}

/** Head rows in ascending organization order (the order heads are locked in). */
function headRows(heads: ReadonlyMap<string, SequenceHead>) {
  return [...heads]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([organizationId, head]) => ({
      organization_id: organizationId,
      position: head.position,
      hash: head.hash,
    }));
}

/**
 * Each organization's last link among `links` (`links[i]` belongs to `rows[i]`): where its head
 * moves once the rows are stored.
 *
 * @example
 * ```ts
 * const heads = lastLinks(rows, links); // Map { 'org_1' => { position: 42, hash: '…' } }
 * ```
 */
export function lastLinks(rows: readonly EventRow[], links: readonly ChainLink[]): Map<string, SequenceHead> {
  const last = new Map<string, SequenceHead>();
  rows.forEach((row, index) => {
    const link = links[index];
    if (link) last.set(row.organizationId, { position: link.position, hash: link.hash });
  });
  return last;
}

/**
 * Core's links for `rows`, in row order: each organization's rows (in row order) appended after
 * its head in `heads`.
 *
 * @example
 * ```ts
 * const links = linkRows(rows, heads, chain); // links[i] belongs to rows[i]
 * ```
 */
export function linkRows(
  rows: readonly EventRow[],
  heads: ReadonlyMap<string, SequenceHead | undefined>,
  chain: SequenceChain,
): ChainLink[] {
  const indexesByOrganization = new Map<string, number[]>();
  rows.forEach((row, index) => {
    const indexes = indexesByOrganization.get(row.organizationId);
    if (indexes) indexes.push(index);
    else indexesByOrganization.set(row.organizationId, [index]);
  });
  const links: ChainLink[] = new Array(rows.length);
  for (const [organizationId, indexes] of indexesByOrganization) {
    const chained = chain(
      heads.get(organizationId),
      indexes.map((index) => {
        const row = rows[index] as EventRow;
        return { event: row, idempotencyKey: row.idempotencyKey };
      }),
    );
    if (chained.length !== indexes.length) throw new Error('the chain must return one link per event');
    indexes.forEach((rowIndex, linkIndex) => {
      links[rowIndex] = chained[linkIndex] as ChainLink;
    });
  }
  return links;
}
