import type { EventRow, EventWriteFact, IdempotencyDecision, InsertEventsResult } from '@auditkit/core/store';
import type { ClientSession, Collection, Filter, WithId } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import {
  fromEventDocument,
  type KeyDocument,
  toEventDocument,
  toKeyDocument,
  type UnsealedDocument,
} from './mongo-documents.js';
import { insertSkippingDuplicates } from './mongo-duplicates.js';
import { byIds } from './mongo-id-filter.js';

// An attempt starts over only when a key it saw vanished (a conflicting batch rolled back, or
// retention purged it) between two of its steps; a few attempts settle any realistic race.
const MAX_ATTEMPTS = 8;

/** One row of the batch and the key document that decides its fate. */
interface Slot {
  row: EventRow;
  key: KeyDocument;
  /** This call reserved the key (in this attempt or an earlier one): the event is its to write. */
  own: boolean;
}

/**
 * Stores a batch of events without a multi-document transaction (see the README, "The batch
 * guarantee"):
 *
 * 0. insert one `unsealed` marker per row, before anything names the row's event id: whichever
 *    of them ends up stored, the sealer finds it (a marker whose event never comes is deleted
 *    below, or expires);
 * 1. insert one key document per row, `_id` = (organization, key), unordered;
 * 2. read the key documents that were there already, and their events;
 * 3. hand core the facts — each row's key reserved by this call, or already stored with a
 *    fingerprint and event — and act on its decision: on a conflict, delete the key documents
 *    this call inserted, so nothing of it stays stored (no event document was written yet);
 * 4. otherwise insert the event documents of the keys it reserved, and of the replayed keys whose
 *    event document is missing (its writer crashed, or has not got there yet) under that key's
 *    event id.
 */
export async function insertEventRows(
  collections: MongoCollections,
  rows: readonly EventRow[],
  decide: IdempotencyDecision,
): Promise<InsertEventsResult> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const outcome = await attemptInsert(collections, rows, decide);
    if (outcome) return outcome;
  }
  throw new Error(
    `Could not insert ${rows.length} event(s): their idempotency keys kept being deleted by concurrent ` +
      `writers or purges across ${MAX_ATTEMPTS} attempts`,
  );
}

/** One pass of the algorithm; `undefined` when a key vanished under it and it must start over. */
async function attemptInsert(
  { keys, events, unsealed }: MongoCollections,
  rows: readonly EventRow[],
  decide: IdempotencyDecision,
): Promise<InsertEventsResult | undefined> {
  const reserved = rows.map(toKeyDocument);
  const startedAt = new Date();
  await insertSkippingDuplicates(
    unsealed,
    rows.map((row, index) =>
      unsealedMarker(row.id, row.organizationId, reserved[index] as KeyDocument, startedAt),
    ),
  );
  const taken = await insertSkippingDuplicates(keys, reserved);
  const existing = await findByIds(
    keys,
    reserved.filter((_, index) => taken.has(index)).map((key) => key._id),
  );
  const slots: Slot[] = [];
  for (const [index, row] of rows.entries()) {
    const mine = reserved[index];
    const key = mine && (taken.has(index) ? existing.get(mine._id) : mine);
    if (!key) return undefined;
    // Event ids are never reused, so only a key this call wrote holds the row's own id.
    slots.push({ row, key, own: key.event_id === row.id });
  }

  const replays = slots.filter((slot) => !slot.own);
  const stored = await findByIds(
    events,
    replays.map((slot) => slot.key.event_id),
  );
  const facts = slots.map(({ row, key, own }): EventWriteFact => {
    if (own) return { inserted: true };
    // A key without its event document stands for the event its first writer is writing: that
    // row's content (known here only through the fingerprint) under the key's id and time.
    const event = fromEventDocument(stored.get(key.event_id) ?? toEventDocument(row, key));
    return { inserted: false, stored: { fingerprint: key.fingerprint, event } };
  });
  const outcome = decide(facts);
  if (outcome.status === 'conflict') {
    const own = slots.filter((slot) => slot.own).map((slot) => slot.key);
    await releaseKeys(keys, own);
    // A key another writer claimed (to write its event) outlives the release, and so must its
    // marker; the markers of the others name event ids nobody will write.
    const kept = await findByIds(
      keys,
      own.map((key) => key._id),
    );
    await dropMarkers(
      unsealed,
      rows.filter((row) => kept.get(toKeyDocument(row)._id)?.event_id !== row.id).map((row) => row.id),
    );
    return outcome;
  }

  const orphans = replays.filter((slot) => !stored.has(slot.key.event_id));
  const claimed = await claimKeys(
    keys,
    orphans.map((slot) => slot.key),
  );
  if (!claimed) return undefined;
  // The first writer's marker may have expired long ago (it crashed before writing the event).
  await insertSkippingDuplicates(
    unsealed,
    orphans.map((slot) => unsealedMarker(slot.key.event_id, slot.row.organizationId, slot.key, startedAt)),
  );
  // A replayed row's own id is written nowhere: its key names the first writer's event.
  await dropMarkers(
    unsealed,
    replays.map((slot) => slot.row.id),
  );

  const written = [...slots.filter((slot) => slot.own), ...orphans].map((slot) =>
    toEventDocument(slot.row, slot.key),
  );
  const clashed = await insertSkippingDuplicates(events, written);
  // Another writer got there first with the same event (same key, same content), or a purge
  // removed it meanwhile: confirm it is there, else start over.
  const theirs = await findByIds(
    events,
    written.filter((_, position) => clashed.has(position)).map((document) => document._id),
  );
  for (const [position, document] of written.entries()) {
    if (clashed.has(position) && !theirs.has(document._id)) return undefined;
  }
  return outcome;
}
/**
 * Stores a batch of events inside the caller's MongoDB transaction (`session`), where a write
 * error — a duplicate key included — aborts the whole transaction: a replay or a conflict must be
 * found by reading, never by letting an insert fail.
 *
 * 1. read the key documents of the rows, and the events of those found, in the transaction
 *    (which sees what it wrote itself and what was committed before it started);
 * 2. hand core the facts — a row whose key is free will be inserted by this call, the others are
 *    replays of what is stored — and act on its decision: on a conflict nothing has been written,
 *    so the caller's transaction goes on untouched;
 * 3. otherwise insert the free keys and their events (and claim and write the missing event of a
 *    replayed key, as outside a transaction), all in the transaction.
 *
 * The unique `_id` of the key documents still decides: a key written meanwhile by another writer
 * (committed after this transaction's snapshot, or still uncommitted) makes the insert fail with
 * a write conflict (or a duplicate key), which aborts the caller's transaction and rejects this
 * call. The server labels a write conflict `TransientTransactionError`; the application retries
 * its transaction (the driver's `session.withTransaction` does when the error reaches it), and
 * the retry reads the winner's key: a replay or a conflict.
 */
export async function insertEventRowsInTransaction(
  { keys, events, unsealed }: MongoCollections,
  rows: readonly EventRow[],
  decide: IdempotencyDecision,
  session: ClientSession,
): Promise<InsertEventsResult> {
  const wanted = rows.map(toKeyDocument);
  const existing = await findByIds(
    keys,
    wanted.map((key) => key._id),
    session,
  );
  const slots = rows.map((row, index): Slot => {
    const mine = wanted[index] as KeyDocument;
    const found = existing.get(mine._id);
    return found ? { row, key: found, own: false } : { row, key: mine, own: true };
  });
  const replays = slots.filter((slot) => !slot.own);
  const stored = await findByIds(
    events,
    replays.map((slot) => slot.key.event_id),
    session,
  );
  const facts = slots.map(({ row, key, own }): EventWriteFact => {
    if (own) return { inserted: true };
    const event = fromEventDocument(stored.get(key.event_id) ?? toEventDocument(row, key));
    return { inserted: false, stored: { fingerprint: key.fingerprint, event } };
  });
  // `decide` is pure: asking it before the writes, which commit (or not) only with the caller's
  // transaction, lets a conflict leave nothing to undo.
  const outcome = decide(facts);
  if (outcome.status === 'conflict') return outcome;

  const own = slots.filter((slot) => slot.own);
  if (own.length > 0) {
    await keys.insertMany(
      own.map((slot) => slot.key),
      { session },
    );
  }
  const orphans = replays.filter((slot) => !stored.has(slot.key.event_id));
  if (orphans.length > 0) {
    const { matchedCount } = await keys.updateMany(
      {
        ...byIds(orphans.map((slot) => slot.key._id)),
        event_id: { $in: orphans.map((slot) => slot.key.event_id) },
      },
      { $set: { claimed: true } },
      { session },
    );
    // The transaction read these keys a moment ago; a transaction sees no change by others.
    if (matchedCount !== orphans.length)
      throw new Error('idempotency keys read in the transaction changed under it');
  }
  const written = [...own, ...orphans].map((slot) => toEventDocument(slot.row, slot.key));
  if (written.length > 0) {
    // The markers commit with the events, or neither does. An orphan's marker may be there
    // already (its first writer's): an upsert, since a duplicate key would abort the transaction.
    const startedAt = new Date();
    await unsealed.bulkWrite(
      [...own, ...orphans].map((slot) => {
        const marker = unsealedMarker(slot.key.event_id, slot.row.organizationId, slot.key, startedAt);
        return { updateOne: { filter: { _id: marker._id }, update: { $setOnInsert: marker }, upsert: true } };
      }),
      { session, ordered: true },
    );
    await events.insertMany(written, { session });
  }
  return outcome;
}

/** The sealer's marker for event `eventId` of `organizationId`, whose key document is `key`. */
function unsealedMarker(
  eventId: string,
  organizationId: string,
  key: KeyDocument,
  createdAt: Date,
): UnsealedDocument {
  return { _id: eventId, organization_id: organizationId, key_id: key._id, created_at: createdAt };
}

/** Deletes the markers of event ids that will never be written. */
async function dropMarkers(
  unsealed: MongoCollections['unsealed'],
  eventIds: readonly string[],
): Promise<void> {
  if (eventIds.length > 0) await unsealed.deleteMany(byIds(eventIds));
}

/** The documents of `ids` that exist, by `_id`. */
async function findByIds<T extends { _id: string }>(
  collection: Collection<T>,
  ids: readonly string[],
  session?: ClientSession,
): Promise<Map<string, WithId<T>>> {
  const found = new Map<string, WithId<T>>();
  if (ids.length === 0) return found;
  // Replays are rare and read by `_id` alone; on a sharded cluster every shard answers them.
  const documents = await collection.find(byIds(ids) as Filter<T>, { session }).toArray();
  for (const document of documents) found.set(document._id, document);
  return found;
}

/**
 * Marks keys whose event this call is about to write on the first writer's behalf, so that the
 * first writer, should it be rolling back a conflict, leaves them (and the event) in place.
 * `false` when one of them is gone: that writer rolled back first, and this call must start over.
 */
async function claimKeys(keys: MongoCollections['keys'], claimed: readonly KeyDocument[]): Promise<boolean> {
  if (claimed.length === 0) return true;
  const { matchedCount } = await keys.updateMany(
    { ...byIds(claimed.map((key) => key._id)), event_id: { $in: claimed.map((key) => key.event_id) } },
    { $set: { claimed: true } },
  );
  return matchedCount === claimed.length;
}

/** Deletes the keys this call reserved, except those another writer claimed to write their event. */
async function releaseKeys(keys: MongoCollections['keys'], own: readonly KeyDocument[]): Promise<void> {
  if (own.length === 0) return;
  await keys.deleteMany({
    ...byIds(own.map((key) => key._id)),
    event_id: { $in: own.map((key) => key.event_id) },
    claimed: false,
  });
}
