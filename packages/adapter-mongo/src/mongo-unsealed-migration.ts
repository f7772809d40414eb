import type { MongoCollections } from './mongo-collections.js';
import { keyId, type UnsealedDocument } from './mongo-documents.js';
import { insertSkippingDuplicates, isDuplicateKeyError } from './mongo-duplicates.js';
import { byIds } from './mongo-id-filter.js';

const MIGRATION = 'unsealed_markers';
const BATCH = 1000;

/**
 * Gives every event without a sequence link an `unsealed` marker, once per database: events
 * written before the sealer (releases whose MongoDB events had no position) would otherwise never
 * be found by it. Every process may run it at start-up, at the same time: markers of events that
 * have one already are skipped, a marker of an event that is linked meanwhile is dropped by the
 * sealer, and the migration is recorded only once it has gone through every event, so a start-up
 * that stops half-way is simply run again by the next.
 *
 * @example
 * ```ts
 * await markUnsealedEvents(collections);
 * ```
 */
export async function markUnsealedEvents({
  events,
  links,
  unsealed,
  migrations,
}: MongoCollections): Promise<void> {
  if (await migrations.findOne({ _id: MIGRATION })) return;
  const startedAt = new Date();
  const cursor = events.find({}, { projection: { _id: 1, organization_id: 1, idempotency_key: 1 } });
  let batch: UnsealedDocument[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const linked = new Set(
      (await links.find(byIds(batch.map((marker) => marker._id)), { projection: { _id: 1 } }).toArray()).map(
        (link) => link._id,
      ),
    );
    await insertSkippingDuplicates(
      unsealed,
      batch.filter((marker) => !linked.has(marker._id)),
    );
    batch = [];
  };
  for await (const event of cursor) {
    batch.push({
      _id: event._id,
      organization_id: event.organization_id,
      key_id: keyId(event.organization_id, event.idempotency_key),
      created_at: startedAt,
    });
    if (batch.length === BATCH) await flush();
  }
  await flush();
  try {
    await migrations.insertOne({ _id: MIGRATION, done_at: new Date() });
  } catch (error) {
    // Another process recorded it first.
    if (!isDuplicateKeyError(error)) throw error;
  }
}
