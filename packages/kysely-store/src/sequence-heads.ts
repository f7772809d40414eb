import type { ChainLink, EventRow, SequenceChain, SequenceHead } from '@auditkit/core/store';
import type { Kysely } from 'kysely';
import type { AuditDatabase } from './tables.js';

/**
 * Locks the sequence head rows of `organizations` until the transaction ends and returns them
 * (`undefined` for an organization before its first event). One statement for all of them, in
 * the order given (pass them sorted: two writes that share organizations then lock them in the
 * same order and cannot deadlock): an insert of zero heads that, on conflict, "updates" each row
 * to itself — which takes the row lock on PostgreSQL (a second writer of the organization waits
 * here until the first commits or rolls back) and the write lock on SQLite.
 *
 * @example
 * ```ts
 * const heads = await lockSequenceHeads(trx, ['org_1', 'org_2']); // Map { 'org_1' => { position: 41, hash: '…' }, 'org_2' => undefined }
 * ```
 */
export async function lockSequenceHeads(
  executor: Kysely<AuditDatabase>,
  organizations: readonly string[],
): Promise<Map<string, SequenceHead | undefined>> {
  const rows = await executor
    .insertInto('auditkit_sequence_heads')
    .values(
      organizations.map((organizationId) => ({ organization_id: organizationId, position: 0, hash: '' })),
    )
    .onConflict((conflict) =>
      conflict
        .column('organization_id')
        .doUpdateSet((eb) => ({ position: eb.ref('auditkit_sequence_heads.position') })),
    )
    .returning(['organization_id', 'position', 'hash'])
    .execute();
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
 * database is still the remembered one (a hash covers its organization and position, so it names
 * one head). Returns the organizations whose head moved. The others' rows are locked all the same
 * (PostgreSQL locks a conflicting row whether or not the `ON CONFLICT` update's condition holds),
 * so the caller reads them with {@link lockSequenceHeads} and links again. Every organization in
 * `from` must have a head row already (the remembered positions are above 0): a missing row would
 * be inserted at the remembered position.
 *
 * @example
 * ```ts
 * const moved = await advanceSequenceHeadsFrom(trx, remembered, lastLinks(rows, links));
 * ```
 */
export async function advanceSequenceHeadsFrom(
  executor: Kysely<AuditDatabase>,
  from: ReadonlyMap<string, SequenceHead>,
  to: ReadonlyMap<string, SequenceHead>,
): Promise<Set<string>> {
  const rows = await executor
    .insertInto('auditkit_sequence_heads')
    .values(headRows(to))
    .onConflict((conflict) =>
      conflict
        .column('organization_id')
        .doUpdateSet((eb) => ({ position: eb.ref('excluded.position'), hash: eb.ref('excluded.hash') }))
        .where(
          'auditkit_sequence_heads.hash',
          'in',
          [...from.values()].map((head) => head.hash),
        ),
    )
    .returning('organization_id')
    .execute();
  return new Set(rows.map((row) => row.organization_id));
}

/**
 * Moves the heads of organizations whose rows this transaction locked to `heads`, in one
 * statement (in ascending organization order, as they were locked).
 *
 * @example
 * ```ts
 * await writeSequenceHeads(trx, lastLinks(insertedRows, linksOfInsertedRows));
 * ```
 */
export async function writeSequenceHeads(
  executor: Kysely<AuditDatabase>,
  heads: ReadonlyMap<string, SequenceHead>,
): Promise<void> {
  if (heads.size === 0) return;
  await executor
    .insertInto('auditkit_sequence_heads')
    .values(headRows(heads))
    .onConflict((conflict) =>
      conflict
        .column('organization_id')
        .doUpdateSet((eb) => ({ position: eb.ref('excluded.position'), hash: eb.ref('excluded.hash') })),
    )
    .execute();
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
