import type { Db, MongoClient, MongoClientOptions } from 'mongodb';

/**
 * The part of a `MongoClient` the adapter uses: it only asks the client for a database, so any
 * client of a supported driver version fits.
 *
 * @example
 * ```ts
 * import { MongoClient } from 'mongodb';
 *
 * const client: MongoClientLike = new MongoClient('mongodb://127.0.0.1:27017');
 * ```
 */
export type MongoClientLike = Pick<MongoClient, 'db'>;

/** How the store gets its database, and what closing it means. */
export interface MongoConnection {
  /** The database, connecting first when the store created the client. */
  open(): Promise<Db>;
  /** Closes the client when the store created it; the application's own client is left alone. */
  close(): Promise<void>;
}

/** A client the store creates from a URL, and so closes. */
export function ownedConnection(url: string, dbName: string, options?: MongoClientOptions): MongoConnection {
  let client: MongoClient | undefined;
  return {
    async open() {
      // Loaded here rather than at the top, so that an application passing its own client never
      // evaluates this package's copy of the driver.
      const { MongoClient } = await import('mongodb');
      client ??= new MongoClient(url, options);
      await client.connect();
      return client.db(dbName);
    },
    async close() {
      const current = client;
      client = undefined;
      await current?.close();
    },
  };
}

/** The application's client: used, never closed. */
export function borrowedConnection(client: MongoClientLike, dbName: string): MongoConnection {
  return {
    open: async () => client.db(dbName),
    close: async () => {},
  };
}
