import { AuditKitError } from '@auditkit/core';
import { type AuditStore, transactionQueue } from '@auditkit/core/store';
import type { ClientSession, Db } from 'mongodb';
import type { MongoCollections } from './mongo-collections.js';
import { insertEventRowsInTransaction } from './mongo-event-insert.js';
import { deleteEventsBefore, findEventPage, summarizeEvents } from './mongo-event-queries.js';
import { getExport, insertExport, updateExport } from './mongo-exports.js';
import { getRetention, listRetention, setRetention } from './mongo-retention.js';
import { getSchema, insertSchema, listActions, listSchemas } from './mongo-schemas.js';
import { getSequenceHead, readSequencedEvents } from './mongo-sequence.js';

/**
 * What `auditLog.withTransaction(handle)` takes on MongoDB: a `ClientSession` of the client the
 * store uses (`mongoStore({ client })`), inside a running transaction
 * (`session.startTransaction()`, or the callback of `session.withTransaction(fn)`).
 *
 * @example
 * ```ts
 * const handle: MongoTransactionHandle = client.startSession();
 * handle.startTransaction();
 * ```
 */
export type MongoTransactionHandle = ClientSession;

/**
 * Why this server's writes cannot join the application's transaction, found when the store
 * opens; `undefined` when they can: a replica set or a sharded cluster (`hello` names a set or
 * answers `isdbgrid`) that supports sessions (`logicalSessionTimeoutMinutes`). FerretDB 1.x and
 * standalone MongoDB servers have no multi-document transactions.
 *
 * @example
 * ```ts
 * const reason = await whyNoTransactions(db); // 'FerretDB 1.24.0 has no multi-document transactions'
 * ```
 */
export async function whyNoTransactions(db: Db): Promise<string | undefined> {
  const admin = db.admin();
  const build = await admin.command({ buildInfo: 1 });
  if (typeof build.ferretdbVersion === 'string') {
    return `FerretDB ${build.ferretdbVersion} has no multi-document transactions`;
  }
  const hello = await admin.command({ hello: 1 });
  if (typeof hello.setName !== 'string' && hello.msg !== 'isdbgrid') {
    return 'a standalone MongoDB server has no multi-document transactions (they need a replica set or a sharded cluster)';
  }
  if (typeof hello.logicalSessionTimeoutMinutes !== 'number') {
    return 'the MongoDB server does not support sessions (hello has no logicalSessionTimeoutMinutes)';
  }
  return undefined;
}

/**
 * The refusal of `withTransaction`: the event would be written outside the application's
 * transaction, so nothing is written at all.
 *
 * @example
 * ```ts
 * throw transactionsUnsupported('FerretDB 1.24.0 has no multi-document transactions');
 * ```
 */
export function transactionsUnsupported(reason: string | undefined): AuditKitError {
  return new AuditKitError(
    'transactions_unsupported',
    `The mongo store cannot write inside the application's transaction: ${
      reason ?? 'the store is not open yet'
    }. Nothing was written; call createEvent outside the transaction (after it commits) instead.`,
  );
}

/**
 * The data methods a store bound to a session implements; leases and log streams stay on
 * AuditKit's client, and there is no `streamEvents`.
 */
export type SessionMethods = Omit<
  AuditStore,
  | 'name'
  | 'capabilities'
  | 'open'
  | 'close'
  | 'withTransaction'
  | 'streamEvents'
  | 'acquireLease'
  | 'releaseLease'
  | 'insertLogStream'
  | 'getLogStream'
  | 'listLogStreams'
  | 'updateLogStream'
  | 'deleteLogStream'
  | 'updateExportIf'
  | 'claimExport'
  | 'listExports'
  | 'insertCheckpoint'
  | 'listCheckpoints'
  | 'deleteEventsThrough'
>;

/**
 * What binding checks: `inTransaction` off only in this package's tests, which prove on FerretDB
 * (no transactions) that every command carries the session.
 */
export interface SessionBinding {
  /** Refuse a call when the session is not inside a transaction (always, outside tests). */
  requireTransaction: boolean;
}

function isClientSession(handle: unknown): handle is ClientSession {
  if (typeof handle !== 'object' || handle === null) return false;
  const candidate = handle as Partial<Record<keyof ClientSession, unknown>>;
  return (
    typeof candidate.inTransaction === 'function' &&
    typeof candidate.startTransaction === 'function' &&
    typeof candidate.endSession === 'function'
  );
}

/**
 * Checks that `handle` is a `ClientSession` of the store's own client; `invalid_request`
 * otherwise. A session of another client cannot carry the store's commands (the driver refuses
 * it), and a store created from a URL has a client of its own that the application cannot reach.
 *
 * @example
 * ```ts
 * const session = acceptSession(handle, db);
 * ```
 */
export function acceptSession(handle: unknown, db: Db): ClientSession {
  if (!isClientSession(handle)) {
    throw new AuditKitError(
      'invalid_request',
      'The mongo store cannot write through this withTransaction handle; pass a ClientSession (client.startSession()) inside a transaction',
    );
  }
  const storeClient: unknown = (db as { client?: unknown }).client;
  const sessionClient: unknown = (handle as { client?: unknown }).client;
  if (storeClient !== undefined && sessionClient !== undefined && storeClient !== sessionClient) {
    throw new AuditKitError(
      'invalid_request',
      'The ClientSession passed to withTransaction belongs to another MongoClient than the store: create the store with mongoStore({ client, dbName }) on the client whose session you pass',
    );
  }
  return handle;
}

/** One queue per caller transaction: its calls run one after another. */
const serialized = transactionQueue();

function assertInTransaction(session: ClientSession): void {
  if (session.hasEnded || !session.inTransaction()) {
    throw new AuditKitError(
      'invalid_request',
      'The ClientSession passed to withTransaction is not inside a transaction: call session.startTransaction() (or use session.withTransaction(fn)) first; AuditKit never starts, commits or aborts the application’s transaction',
    );
  }
}

/**
 * The store's data methods with every command on `session`: reads see the transaction's own
 * uncommitted writes, writes commit or abort with it. Calls on one session run one after another
 * (a transaction's commands are never sent concurrently), each first checking that the session
 * is still inside a transaction. There is no `streamEvents`: an export in the transaction reads
 * page by page, so no cursor of the transaction stays open between calls.
 *
 * @example
 * ```ts
 * const methods = sessionMethods(collections, session, { requireTransaction: true });
 * ```
 */
export function sessionMethods(
  collections: MongoCollections,
  session: ClientSession,
  { requireTransaction }: SessionBinding,
): SessionMethods {
  const { events, schemas, exports, retention } = collections;
  const methods: SessionMethods = {
    insertEvents: (rows, decide) => insertEventRowsInTransaction(collections, rows, decide, session),
    findEvents: (query) => findEventPage(events, query, session),
    // Sealed events only, which a transaction's own (unsealed) events never are: no session needed.
    readSequencedEvents: (query) => readSequencedEvents(collections, query),
    getSequenceHead: (organizationId) => getSequenceHead(collections, organizationId),
    deleteEventsBefore: (organizationId, before, limit) =>
      deleteEventsBefore(collections, organizationId, before, limit, session),
    summarizeEvents: (query) => summarizeEvents(events, query, session),
    insertSchema: (schema) => insertSchema(schemas, schema, session),
    getSchema: (action, version) => getSchema(schemas, action, version, session),
    listSchemas: (query) => listSchemas(schemas, query, session),
    listActions: (query) => listActions(schemas, query, session),
    insertExport: (record) => insertExport(exports, record, session),
    updateExport: (record) => updateExport(exports, record, session),
    getExport: (id) => getExport(exports, id, session),
    setRetention: (organizationId, days) => setRetention(retention, organizationId, days, session),
    getRetention: (organizationId) => getRetention(retention, organizationId, session),
    listRetention: () => listRetention(retention, session),
  };
  const bound = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(methods)) {
    bound[name] = (...args: unknown[]) =>
      serialized(session, async () => {
        if (requireTransaction) assertInTransaction(session);
        return (method as (...a: unknown[]) => Promise<unknown>)(...args);
      });
  }
  return bound as unknown as SessionMethods;
}
