import type { AuditLogEvent } from '@auditkit/core';
import type {
  EventFilter,
  EventPageQuery,
  EventPosition,
  EventSummary,
  EventSummaryQuery,
} from '@auditkit/core/store';
import type { ClientSession, Filter } from 'mongodb';
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
  session?: ClientSession,
): Promise<AuditLogEvent[]> {
  const direction = query.order === 'asc' ? 1 : -1;
  const documents = await events
    .find(eventPageFilter(query), { session })
    .sort({ occurred_at: direction, _id: direction })
    .limit(query.limit)
    .toArray();
  return documents.map(fromEventDocument);
}

const CURSOR_NOT_FOUND = 43;

/**
 * Every matching event, ascending, through one cursor yielding pages of `pageSize`: one query
 * for the whole export (FerretDB answers each query with a collection scan, so a query per page
 * made exports quadratic there). A cursor the server dropped (idle past its timeout while the
 * consumer was slow) is reopened strictly after the last event yielded, the same keyset rule
 * pages follow, so nothing is repeated or skipped.
 */
export async function* streamEventPages(
  events: MongoCollections['events'],
  filter: EventFilter,
  pageSize: number,
): AsyncGenerator<AuditLogEvent[]> {
  let after: EventPosition | undefined;
  // Where the last dropped cursor had got to: a second drop without a page in between is an error.
  let droppedAfter: EventPosition | undefined | null = null;
  for (;;) {
    const query: EventPageQuery = { ...filter, order: 'asc', limit: pageSize, ...(after ? { after } : {}) };
    const cursor = events.find(eventPageFilter(query)).sort({ occurred_at: 1, _id: 1 }).batchSize(pageSize);
    try {
      let page: AuditLogEvent[] = [];
      for await (const document of cursor) {
        page.push(fromEventDocument(document));
        if (page.length === pageSize) {
          const last = page[page.length - 1] as AuditLogEvent;
          yield page;
          after = { occurredAt: last.occurredAt, id: last.id };
          page = [];
        }
      }
      // The driver ends the iteration quietly when the cursor is closed under it (the client was
      // closed): only a cursor the server reported exhausted means every event was read.
      if (cursor.killed || cursor.id?.isZero() !== true)
        throw new Error('the MongoDB cursor was closed before every event was read; the read is incomplete');
      if (page.length > 0) yield page;
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== CURSOR_NOT_FOUND || droppedAfter === after) throw error;
      droppedAfter = after;
    } finally {
      await cursor.close();
    }
  }
}

/**
 * Deletes the oldest `limit` events of an organization before `before`, and their key documents
 * first: a crash in between leaves expired events without keys (the next purge deletes them),
 * never keys without events, which a replay would use to write the purged event back. Their
 * sequence links and sealer markers go after them (readers skip a link without its event; a
 * marker without event or key expires).
 */
export async function deleteEventsBefore(
  { events, keys, links, unsealed }: MongoCollections,
  organizationId: string,
  before: Date,
  limit: number,
  session?: ClientSession,
): Promise<number> {
  const expired = await events
    .find(
      { organization_id: organizationId, occurred_at: { $lt: before } },
      { projection: { _id: 1, idempotency_key: 1 }, session },
    )
    .sort({ occurred_at: 1, _id: 1 })
    .limit(limit)
    .toArray();
  if (expired.length === 0) return 0;
  const ids = expired.map((event) => event._id);
  await keys.deleteMany(
    {
      ...byIds(expired.map((event) => keyId(organizationId, event.idempotency_key))),
      // A key released and reserved again since the read stands for a newer event: keep it.
      event_id: { $in: ids },
    },
    { session },
  );
  const { deletedCount } = await events.deleteMany(
    { organization_id: organizationId, _id: { $in: ids } },
    { session },
  );
  await links.deleteMany(byIds(ids), { session });
  await unsealed.deleteMany(byIds(ids), { session });
  return deletedCount;
}

interface SummaryGroup {
  _id: { organization_id: string; action: string };
  count: number;
}

/**
 * Events per `(organization, action)` with their time span. The server counts; FerretDB 1.x has
 * no `$min`/`$max`/`$first` accumulators, so each group's ends are two indexed one-row reads.
 */
export async function summarizeEvents(
  events: MongoCollections['events'],
  { organizationId, before }: EventSummaryQuery,
  session?: ClientSession,
): Promise<EventSummary[]> {
  const match: Filter<EventDocument> = {};
  if (organizationId !== undefined) match.organization_id = organizationId;
  if (before !== undefined) match.occurred_at = { $lt: before };
  const groups = await events
    .aggregate<SummaryGroup>(
      [
        { $match: match },
        { $group: { _id: { organization_id: '$organization_id', action: '$action' }, count: { $sum: 1 } } },
      ],
      { session },
    )
    .toArray();
  const end = async (filter: Filter<EventDocument>, direction: 1 | -1): Promise<Date> => {
    const [edge] = await events
      .find(filter, { projection: { occurred_at: 1 }, session })
      .sort({ occurred_at: direction })
      .limit(1)
      .toArray();
    if (!edge) throw new Error('a counted group has no event: it was deleted while being summarized');
    return edge.occurred_at;
  };
  const summarize = async ({ _id, count }: SummaryGroup): Promise<EventSummary> => {
    const filter = { ...match, organization_id: _id.organization_id, action: _id.action };
    return {
      organizationId: _id.organization_id,
      action: _id.action,
      count,
      oldest: await end(filter, 1),
      newest: await end(filter, -1),
    };
  };
  // In the caller's transaction the reads go one after another: a transaction's commands are
  // never sent concurrently (the first one starts it).
  if (session === undefined) return Promise.all(groups.map(summarize));
  const summaries: EventSummary[] = [];
  for (const group of groups) summaries.push(await summarize(group));
  return summaries;
}
