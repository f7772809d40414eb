import { chainEvents, type SequenceHead } from '@auditkit/core/store';
import type { Kysely } from 'kysely';
import type { SqlDialectTraits } from './dialect-traits.js';
import { columnsToEvent } from './event-rows.js';
import type { AuditDatabase } from './tables.js';

const PAGE = 500;

/**
 * Chains the events stored before migration `0004_event_sequence`: per organization, in
 * `(received_at, id)` order, positions 1, 2, 3… and core's hash links, then the organization's
 * head row. Runs inside the migration (its transaction and lock), so no write interleaves.
 *
 * @example
 * ```ts
 * await backfillSequence(db, sqliteTraits);
 * ```
 */
export async function backfillSequence(
  db: Kysely<unknown>,
  traits: SqlDialectTraits | undefined,
): Promise<void> {
  const events = db as unknown as Kysely<AuditDatabase>;
  // Built, not raw, SQL: the Postgres adapter's schema is applied by kysely's withSchema.
  const organizations = await events
    .selectFrom('auditkit_events')
    .select('organization_id')
    .distinct()
    .orderBy('organization_id')
    .execute();
  if (organizations.length === 0) return;
  if (!traits)
    throw new Error('migration 0004_event_sequence needs the dialect traits to chain stored events');
  for (const { organization_id: organizationId } of organizations) {
    let head: SequenceHead | undefined;
    let after: { receivedAt: unknown; id: string } | undefined;
    for (;;) {
      let page = events
        .selectFrom('auditkit_events')
        .selectAll()
        .where('organization_id', '=', organizationId);
      if (after) {
        const { receivedAt, id } = after;
        page = page.where((eb) => eb(eb.refTuple('received_at', 'id'), '>', eb.tuple(receivedAt, id)));
      }
      const rows = await page.orderBy('received_at').orderBy('id').limit(PAGE).execute();
      if (rows.length === 0) break;
      const links = chainEvents(
        head,
        rows.map((row) => ({ event: columnsToEvent(row, traits), idempotencyKey: row.idempotency_key })),
      );
      for (const [index, row] of rows.entries()) {
        const link = links[index];
        if (!link) throw new Error('the chain returned fewer links than events');
        await events
          .updateTable('auditkit_events')
          .set({ position: link.position, hash: link.hash, previous_hash: link.previousHash })
          .where('id', '=', row.id)
          .execute();
        head = { position: link.position, hash: link.hash };
      }
      const last = rows.at(-1);
      if (!last) break;
      after = { receivedAt: last.received_at, id: last.id };
    }
    if (head) {
      await events
        .insertInto('auditkit_sequence_heads')
        .values({ organization_id: organizationId, position: head.position, hash: head.hash })
        .execute();
    }
  }
}
