import type { ChainLink, EventRow, SequenceChain, SequenceHead } from '@auditkit/core/store';
import type { Kysely } from 'kysely';
import type { AuditDatabase } from './tables.js';

/**
 * Locks the organization's sequence head row until the transaction ends and returns it
 * (`undefined` before the organization's first event). One statement whether or not the row
 * exists: an insert of a zero head that, on conflict, "updates" the row to itself — which takes
 * the row lock on PostgreSQL (a second writer of the organization waits here until the first
 * commits or rolls back) and the write lock on SQLite.
 *
 * @example
 * ```ts
 * const head = await lockSequenceHead(trx, 'org_1'); // { position: 41, hash: '…' } or undefined
 * ```
 */
export async function lockSequenceHead(
  executor: Kysely<AuditDatabase>,
  organizationId: string,
): Promise<SequenceHead | undefined> {
  const row = await executor
    .insertInto('auditkit_sequence_heads')
    .values({ organization_id: organizationId, position: 0, hash: '' })
    .onConflict((conflict) =>
      conflict
        .column('organization_id')
        .doUpdateSet((eb) => ({ position: eb.ref('auditkit_sequence_heads.position') })),
    )
    .returning(['position', 'hash'])
    .executeTakeFirstOrThrow();
  const position = Number(row.position);
  return position > 0 ? { position, hash: row.hash } : undefined;
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

/**
 * Moves each organization's head to the last of its links (`links[i]` belongs to `rows[i]`),
 * inside the transaction that locked it.
 *
 * @example
 * ```ts
 * await writeSequenceHeads(trx, insertedRows, linksOfInsertedRows);
 * ```
 */
export async function writeSequenceHeads(
  executor: Kysely<AuditDatabase>,
  rows: readonly EventRow[],
  links: readonly ChainLink[],
): Promise<void> {
  const last = new Map<string, ChainLink>();
  rows.forEach((row, index) => {
    const link = links[index];
    if (link) last.set(row.organizationId, link);
  });
  for (const [organizationId, link] of [...last].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    await executor
      .updateTable('auditkit_sequence_heads')
      .set({ position: link.position, hash: link.hash })
      .where('organization_id', '=', organizationId)
      .execute();
  }
}
