import {
  type AuditStore,
  checkOptions,
  hasMethods,
  isNonEmptyString,
  isObject,
  type OptionsSpec,
} from '@auditkit/core/store';
import type { Db, MongoClientOptions } from 'mongodb';
import { deleteEventsThrough, insertCheckpoint, listCheckpoints } from './mongo-checkpoints.js';
import { type MongoCollections, openCollections } from './mongo-collections.js';
import {
  borrowedConnection,
  type MongoClientLike,
  type MongoConnection,
  ownedConnection,
} from './mongo-connection.js';
import { insertEventRows } from './mongo-event-insert.js';
import {
  deleteEventsBefore,
  findEventPage,
  streamEventPages,
  summarizeEvents,
} from './mongo-event-queries.js';
import {
  claimExport,
  fillExportOrganizations,
  getExport,
  insertExport,
  listExports,
  updateExport,
  updateExportIf,
} from './mongo-exports.js';
import { ensureIndexes } from './mongo-indexes.js';
import { acquireLease, releaseLease } from './mongo-leases.js';
import { mongoLogStreams } from './mongo-log-streams.js';
import { withMutex } from './mongo-mutex.js';
import { getRetention, listRetention, setRetention } from './mongo-retention.js';
import { getSchema, insertSchema, listActions, listSchemas } from './mongo-schemas.js';
import { sealEvents } from './mongo-sealer.js';
import { getSequenceHead, readSequencedEvents } from './mongo-sequence.js';
import {
  acceptSession,
  type MongoTransactionHandle,
  sessionMethods,
  transactionsUnsupported,
  whyNoTransactions,
} from './mongo-transactions.js';
import { markUnsealedEvents } from './mongo-unsealed-migration.js';

/**
 * Options of {@link mongoStore} that do not depend on where the client comes from.
 *
 * @example
 * ```ts
 * const common: MongoStoreCommonOptions = { dbName: 'app', collectionPrefix: 'audit_' };
 * const store = mongoStore({ ...common, url: 'mongodb://127.0.0.1:27017' });
 * ```
 */
export interface MongoStoreCommonOptions {
  /** The database holding AuditKit's collections. */
  dbName: string;
  /** Put before every collection name, so AuditKit can share a database with the application. Default `auditkit_`. */
  collectionPrefix?: string;
}

/**
 * {@link mongoStore} creating (and closing) its own client.
 *
 * @example
 * ```ts
 * const options: MongoStoreUrlOptions = {
 *   url: process.env.MONGODB_URL ?? 'mongodb://127.0.0.1:27017',
 *   dbName: 'audit',
 *   clientOptions: { serverSelectionTimeoutMS: 5_000 },
 * };
 * ```
 */
export interface MongoStoreUrlOptions extends MongoStoreCommonOptions {
  /** A MongoDB connection string, e.g. `mongodb://127.0.0.1:27017`. */
  url: string;
  /** Passed to the `MongoClient` the store creates (timeouts, TLS, pool size…). */
  clientOptions?: MongoClientOptions;
  client?: never;
}

/**
 * {@link mongoStore} on the application's client, which it never closes.
 *
 * @example
 * ```ts
 * import { MongoClient } from 'mongodb';
 *
 * const client = new MongoClient('mongodb://127.0.0.1:27017');
 * const options: MongoStoreClientOptions = { client, dbName: 'app' };
 * // …after auditLog.close(), the application still owns (and closes) `client`.
 * ```
 */
export interface MongoStoreClientOptions extends MongoStoreCommonOptions {
  /** A `MongoClient` the application created (connected or not). */
  client: MongoClientLike;
  url?: never;
  clientOptions?: never;
}

/**
 * Options of {@link mongoStore}: a URL to connect to, or the application's client.
 *
 * @example
 * ```ts
 * const options: MongoStoreOptions = { url: 'mongodb://127.0.0.1:27017', dbName: 'audit' };
 * ```
 */
export type MongoStoreOptions = MongoStoreUrlOptions | MongoStoreClientOptions;

/**
 * The default {@link MongoStoreCommonOptions.collectionPrefix}.
 *
 * @example
 * ```ts
 * db.collection(`${DEFAULT_COLLECTION_PREFIX}events`); // auditkit_events
 * ```
 */
export const DEFAULT_COLLECTION_PREFIX = 'auditkit_';

/**
 * An AuditKit store on MongoDB (the official driver), or any server speaking its protocol. It
 * needs no multi-document transaction: a standalone server, a replica set, a sharded cluster and
 * MongoDB-compatible servers such as FerretDB all work. Indexes are created when the audit log
 * opens, safely from several processes at once.
 *
 * On a replica set or a sharded cluster, `auditLog.withTransaction(session)` writes and reads
 * through the application's `ClientSession` inside its transaction (see the README, "The
 * application's transactions"); elsewhere it is refused with `transactions_unsupported`.
 *
 * @example
 * ```ts
 * import { createAuditLog } from '@auditkit/core';
 * import { mongoStore } from '@auditkit/adapter-mongo';
 *
 * const auditLog = await createAuditLog({
 *   store: mongoStore({ url: 'mongodb://127.0.0.1:27017', dbName: 'audit' }),
 * });
 * // or, on the application's own client (never closed by AuditKit):
 * // mongoStore({ client: app.mongoClient, dbName: 'audit' })
 * ```
 */
export function mongoStore(options: MongoStoreOptions): AuditStore<MongoTransactionHandle> {
  return createMongoStore(options, {});
}

/**
 * Switches for this package's own tests, never exported from its entry: FerretDB has sessions but
 * no transactions, so the tests that prove every command of a bound store carries the session
 * bind past the capability check, and (as a FerretDB command inside a transaction fails) outside
 * a transaction.
 */
export interface MongoStoreTestSwitches {
  /** Bind to a session although the server has no transactions. */
  ignoreServerCapability?: boolean;
  /** Let the bound store's calls run on a session that is not inside a transaction. */
  allowOutsideTransaction?: boolean;
}

/**
 * {@link mongoStore} with test switches; internal to the package.
 *
 * @example
 * ```ts
 * const store = createMongoStore({ client, dbName: 'audit' }, { ignoreServerCapability: true });
 * ```
 */
export function createMongoStore(
  options: MongoStoreOptions,
  switches: MongoStoreTestSwitches,
): AuditStore<MongoTransactionHandle> {
  checkOptions('mongoStore', options, MONGO_STORE_OPTIONS);
  const checkCapability = switches.ignoreServerCapability !== true;
  const requireTransaction = switches.allowOutsideTransaction !== true;
  const prefix = options.collectionPrefix ?? DEFAULT_COLLECTION_PREFIX;
  const connection: MongoConnection =
    options.client === undefined
      ? ownedConnection(options.url, options.dbName, options.clientOptions)
      : borrowedConnection(options.client, options.dbName);
  let collections: MongoCollections | undefined;
  let database: Db | undefined;
  let noTransactions: string | undefined;
  // Learnt from the server at open: the conformance suite and applications read it afterwards.
  const capabilities = { persistent: true, transactions: false, sealer: true };
  const opened = (): MongoCollections => {
    if (!collections) throw new Error('the MongoDB store is not open: open() it (createAuditLog does) first');
    return collections;
  };
  const openedDb = (): Db => {
    if (!database) throw new Error('the MongoDB store is not open: open() it (createAuditLog does) first');
    return database;
  };

  const store: AuditStore<MongoTransactionHandle> = {
    name: 'mongo',
    capabilities,

    async open() {
      try {
        const db = await connection.open();
        const candidate = openCollections(db, prefix);
        await ensureIndexes(candidate);
        await fillExportOrganizations(candidate.exports);
        await markUnsealedEvents(candidate);
        noTransactions = await whyNoTransactions(db);
        capabilities.transactions = noTransactions === undefined;
        database = db;
        collections = candidate;
      } catch (error) {
        // createAuditLog does not close a store that failed to open: a client left connected
        // here would keep the application's process alive.
        await connection.close().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      collections = undefined;
      database = undefined;
      await connection.close();
    },

    // `opened()` throws inside an async function: a store that is not open rejects, never throws.
    // Events are inserted unsealed (no transaction could hold a head across the writes); core's
    // sealer gives them positions and chain links afterwards (`sealEvents`, mongo-sealer.ts).
    insertEvents: async (rows, decide) => insertEventRows(opened(), rows, decide),
    sealEvents: async (chain, limit) => sealEvents(opened(), openedDb(), chain, limit),
    readSequencedEvents: async (query) => readSequencedEvents(opened(), query),
    getSequenceHead: async (organizationId) => getSequenceHead(opened(), organizationId),
    findEvents: async (query) => findEventPage(opened().events, query),
    streamEvents: (filter, pageSize) => streamEventPages(opened().events, filter, pageSize),
    deleteEventsBefore: async (organizationId, before, limit) =>
      deleteEventsBefore(opened(), organizationId, before, limit),
    summarizeEvents: async (query) => summarizeEvents(opened().events, query),
    deleteEventsThrough: async (organizationId, through, limit) =>
      deleteEventsThrough(opened(), organizationId, through, limit),
    insertCheckpoint: async (checkpoint) => insertCheckpoint(opened().checkpoints, checkpoint),
    listCheckpoints: async (query) => listCheckpoints(opened().checkpoints, query),

    insertSchema: async (schema) => insertSchema(opened().schemas, schema),
    getSchema: async (action, version) => getSchema(opened().schemas, action, version),
    listSchemas: async (query) => listSchemas(opened().schemas, query),
    listActions: async (query) => listActions(opened().schemas, query),

    insertExport: async (record) => insertExport(opened().exports, record),
    updateExport: async (record) => updateExport(opened().exports, record),
    getExport: async (id) => getExport(opened().exports, id),
    updateExportIf: async (record, expected) => {
      const { exports, mutexes } = opened();
      return withMutex(mutexes, openedDb(), `export:${record.id}`, () =>
        updateExportIf(exports, record, expected),
      );
    },
    claimExport: async (id, token, updatedAt) => {
      const { exports, mutexes } = opened();
      return withMutex(mutexes, openedDb(), `export:${id}`, () => claimExport(exports, id, token, updatedAt));
    },
    listExports: async (query) => listExports(opened().exports, query),

    setRetention: async (organizationId, days) => setRetention(opened().retention, organizationId, days),
    getRetention: async (organizationId) => getRetention(opened().retention, organizationId),
    listRetention: async () => listRetention(opened().retention),

    acquireLease: async (request) => {
      const { leases, mutexes } = opened();
      return withMutex(mutexes, openedDb(), `lease:${request.name}`, (now) =>
        acquireLease(leases, now, request),
      );
    },
    releaseLease: async (name, holder) => {
      const { leases, mutexes } = opened();
      await withMutex(mutexes, openedDb(), `lease:${name}`, () => releaseLease(leases, name, holder));
    },

    ...mongoLogStreams(() => opened().logStreams),

    withTransaction(handle) {
      if (checkCapability && (database === undefined || noTransactions !== undefined)) {
        throw transactionsUnsupported(database === undefined ? undefined : noTransactions);
      }
      if (!database) throw transactionsUnsupported(undefined);
      const session = acceptSession(handle, database);
      return {
        ...sessionMethods(opened(), session, { requireTransaction }),
        // Leases (and log streams, whose cursors leases fence) stay on AuditKit's own client, as
        // on SQL: a grant must be seen by other processes at once, not when (or if) the
        // application's transaction commits.
        acquireLease: (request) => store.acquireLease(request),
        releaseLease: (name, holder) => store.releaseLease(name, holder),
        // So do export jobs' claims and fenced state changes: another instance's producer and
        // the expiry sweep must see them at once.
        updateExportIf: (record, expected) => store.updateExportIf(record, expected),
        claimExport: (id, token, updatedAt) => store.claimExport(id, token, updatedAt),
        listExports: (query) => store.listExports(query),
        insertLogStream: (record) => store.insertLogStream(record),
        getLogStream: (id) => store.getLogStream(id),
        listLogStreams: (query) => store.listLogStreams(query),
        updateLogStream: (id, change, when) => store.updateLogStream(id, change, when),
        deleteLogStream: (id) => store.deleteLogStream(id),
        // Checkpoints and retention's deletes are AuditKit's own work, never the application's.
        insertCheckpoint: (checkpoint) => store.insertCheckpoint(checkpoint),
        listCheckpoints: (query) => store.listCheckpoints(query),
        deleteEventsThrough: (organizationId, through, limit) =>
          store.deleteEventsThrough(organizationId, through, limit),
        name: 'mongo',
        capabilities: { persistent: true, transactions: true },
        open: async () => {},
        close: async () => {},
      };
    },
  };
  return store;
}

/** What {@link MongoStoreOptions} may hold, checked when `mongoStore` is called. */
const MONGO_STORE_OPTIONS: OptionsSpec = {
  options: {
    url: {
      expected: 'a MongoDB connection string such as "mongodb://127.0.0.1:27017"',
      accepts: isNonEmptyString,
    },
    clientOptions: { expected: 'MongoClient options (an object)', accepts: isObject },
    client: { expected: 'a MongoClient (an object with db())', accepts: hasMethods('db') },
    dbName: { expected: 'the name of the database (a non-empty string)', accepts: isNonEmptyString },
    collectionPrefix: { expected: 'a string', accepts: (value) => typeof value === 'string' },
  },
  required: ['dbName'],
  exactlyOneOf: [['url', 'client']],
  onlyWith: { clientOptions: 'url' },
  renamed: { connectionString: 'url', uri: 'url', database: 'dbName', db: 'dbName' },
};
