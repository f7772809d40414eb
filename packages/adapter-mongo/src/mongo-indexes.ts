import type { IndexSpecification } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';

/** One secondary index AuditKit creates at start-up. */
export interface MongoIndex {
  collection: keyof MongoCollections;
  name: string;
  key: IndexSpecification;
  unique?: true;
}

/**
 * Every index the adapter relies on. Each read and export filter starts with the organization
 * and ends with the time, so a page is an index range scan in `(occurred_at, _id)` order. Key
 * documents and retention need only their `_id`.
 */
export const MONGO_INDEXES: readonly MongoIndex[] = [
  { collection: 'events', name: 'organization_time_id', key: { organization_id: 1, occurred_at: 1, _id: 1 } },
  {
    collection: 'events',
    name: 'organization_action_time',
    key: { organization_id: 1, action: 1, occurred_at: 1 },
  },
  {
    collection: 'events',
    name: 'organization_actor_id_time',
    key: { organization_id: 1, 'actor.id': 1, occurred_at: 1 },
  },
  {
    collection: 'events',
    name: 'organization_actor_name_time',
    key: { organization_id: 1, 'actor.name': 1, occurred_at: 1 },
  },
  {
    collection: 'events',
    name: 'organization_target_type_time',
    key: { organization_id: 1, 'targets.type': 1, occurred_at: 1 },
  },
  // Sequenced reads by position, and the database's guarantee that no position has two events
  // (the `_id`, the event id, gives an event at most one position).
  {
    collection: 'links',
    name: 'organization_position',
    key: { organization_id: 1, position: 1 },
    unique: true,
  },
  // Checkpoints of one organization by size (verification and retention read them in order).
  { collection: 'checkpoints', name: 'organization_size', key: { organization_id: 1, size: 1 } },
  { collection: 'schemas', name: 'action_version', key: { action: 1, version: 1 }, unique: true },
  { collection: 'logStreams', name: 'stream_revision', key: { stream_id: 1, revision: -1 } },
  { collection: 'logStreams', name: 'organization_stream', key: { organization_id: 1, stream_id: 1 } },
  // The takeover scan (pending exports) and the expiry sweep (ready exports past their expiry).
  { collection: 'exports', name: 'state_expiry', key: { state: 1, expires_at: 1, _id: 1 } },
];

/**
 * Creates the indexes when missing. Creating an existing index with the same name and keys is a
 * no-op, so every process may run this at start-up, at the same time.
 */
export async function ensureIndexes(collections: MongoCollections): Promise<void> {
  // One index per command: FerretDB 1.24 drops the connection when one createIndexes command
  // names several indexes that all exist already (every start-up after the first).
  for (const index of MONGO_INDEXES) {
    await collections[index.collection].createIndex(index.key, {
      name: index.name,
      ...(index.unique ? { unique: true } : {}),
    });
  }
}
