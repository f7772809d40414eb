import type { SequenceChain, SequenceHead } from '@auditkit/core/store';
import type { Db } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import {
  type EventDocument,
  fromEventDocument,
  type LinkDocument,
  type PendingLink,
  type SequenceHeadDocument,
  type UnsealedDocument,
} from './mongo-documents.js';
import { insertSkippingDuplicates, isDuplicateKeyError } from './mongo-duplicates.js';
import { byIds } from './mongo-id-filter.js';
import { withMutex } from './mongo-mutex.js';

// A sealer that keeps losing the compare-and-set to another one leaves the rest to the winner.
const MAX_ATTEMPTS = 8;
// Every write of a head runs inside this mutex: FerretDB 1.x applies racing conditional updates
// of one document all (see mongo-mutex.ts), so a bare compare-and-set could let two sealers
// claim the same positions.
const HEADS_MUTEX = 'sequence-heads';
// Heads written per mutex hold: the hold stays far below the mutex's 10 s expiry on a slow server.
const HEADS_PER_HOLD = 50;
// Links per insert command (and markers per delete).
const LINKS_PER_INSERT = 500;
// A marker whose event is not there (its writer crashed between the two inserts, or the event was
// purged before it was sealed) is deleted once it is this old and no key document names its
// event id any more; until then its writer may still be about to insert the event.
const ABANDONED_MARKER_MS = 10 * 60_000;

/** A head to replace: the one read (`undefined`: none yet) and the next, whose `pending` claims links. */
interface Claim {
  expected: SequenceHead | undefined;
  next: SequenceHeadDocument & { pending: PendingLink[] };
}

/**
 * Seals up to `limit` unsealed events, in `_id` order, each organization's after its head;
 * resolves with how many it sealed.
 *
 * Without transactions, each organization's head document is the durable record of a seal, and
 * it is written first: a sealer claims positions by replacing the head (compare-and-set under the
 * heads mutex) with one that counts the new links and lists them in `pending`; then it inserts the
 * links (`event_links`, one `insertMany`) and deletes the events' `unsealed` markers; then it
 * clears `pending`. A sealer that stops at any point (a crash, a lost connection) leaves a head
 * with `pending`, which the next run completes first — the links are fixed in the head, so
 * inserting them again inserts the same documents or finds them there — and readers stop before
 * `pending` (`readSequencedEvents`), so nobody sees a position whose link may not be written yet.
 * No gap (the head moves only with its links recorded) and no double position (an event is
 * claimed only if it had no link after the head it extends was read complete, and only one claim
 * can replace that head; the links' unique indexes refuse a second link of an event or position).
 *
 * @example
 * ```ts
 * const sealed = await sealEvents(collections, db, chainEvents, 500);
 * ```
 */
export async function sealEvents(
  collections: MongoCollections,
  db: Db,
  chain: SequenceChain,
  limit: number,
): Promise<number> {
  // Seals cut short earlier, also of organizations with no unsealed event left to bring them up.
  const unfinished = await collections.heads.find({ pending: { $exists: true } }).toArray();
  if (unfinished.length > 0) await completeClaims(collections, db, unfinished);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const sealed = await sealOnce(collections, db, chain, limit);
    if (sealed !== undefined) return sealed;
  }
  return 0;
}

/** One attempt; `undefined` when it must start over (it found or lost to another seal). */
async function sealOnce(
  collections: MongoCollections,
  db: Db,
  chain: SequenceChain,
  limit: number,
): Promise<number | undefined> {
  const { heads, links } = collections;
  const { markers, found } = await scanMarkers(collections, limit);
  if (markers.length === 0) return 0;
  const organizations = new Set(markers.map((marker) => marker.organization_id));
  const read = await heads.find(byIds([...organizations])).toArray();
  const unfinished = read.filter((head) => head.pending !== undefined);
  if (unfinished.length > 0) {
    await completeClaims(collections, db, unfinished);
    return undefined;
  }
  // Read after the heads were read complete: a claim made before that has its links written,
  // so an event without a link here was claimed by no head read here (and a later claim
  // replaces one of those heads, which makes this attempt's compare-and-set fail).
  const ids = markers.map((marker) => marker._id);
  const linked = new Set(
    (await links.find(byIds(ids), { projection: { _id: 1 } }).toArray()).map((l) => l._id),
  );
  await dropSettledMarkers(collections, markers, linked, found);
  const unlinked = markers.flatMap((marker) => {
    const document = found.get(marker._id);
    return document && !linked.has(marker._id) ? [document] : [];
  });
  const headOf = new Map(read.map((head) => [head._id, head]));
  const claims: Claim[] = [];
  for (const [organizationId, documents] of byOrganization(unlinked)) {
    claims.push(claimFor(organizationId, headOf.get(organizationId), documents, chain));
  }
  const won: SequenceHeadDocument[] = [];
  for (let start = 0; start < claims.length; start += HEADS_PER_HOLD) {
    const part = claims.slice(start, start + HEADS_PER_HOLD);
    await withMutex(collections.mutexes, db, HEADS_MUTEX, async () => {
      for (const claim of part) if (await replaceHead(heads, claim)) won.push(claim.next);
    });
  }
  if (won.length === 0) return claims.length === 0 ? 0 : undefined;
  await completeClaims(collections, db, won);
  return won.reduce((sum, head) => sum + (head.pending?.length ?? 0), 0);
}

/**
 * Markers in `_id` order with their events, page after page until `limit` of them have an event
 * or none is left: markers whose event is not there (a writer that crashed after writing them, or
 * is still writing) are passed over, so a crashed batch's markers never hold the sealer up.
 */
async function scanMarkers(
  { events, unsealed }: MongoCollections,
  limit: number,
): Promise<{ markers: UnsealedDocument[]; found: Map<string, EventDocument> }> {
  const markers: UnsealedDocument[] = [];
  const found = new Map<string, EventDocument>();
  let after: string | undefined;
  for (;;) {
    const page = await unsealed
      .find(after === undefined ? {} : { _id: { $gt: after } })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    if (page.length === 0) break;
    const stored = await events.find(byIds(page.map((marker) => marker._id))).toArray();
    for (const document of stored) found.set(document._id, document);
    markers.push(...page);
    if (found.size >= limit || page.length < limit) break;
    after = (page.at(-1) as UnsealedDocument)._id;
  }
  return { markers, found };
}

/**
 * Deletes the markers with nothing left to seal: their event has its link (its seal completed,
 * then the writer's retry wrote the marker again), or it has no event, the marker is
 * `ABANDONED_MARKER_MS` old and no key document names the event any more (nobody will write it).
 */
async function dropSettledMarkers(
  { keys, unsealed }: MongoCollections,
  markers: readonly UnsealedDocument[],
  linked: ReadonlySet<string>,
  found: ReadonlyMap<string, EventDocument>,
): Promise<void> {
  const settled = markers.filter((marker) => linked.has(marker._id)).map((marker) => marker._id);
  const abandonedBefore = Date.now() - ABANDONED_MARKER_MS;
  const old = markers.filter(
    (marker) => !found.has(marker._id) && marker.created_at.getTime() < abandonedBefore,
  );
  if (old.length > 0) {
    const named = await keys.find(byIds(old.map((marker) => marker.key_id))).toArray();
    const stillNamed = new Set(named.map((key) => key.event_id));
    for (const marker of old) if (!stillNamed.has(marker._id)) settled.push(marker._id);
  }
  if (settled.length > 0) await unsealed.deleteMany(byIds(settled));
}

function byOrganization(documents: readonly EventDocument[]): Map<string, EventDocument[]> {
  const grouped = new Map<string, EventDocument[]>();
  for (const document of documents) {
    const list = grouped.get(document.organization_id);
    if (list) list.push(document);
    else grouped.set(document.organization_id, [document]);
  }
  return grouped;
}

function claimFor(
  organizationId: string,
  head: SequenceHeadDocument | undefined,
  documents: readonly EventDocument[],
  chain: SequenceChain,
): Claim {
  const expected = head ? { position: head.position, hash: head.hash } : undefined;
  const links = chain(
    expected,
    documents.map((document) => ({
      event: fromEventDocument(document),
      idempotencyKey: document.idempotency_key,
    })),
  );
  const pending = documents.map((document, index): PendingLink => {
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
  return { expected, next: { _id: organizationId, position: last.position, hash: last.hash, pending } };
}

/** Compare-and-set of one head; the caller holds the heads mutex, which makes read-then-write atomic. */
async function replaceHead(heads: MongoCollections['heads'], { expected, next }: Claim): Promise<boolean> {
  const current = await heads.findOne({ _id: next._id });
  if (!current) {
    if (expected) return false;
    try {
      await heads.insertOne(next);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }
  if (!expected || current.pending !== undefined) return false;
  if (current.position !== expected.position || current.hash !== expected.hash) return false;
  return (await heads.replaceOne({ _id: next._id, position: expected.position }, next)).modifiedCount === 1;
}

/**
 * Inserts the links of heads with `pending` (one unordered `insertMany` for all of them), deletes
 * their events' markers, then clears each `pending`. An event is in the `pending` of exactly one
 * head replacement, so every sealer completing it inserts the same documents: a link already
 * there (a claim completed in part, or by two sealers at once) is checked to be that very link,
 * and a claim applied in part is simply applied again.
 */
async function completeClaims(
  collections: MongoCollections,
  db: Db,
  claimed: readonly SequenceHeadDocument[],
): Promise<void> {
  const { heads, links, unsealed } = collections;
  const written: LinkDocument[] = claimed.flatMap((head) =>
    (head.pending ?? []).map((link) => ({
      _id: link.event_id,
      organization_id: head._id,
      position: link.position,
      hash: link.hash,
      previous_hash: link.previous_hash,
    })),
  );
  // In slices: one FerretDB insert is one SQLite transaction, and a long one holds its writer lock.
  for (let start = 0; start < written.length; start += LINKS_PER_INSERT) {
    const slice = written.slice(start, start + LINKS_PER_INSERT);
    const clashed = await insertSkippingDuplicates(links, slice);
    if (clashed.size > 0)
      await expectSameLinks(
        links,
        slice.filter((_, index) => clashed.has(index)),
      );
  }
  const eventIds = written.map((link) => link._id);
  for (let start = 0; start < eventIds.length; start += LINKS_PER_INSERT) {
    await unsealed.deleteMany(byIds(eventIds.slice(start, start + LINKS_PER_INSERT)));
  }
  for (let start = 0; start < claimed.length; start += HEADS_PER_HOLD) {
    const part = claimed.slice(start, start + HEADS_PER_HOLD);
    await withMutex(collections.mutexes, db, HEADS_MUTEX, async () => {
      for (const head of part) {
        // Only this claim's `pending`: a head that moved on since carries another claim's.
        await heads.updateOne(
          { _id: head._id, position: head.position, hash: head.hash, pending: { $exists: true } },
          { $unset: { pending: '' } },
        );
      }
    });
  }
}

/**
 * A link the database refused as a duplicate must be the claimed link itself, inserted earlier
 * (its `_id` is the event, its `(organization_id, position)` unique): anything else would mean
 * two claims gave one event or one position, which this protocol rules out — so it fails loudly
 * rather than leave a head whose position has no link.
 */
async function expectSameLinks(
  links: MongoCollections['links'],
  expected: readonly LinkDocument[],
): Promise<void> {
  const stored = new Map(
    (await links.find(byIds(expected.map((link) => link._id))).toArray()).map((link) => [link._id, link]),
  );
  for (const link of expected) {
    const found = stored.get(link._id);
    if (
      found?.organization_id !== link.organization_id ||
      found.position !== link.position ||
      found.hash !== link.hash ||
      found.previous_hash !== link.previous_hash
    ) {
      throw new Error(
        `the sequence link of event ${link._id} (position ${link.position} of ${link.organization_id}) ` +
          'clashes with another stored link: two seals claimed one event or one position',
      );
    }
  }
}
