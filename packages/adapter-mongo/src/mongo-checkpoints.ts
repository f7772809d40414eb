import type { Checkpoint, CheckpointQuery } from '@auditkit/core/store';
import type { MongoCollections } from './mongo-collections.js';
import { type CheckpointDocument, keyId } from './mongo-documents.js';
import { isDuplicateKeyError } from './mongo-duplicates.js';
import { byIds } from './mongo-id-filter.js';

/**
 * Stores a signed checkpoint; `false` when `(organization, size, key id)` is already stored (its
 * `_id`, so the server decides).
 *
 * @example
 * ```ts
 * const inserted = await insertCheckpoint(collections.checkpoints, checkpoint);
 * ```
 */
export async function insertCheckpoint(
  checkpoints: MongoCollections['checkpoints'],
  checkpoint: Checkpoint,
): Promise<boolean> {
  const document: CheckpointDocument = {
    _id: JSON.stringify([checkpoint.organizationId, checkpoint.size, checkpoint.keyId]),
    organization_id: checkpoint.organizationId,
    size: checkpoint.size,
    key_id: checkpoint.keyId,
    hash: checkpoint.hash,
    issued_at: checkpoint.issuedAt,
    reason: checkpoint.reason,
    signature: checkpoint.signature,
  };
  try {
    await checkpoints.insertOne(document);
    return true;
  } catch (error) {
    if (isDuplicateKeyError(error)) return false;
    throw error;
  }
}

/**
 * One page of an organization's checkpoints by size.
 *
 * @example
 * ```ts
 * const [latest] = await listCheckpoints(collections.checkpoints, { organizationId: 'org_1', order: 'desc', limit: 1 });
 * ```
 */
export async function listCheckpoints(
  checkpoints: MongoCollections['checkpoints'],
  { organizationId, order, after, limit }: CheckpointQuery,
): Promise<Checkpoint[]> {
  const direction = order === 'asc' ? 1 : -1;
  const documents = await checkpoints
    .find({
      organization_id: organizationId,
      ...(after === undefined ? {} : { size: order === 'asc' ? { $gt: after } : { $lt: after } }),
    })
    .sort({ size: direction, key_id: 1 })
    .limit(limit)
    .toArray();
  return documents.map((document) => ({
    organizationId: document.organization_id,
    size: document.size,
    hash: document.hash,
    issuedAt: document.issued_at,
    keyId: document.key_id,
    reason: document.reason as Checkpoint['reason'],
    signature: document.signature,
  }));
}

/**
 * Deletes at most `limit` sealed events of an organization with `position <= through`, lowest
 * first, releasing their idempotency keys (as `deleteEventsBefore` does), then their links; returns
 * how many positions it cleared. The links go last: a crash before that leaves links without
 * events (which readers skip and the next purge clears, counted), never an event without its
 * link, which nothing would ever purge or seal.
 *
 * @example
 * ```ts
 * const deleted = await deleteEventsThrough(collections, 'org_1', 1000, 500);
 * ```
 */
export async function deleteEventsThrough(
  { events, keys, links }: MongoCollections,
  organizationId: string,
  through: number,
  limit: number,
): Promise<number> {
  const expired = await links
    .find({ organization_id: organizationId, position: { $lte: through } }, { projection: { _id: 1 } })
    .sort({ position: 1 })
    .limit(limit)
    .toArray();
  if (expired.length === 0) return 0;
  const ids = expired.map((link) => link._id);
  const stored = await events
    .find({ organization_id: organizationId, ...byIds(ids) }, { projection: { _id: 1, idempotency_key: 1 } })
    .toArray();
  if (stored.length > 0) {
    await keys.deleteMany({
      ...byIds(stored.map((event) => keyId(organizationId, event.idempotency_key))),
      event_id: { $in: stored.map((event) => event._id) },
    });
    await events.deleteMany({ organization_id: organizationId, ...byIds(stored.map((event) => event._id)) });
  }
  const { deletedCount } = await links.deleteMany({ organization_id: organizationId, ...byIds(ids) });
  return deletedCount;
}
