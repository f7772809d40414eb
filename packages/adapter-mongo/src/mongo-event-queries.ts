import type { AuditLogEvent, EventPageQuery } from '@auditkit/core';
import type { Filter } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import { type EventDocument, fromEventDocument, keyId } from './mongo-documents.js';
import { byIds } from './mongo-id-filter.js';

/** The query of one page: every filter for the server, then strictly after the cursor in `(occurred_at, _id)`. */
export function eventPageFilter(query: EventPageQuery): Filter<EventDocument> {
  const filter: Filter<EventDocument> = { organization_id: query.organizationId };
  if (query.rangeStart || query.rangeEnd) {
    filter.occurred_at = {
      ...(query.rangeStart ? { $gte: query.rangeStart } : {}),
      ...(query.rangeEnd ? { $lt: query.rangeEnd } : {}),
    };
  }
  if (query.actions) filter.action = { $in: query.actions };
  if (query.actorIds) filter['actor.id'] = { $in: query.actorIds };
  if (query.actorNames) filter['actor.name'] = { $in: query.actorNames };
  // A dotted path matches when any target has one of the types (FerretDB's $elemMatch on
  // subdocuments is unreliable; this form means the same here).
  if (query.targets) filter['targets.type'] = { $in: query.targets };
  if (query.after) {
    const beyond = query.order === 'asc' ? '$gt' : '$lt';
    const { occurredAt, id } = query.after;
    filter.$or = [
      { occurred_at: { [beyond]: occurredAt } },
      { occurred_at: occurredAt, _id: { [beyond]: id } },
    ];
  }
  return filter;
}

/** One page of events, ordered by `(occurred_at, _id)` in the query's order. */
export async function findEventPage(
  events: MongoCollections['events'],
  query: EventPageQuery,
): Promise<AuditLogEvent[]> {
  const direction = query.order === 'asc' ? 1 : -1;
  const documents = await events
    .find(eventPageFilter(query))
    .sort({ occurred_at: direction, _id: direction })
    .limit(query.limit)
    .toArray();
  return documents.map(fromEventDocument);
}

/**
 * Deletes the oldest `limit` events of an organization before `before`, and their key documents
 * first: a crash in between leaves expired events without keys (the next purge deletes them),
 * never keys without events, which a replay would use to write the purged event back.
 */
export async function deleteEventsBefore(
  { events, keys }: MongoCollections,
  organizationId: string,
  before: Date,
  limit: number,
): Promise<number> {
  const expired = await events
    .find(
      { organization_id: organizationId, occurred_at: { $lt: before } },
      { projection: { _id: 1, idempotency_key: 1 } },
    )
    .sort({ occurred_at: 1, _id: 1 })
    .limit(limit)
    .toArray();
  if (expired.length === 0) return 0;
  const ids = expired.map((event) => event._id);
  await keys.deleteMany({
    ...byIds(expired.map((event) => keyId(organizationId, event.idempotency_key))),
    // A key released and reserved again since the read stands for a newer event: keep it.
    event_id: { $in: ids },
  });
  const { deletedCount } = await events.deleteMany({ organization_id: organizationId, _id: { $in: ids } });
  return deletedCount;
}
