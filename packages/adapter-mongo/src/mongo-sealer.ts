import type { SequenceChain, SequenceHead } from '@auditkit/core/store';
import type { Db } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import {
  type EventDocument,
  fromEventDocument,
  type PendingLink,
  type SequenceHeadDocument,
} from './mongo-documents.js';
import { isDuplicateKeyError } from './mongo-duplicates.js';
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
// Links are written one `updateOne` at a time, never in one `bulkWrite`. FerretDB 1.24 keeps one
// SQLite connection per statement of an update command until the whole command returns, from a
// pool of 100 per database that waits without limit: one command of 85 links from a sealer and
// the same claim completed by the next lease holder (the first one's lease ran out during its slow
// seal) left every connection waiting for another and that database answering nothing, ever
// (goroutine dump: 100 open `sql.Rows`, every request waiting in `database/sql.(*DB).conn`);
// commands of 20 can still add up to the pool when the processes take the lease over one after
// another during slow seals, each completing the same claim. A single statement holds at most
// two connections per sealer.

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
 * heads mutex) with one that counts the new links and lists them in `pending`; then it writes the
 * links onto their events (one `updateOne` each); then it clears `pending`. A sealer that stops at any
 * point (a crash, a lost connection) leaves a head with `pending`, which the next run completes
 * first — the links are fixed in the head, so completing them again writes the same values — and
 * readers stop before `pending` (`readSequencedEvents`), so nobody sees a position whose event
 * may not carry it yet. No gap (the head moves only with its links recorded) and no double
 * position (an event is claimed only if it was unsealed after the head it extends was read
 * complete, and only one claim can replace that head).
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
  const { events, heads } = collections;
  const seen = await scanUnsealed(events, limit);
  if (seen.length === 0) return 0;
  const organizations = new Set(seen.map((document) => document.organization_id));
  const read = await heads.find(byIds([...organizations])).toArray();
  const unfinished = read.filter((head) => head.pending !== undefined);
  if (unfinished.length > 0) {
    await completeClaims(collections, db, unfinished);
    return undefined;
  }
  // Scan again now that the heads are read complete: an event a seal claimed before that read has
  // its link written by now, so whatever is still unsealed was claimed by no head read here.
  const unsealed = await scanUnsealed(events, limit);
  const headOf = new Map(read.map((head) => [head._id, head]));
  const claims: Claim[] = [];
  for (const [organizationId, documents] of byOrganization(unsealed)) {
    // An organization that appeared between the scans waits for the next run: its head is unread.
    if (!organizations.has(organizationId)) continue;
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

/** Up to `limit` events without a position, oldest `_id` first (the `unsealed` index on MongoDB). */
function scanUnsealed(events: MongoCollections['events'], limit: number): Promise<EventDocument[]> {
  // `position: null` matches the events without one, and is what an index on `position` serves.
  return events
    .find({ position: null } as never)
    .sort({ _id: 1 })
    .limit(limit)
    .toArray();
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
 * Writes the links of heads with `pending` onto their events (one `_id`-filtered `updateOne`
 * each, one after the other: the one filter FerretDB 1.24 answers from an index, in commands that
 * hold at most two of its connections), then clears each `pending`. An event is in the `pending`
 * of exactly one head replacement, so every sealer completing it writes the same values: the
 * writes are idempotent, and a claim applied in part is simply applied again.
 */
async function completeClaims(
  collections: MongoCollections,
  db: Db,
  claimed: readonly SequenceHeadDocument[],
): Promise<void> {
  for (const head of claimed) {
    for (const link of head.pending ?? []) {
      await collections.events.updateOne(
        { _id: link.event_id },
        { $set: { position: link.position, hash: link.hash, previous_hash: link.previous_hash } },
      );
    }
  }
  for (let start = 0; start < claimed.length; start += HEADS_PER_HOLD) {
    const part = claimed.slice(start, start + HEADS_PER_HOLD);
    await withMutex(collections.mutexes, db, HEADS_MUTEX, async () => {
      for (const head of part) {
        // Only this claim's `pending`: a head that moved on since carries another claim's.
        await collections.heads.updateOne(
          { _id: head._id, position: head.position, hash: head.hash, pending: { $exists: true } },
          { $unset: { pending: '' } },
        );
      }
    });
  }
}
