import { AuditKitError, toStorageError } from './errors.js';
import type { AuditLogEvent } from './event-model.js';
import type { AuditStore, EventFilter } from './store.js';

type AsyncMethod = Exclude<
  {
    [K in keyof AuditStore]-?: NonNullable<AuditStore[K]> extends (...args: never[]) => Promise<unknown>
      ? K
      : never;
  }[keyof AuditStore],
  undefined | OptionalMethod
>;

/** Methods a store may leave out; guarded when present. */
type OptionalMethod = 'sealEvents';

/**
 * What each store method does, for the `storage_error` message. Typed as a complete record, so a
 * method added to the contract does not compile until it is guarded here.
 */
const OPERATIONS: Record<AsyncMethod, string> = {
  open: 'open the store',
  close: 'close the store',
  insertEvents: 'insert events',
  readSequencedEvents: 'read sequenced events',
  getSequenceHead: 'read the sequence head',
  findEvents: 'read events',
  deleteEventsBefore: 'delete expired events',
  summarizeEvents: 'summarize events',
  insertSchema: 'insert a schema',
  getSchema: 'read a schema',
  listSchemas: 'list schemas',
  listActions: 'list actions',
  insertExport: 'insert an export',
  updateExport: 'update an export',
  getExport: 'read an export',
  updateExportIf: 'update an export',
  claimExport: 'claim an export',
  listExports: 'list exports',
  setRetention: 'set retention',
  getRetention: 'read retention',
  listRetention: 'list retention',
  acquireLease: 'acquire a lease',
  releaseLease: 'release a lease',
  insertLogStream: 'insert a log stream',
  getLogStream: 'read a log stream',
  listLogStreams: 'list log streams',
  updateLogStream: 'update a log stream',
  deleteLogStream: 'delete a log stream',
  insertCheckpoint: 'insert a checkpoint',
  listCheckpoints: 'list checkpoints',
  deleteEventsThrough: 'delete purged events',
};

/**
 * The one layer that turns store failures into errors: whatever a store method throws reaches
 * the caller as an `AuditKitError` (`storage_error`, the original error as `cause`, the store's
 * name and the operation in the message); an `AuditKitError` passes through. Stores throw their
 * driver's errors as they come. `createAuditLog` guards its store with it; an adapter's own tests
 * can too, to see failures as applications do.
 *
 * Methods are called on the store itself, so a store written as a class (methods on its
 * prototype, private fields) works as well as a plain object.
 *
 * @example
 * ```ts
 * import { guardStore } from '@auditkit/core/store';
 *
 * const store = guardStore(myStore());
 * await store.getRetention('org_1'); // a driver failure rejects with code 'storage_error'
 * ```
 */
export function guardStore(store: AuditStore): AuditStore {
  const call =
    (method: AsyncMethod) =>
    async (...args: unknown[]): Promise<unknown> => {
      try {
        return await (store[method] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
      } catch (error) {
        throw toStorageError(error, `${OPERATIONS[method]} (${store.name})`);
      }
    };
  const guarded: Record<string, unknown> = {
    name: store.name,
    capabilities: store.capabilities,
  };
  for (const method of Object.keys(OPERATIONS) as AsyncMethod[]) {
    if (typeof store[method] !== 'function') {
      throw new AuditKitError('invalid_request', `store.${method} must be a function (store ${store.name})`, {
        errors: [{ path: `store.${method}`, code: 'invalid_type', message: 'must be a function' }],
      });
    }
    guarded[method] = call(method);
  }
  if (typeof store.sealEvents === 'function') {
    guarded.sealEvents = async (...args: Parameters<NonNullable<AuditStore['sealEvents']>>) => {
      try {
        return await store.sealEvents?.(...args);
      } catch (error) {
        throw toStorageError(error, `seal events (${store.name})`);
      }
    };
  }
  if (typeof store.streamEvents === 'function') {
    // A stream fails while it is read, not when it is created: guard each step of the iteration.
    guarded.streamEvents = async function* (filter: EventFilter, pageSize: number) {
      try {
        yield* store.streamEvents?.(filter, pageSize) as AsyncIterable<AuditLogEvent[]>;
      } catch (error) {
        throw toStorageError(error, `stream events (${store.name})`);
      }
    };
  }
  if (typeof store.streamExportCells === 'function') {
    guarded.streamExportCells = async function* (filter: EventFilter) {
      try {
        yield* store.streamExportCells?.(filter) as AsyncIterable<readonly (string | null)[]>;
      } catch (error) {
        throw toStorageError(error, `stream export cells (${store.name})`);
      }
    };
  }
  return guarded as unknown as AuditStore;
}
