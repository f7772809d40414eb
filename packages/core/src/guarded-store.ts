import { toStorageError } from './errors.js';
import type { AuditLogEvent } from './event-model.js';
import type { AuditStore, EventFilter } from './store.js';

/**
 * Wraps every store method so that whatever a store throws reaches the caller as an
 * `AuditKitError` (`storage_error` with the original as `cause`), even from a store that
 * forgot to wrap a driver error.
 */
export function guardStore(store: AuditStore): AuditStore {
  const guarded = { ...store } as Record<string, unknown>;
  for (const key of Object.keys(store) as (keyof AuditStore)[]) {
    const member = store[key];
    if (typeof member !== 'function' || key === 'streamEvents') continue;
    guarded[key] = async (...args: unknown[]) => {
      try {
        return await (member as (...a: unknown[]) => Promise<unknown>).apply(store, args);
      } catch (error) {
        throw toStorageError(error, `${key} (${store.name})`);
      }
    };
  }
  const { streamEvents } = store;
  if (streamEvents) {
    // A stream fails while it is read, not when it is created: guard each step of the iteration.
    guarded.streamEvents = async function* (filter: EventFilter, pageSize: number) {
      try {
        yield* streamEvents.call(store, filter, pageSize) as AsyncIterable<AuditLogEvent[]>;
      } catch (error) {
        throw toStorageError(error, `streamEvents (${store.name})`);
      }
    };
  }
  return guarded as unknown as AuditStore;
}
