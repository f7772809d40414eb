import type { Collection, CollectionOptions, Db } from 'mongodb';
import type {
  CheckpointDocument,
  EventDocument,
  ExportDocument,
  KeyDocument,
  LeaseDocument,
  LinkDocument,
  LogStreamDocument,
  MigrationDocument,
  MutexDocument,
  RetentionDocument,
  SchemaDocument,
  SequenceHeadDocument,
  UnsealedDocument,
} from './mongo-documents.js';

/** The collections AuditKit keeps in one database. */
export interface MongoCollections {
  events: Collection<EventDocument>;
  keys: Collection<KeyDocument>;
  schemas: Collection<SchemaDocument>;
  exports: Collection<ExportDocument>;
  retention: Collection<RetentionDocument>;
  leases: Collection<LeaseDocument>;
  logStreams: Collection<LogStreamDocument>;
  mutexes: Collection<MutexDocument>;
  heads: Collection<SequenceHeadDocument>;
  links: Collection<LinkDocument>;
  unsealed: Collection<UnsealedDocument>;
  migrations: Collection<MigrationDocument>;
  checkpoints: Collection<CheckpointDocument>;
}

/** Collection names after the prefix. */
export const COLLECTION_SUFFIXES = {
  events: 'events',
  keys: 'event_keys',
  schemas: 'schemas',
  exports: 'exports',
  retention: 'retention',
  leases: 'leases',
  logStreams: 'log_streams',
  mutexes: 'mutexes',
  heads: 'sequence_heads',
  links: 'event_links',
  unsealed: 'unsealed_events',
  migrations: 'migrations',
  checkpoints: 'checkpoints',
} as const satisfies Record<keyof MongoCollections, string>;

// Replays and schema declarations must see what other processes acknowledged, so every read goes
// to the primary whatever the application's client prefers. `undefined` never reaches the server
// as null: optional fields stay absent.
const COLLECTION_OPTIONS: CollectionOptions = { readPreference: 'primary', ignoreUndefined: true };

export function openCollections(db: Db, prefix: string): MongoCollections {
  const named = (key: keyof MongoCollections) => `${prefix}${COLLECTION_SUFFIXES[key]}`;
  return {
    events: db.collection<EventDocument>(named('events'), COLLECTION_OPTIONS),
    keys: db.collection<KeyDocument>(named('keys'), COLLECTION_OPTIONS),
    schemas: db.collection<SchemaDocument>(named('schemas'), COLLECTION_OPTIONS),
    exports: db.collection<ExportDocument>(named('exports'), COLLECTION_OPTIONS),
    retention: db.collection<RetentionDocument>(named('retention'), COLLECTION_OPTIONS),
    leases: db.collection<LeaseDocument>(named('leases'), COLLECTION_OPTIONS),
    logStreams: db.collection<LogStreamDocument>(named('logStreams'), COLLECTION_OPTIONS),
    mutexes: db.collection<MutexDocument>(named('mutexes'), COLLECTION_OPTIONS),
    heads: db.collection<SequenceHeadDocument>(named('heads'), COLLECTION_OPTIONS),
    links: db.collection<LinkDocument>(named('links'), COLLECTION_OPTIONS),
    unsealed: db.collection<UnsealedDocument>(named('unsealed'), COLLECTION_OPTIONS),
    migrations: db.collection<MigrationDocument>(named('migrations'), COLLECTION_OPTIONS),
    checkpoints: db.collection<CheckpointDocument>(named('checkpoints'), COLLECTION_OPTIONS),
  };
}
