import type { SequencedEvent, SequenceHead, SequenceQuery } from '@auditkit/core/store';
import type { MongoCollections } from './mongo-collections.js';
import { fromEventDocument, type LinkDocument, type SequenceHeadDocument } from './mongo-documents.js';
import { byIds } from './mongo-id-filter.js';

/** The head readers may trust: before the pending links, which may not all be written yet. */
function completedHead(head: SequenceHeadDocument | null): SequenceHead | undefined {
  if (!head) return undefined;
  const first = head.pending?.[0];
  const completed = first
    ? { position: first.position - 1, hash: first.previous_hash }
    : { position: head.position, hash: head.hash };
  return completed.position > 0 ? completed : undefined;
}

/**
 * Sealed events of one organization after a position, ascending: its links in position order,
 * each with its event. Capped at the completed head, so a reader never sees position n+1 before
 * n's link is written (a sealer inserts a claim's links in one unordered command) and so never
 * moves past an event it has not seen. A link whose event is gone (deleted below AuditKit, or
 * purged between two reads) is skipped, as a missing row is on SQL: `verify` reports the gap.
 *
 * @example
 * ```ts
 * const page = await readSequencedEvents(collections, { organizationId: 'org_1', afterPosition: 0, limit: 100 });
 * ```
 */
export async function readSequencedEvents(
  { events, heads, links }: MongoCollections,
  { organizationId, afterPosition, limit }: SequenceQuery,
): Promise<SequencedEvent[]> {
  const head = completedHead(await heads.findOne({ _id: organizationId }));
  if (!head || head.position <= afterPosition) return [];
  const sealed: SequencedEvent[] = [];
  let after = afterPosition;
  // Until `limit` events, like a SQL `LIMIT` over the rows there: skipped links make another round.
  while (sealed.length < limit) {
    const wanted = limit - sealed.length;
    const page = await links
      .find({ organization_id: organizationId, position: { $gt: after, $lte: head.position } })
      .sort({ position: 1 })
      .limit(wanted)
      .toArray();
    if (page.length === 0) break;
    const found = new Map(
      (await events.find(byIds(page.map((link) => link._id))).toArray()).map((document) => [
        document._id,
        document,
      ]),
    );
    for (const link of page) {
      const document = found.get(link._id);
      if (document === undefined) continue;
      sealed.push({
        position: link.position,
        hash: link.hash,
        previousHash: link.previous_hash,
        idempotencyKey: document.idempotency_key,
        event: fromEventDocument(document),
      });
    }
    if (page.length < wanted) break;
    after = (page.at(-1) as LinkDocument).position;
  }
  return sealed;
}

/**
 * The organization's completed head; `undefined` before its first sealed event.
 *
 * @example
 * ```ts
 * const head = await getSequenceHead(collections, 'org_1');
 * ```
 */
export async function getSequenceHead(
  { heads }: MongoCollections,
  organizationId: string,
): Promise<SequenceHead | undefined> {
  return completedHead(await heads.findOne({ _id: organizationId }));
}
