// A client that lets a test pause the adapter just before chosen database calls, to replay by
// hand the interleavings that concurrent writers only hit by chance.
import type { MongoClientLike } from '@auditkit/adapter-mongo';
import type { MongoClient } from 'mongodb';

/** Runs before each gated call; the call waits for it. `collection` is the full collection name. */
export type Gate = (collection: string, method: GatedMethod) => Promise<void> | void;
export type GatedMethod = 'insertMany' | 'updateMany' | 'deleteMany' | 'find';

const GATED = new Set<PropertyKey>(['insertMany', 'updateMany', 'deleteMany']);

function bindAll<T extends object>(target: T, wrap: (property: PropertyKey, value: unknown) => unknown): T {
  // The driver's classes keep state in private fields: every method must run on the real object.
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property);
      const wrapped = wrap(property, value);
      if (wrapped !== undefined) return wrapped;
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

export function gatedClient(client: MongoClient, gate: Gate): MongoClientLike {
  return {
    db(dbName, options) {
      return bindAll(client.db(dbName, options), (property, value) => {
        if (property !== 'collection' || typeof value !== 'function') return undefined;
        return (name: string, collectionOptions?: object) => {
          const collection = client.db(dbName, options).collection(name, collectionOptions);
          return bindAll(collection, (method, member) => {
            if (typeof member !== 'function') return undefined;
            const call = member as (...args: unknown[]) => unknown;
            if (GATED.has(method))
              return async (...args: unknown[]) => {
                await gate(name, method as GatedMethod);
                return call.apply(collection, args);
              };
            if (method !== 'find') return undefined;
            return (...args: unknown[]) => {
              const cursor = call.apply(collection, args) as { toArray(): Promise<unknown[]> };
              return bindAll(cursor, (cursorMethod) =>
                cursorMethod === 'toArray'
                  ? async () => {
                      await gate(name, 'find');
                      return cursor.toArray();
                    }
                  : undefined,
              );
            };
          });
        };
      });
    },
  };
}

/** A promise with its resolver, for handing control between two writers. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
