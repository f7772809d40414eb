// Direct access to what the adapter stored, by the collection names the README documents.
import { type Document, MongoClient } from 'mongodb';
import { afterAll } from 'vitest';

/** A client for looking below the store, closed after the file's tests. */
export function useRawClient(url: string): MongoClient {
  const client = new MongoClient(url);
  afterAll(() => client.close());
  return client;
}

export function rawCollections(client: MongoClient, dbName: string) {
  const db = client.db(dbName);
  return {
    events: db.collection<Document & { _id: string }>('auditkit_events'),
    keys: db.collection<Document & { _id: string }>('auditkit_event_keys'),
    schemas: db.collection('auditkit_schemas'),
    exports: db.collection<Document & { _id: string }>('auditkit_exports'),
    retention: db.collection<Document & { _id: string }>('auditkit_retention'),
    leases: db.collection<Document & { _id: string }>('auditkit_leases'),
    heads: db.collection<Document & { _id: string }>('auditkit_sequence_heads'),
    links: db.collection<Document & { _id: string }>('auditkit_event_links'),
    unsealed: db.collection<Document & { _id: string }>('auditkit_unsealed_events'),
    checkpoints: db.collection<Document & { _id: string }>('auditkit_checkpoints'),
  };
}

/**
 * The invariant every finished write leaves: each key document's event exists, and each event's
 * key document points at it. Returns what breaks it, so a failure says which.
 */
export async function brokenKeyLinks(client: MongoClient, dbName: string): Promise<string[]> {
  const { events, keys } = rawCollections(client, dbName);
  const eventDocs = await events
    .find({}, { projection: { _id: 1, organization_id: 1, idempotency_key: 1 } })
    .toArray();
  const keyDocs = await keys.find({}, { projection: { _id: 1, event_id: 1 } }).toArray();
  const eventIds = new Set(eventDocs.map((event) => event._id));
  const keyTargets = new Map(keyDocs.map((key) => [key._id, key.event_id as string]));
  return [
    ...keyDocs.filter((key) => !eventIds.has(key.event_id)).map((key) => `key ${key._id} has no event`),
    ...eventDocs
      .filter(
        (event) =>
          keyTargets.get(JSON.stringify([event.organization_id, event.idempotency_key])) !== event._id,
      )
      .map((event) => `event ${event._id} has no key pointing at it`),
  ];
}
