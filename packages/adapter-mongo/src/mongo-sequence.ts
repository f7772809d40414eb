import type { SequenceChain, SequencedEvent, SequenceHead, SequenceQuery } from '@auditkit/core/store';
import type { AnyBulkWriteOperation } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import {
  type EventDocument,
  fromEventDocument,
  type PendingLink,
  type SequenceHeadDocument,
} from './mongo-documents.js';
import { isDuplicateKeyError } from './mongo-duplicates.js';
import { byIds } from './mongo-id-filter.js';

// A sealer that keeps losing the compare-and-set to another one leaves the rest to the winner.
const MAX_ATTEMPTS = 8;

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

/**
 * Seals up to `limit` unsealed events, in `_id` order, each organization's after its head.
 *
 * Without transactions the head is the one point of agreement: a sealer claims positions by a
 * compare-and-set of the head that also records the claimed links (`pending`), then writes each
 * link onto its event (only onto an event without a position), then clears `pending`. A sealer
 * that finds `pending` set completes it first, so a sealer that stopped half-way is finished by
 * the next, and two sealers can never give two events one position: only the one whose
 * compare-and-set succeeded wrote links, and only the links it recorded.
 *
 * @example
 * ```ts
 * const sealed = await sealEvents(collections, chainEvents, 500);
 * ```
 */
export async function sealEvents(
  collections: MongoCollections,
  chain: SequenceChain,
  limit: number,
): Promise<number> {
  // `position: null` matches the events without one, and is what an index on `position` serves.
  const unsealed = await collections.events
    .find({ position: null } as never)
    .sort({ _id: 1 })
    .limit(limit)
    .toArray();
  const byOrganization = new Map<string, string[]>();
  for (const document of unsealed) {
    const ids = byOrganization.get(document.organization_id);
    if (ids) ids.push(document._id);
    else byOrganization.set(document.organization_id, [document._id]);
  }
  let sealed = 0;
  for (const [organizationId, ids] of byOrganization) {
    sealed += await sealOrganization(collections, organizationId, ids, chain);
  }
  return sealed;
}

async function sealOrganization(
  { events, heads }: MongoCollections,
  organizationId: string,
  ids: readonly string[],
  chain: SequenceChain,
): Promise<number> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const head = await heads.findOne({ _id: organizationId });
    if (head?.pending) {
      await completePending(events, head.pending);
      await heads.updateOne(
        { _id: organizationId, position: head.position, hash: head.hash },
        { $unset: { pending: '' } },
      );
      continue;
    }
    // Read after the head: an event another sealer linked before this head moved is excluded.
    const found = await events.find({ ...byIds(ids), position: null } as never).toArray();
    const byId = new Map(found.map((document) => [document._id, document]));
    const still = ids.flatMap((id) => byId.get(id) ?? []);
    if (still.length === 0) return 0;
    const links = chain(
      head ? { position: head.position, hash: head.hash } : undefined,
      still.map((document: EventDocument) => ({
        event: fromEventDocument(document),
        idempotencyKey: document.idempotency_key,
      })),
    );
    const pending: PendingLink[] = still.map((document, index) => {
      const link = links[index];
      if (!link) throw new Error('the chain returned fewer links than events');
      return {
        event_id: document._id,
        position: link.position,
        hash: link.hash,
        previous_hash: link.previousHash,
      };
    });
    const last = pending.at(-1) as PendingLink;
    const claimed = head
      ? (
          await heads.updateOne(
            { _id: organizationId, position: head.position, hash: head.hash, pending: { $exists: false } },
            { $set: { position: last.position, hash: last.hash, pending } },
          )
        ).modifiedCount === 1
      : await heads
          .insertOne({ _id: organizationId, position: last.position, hash: last.hash, pending })
          .then(
            () => true,
            (error: unknown) => {
              if (isDuplicateKeyError(error)) return false;
              throw error;
            },
          );
    if (!claimed) continue;
    await completePending(events, pending);
    await heads.updateOne(
      { _id: organizationId, position: last.position, hash: last.hash },
      { $unset: { pending: '' } },
    );
    return pending.length;
  }
  return 0;
}

/**
 * Writes each claimed link onto its event. An event is in the `pending` of exactly one successful
 * compare-and-set (a sealer reads events as unsealed only after reading a head without `pending`,
 * and claims them only if that head is still current), so every sealer completing a `pending`
 * writes the same values: the write is idempotent. It filters on `_id` alone, the one filter
 * FerretDB 1.24 answers from an index.
 */
async function completePending(
  events: MongoCollections['events'],
  pending: readonly PendingLink[],
): Promise<void> {
  if (pending.length === 0) return;
  const writes: AnyBulkWriteOperation<EventDocument>[] = pending.map((link) => ({
    updateOne: {
      filter: { _id: link.event_id },
      update: { $set: { position: link.position, hash: link.hash, previous_hash: link.previous_hash } },
    },
  }));
  await events.bulkWrite(writes, { ordered: false });
}
