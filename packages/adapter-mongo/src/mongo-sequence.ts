import type { SequencedEvent, SequenceHead, SequenceQuery } from '@auditkit/core/store';
import type { MongoCollections } from './mongo-collections.js';
import { fromEventDocument, type SequenceHeadDocument } from './mongo-documents.js';

/** The head readers may trust: before the pending links, whose events may not all be written yet. */
function completedHead(head: SequenceHeadDocument | null): SequenceHead | undefined {
  if (!head) return undefined;
  const first = head.pending?.[0];
  const completed = first
    ? { position: first.position - 1, hash: first.previous_hash }
    : { position: head.position, hash: head.hash };
  return completed.position > 0 ? completed : undefined;
}

/**
 * Sealed events of one organization after a position, ascending. Capped at the completed head,
 * so a reader never sees position n+1 before n is written (a sealer writes a batch's links
 * one by one) and so never moves past an event it has not seen.
 *
 * @example
 * ```ts
 * const page = await readSequencedEvents(collections, { organizationId: 'org_1', afterPosition: 0, limit: 100 });
 * ```
 */
export async function readSequencedEvents(
  { events, heads }: MongoCollections,
  { organizationId, afterPosition, limit }: SequenceQuery,
): Promise<SequencedEvent[]> {
  const head = completedHead(await heads.findOne({ _id: organizationId }));
  if (!head || head.position <= afterPosition) return [];
  const documents = await events
    .find({ organization_id: organizationId, position: { $gt: afterPosition, $lte: head.position } })
    .sort({ position: 1 })
    .limit(limit)
    .toArray();
  return documents.map((document) => {
    const { position, hash, previous_hash: previousHash } = document;
    if (position === undefined || hash === undefined || previousHash === undefined) {
      throw new Error(`event ${document._id} has a position but no chain hash`);
    }
    return {
      position,
      hash,
      previousHash,
      idempotencyKey: document.idempotency_key,
      event: fromEventDocument(document),
    };
  });
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
