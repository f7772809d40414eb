// Typed access to scripts/mongo-server.mjs (plain JavaScript, so it runs before `pnpm install`).
// The specifier is computed so the root typecheck does not look for declarations of a .mjs file.

/** A running MongoDB-compatible server for the tests. */
export interface MongoServer {
  url: string;
  /** Stops the server this call started; a no-op for a reused or external one. Idempotent. */
  stop(): Promise<void>;
}

interface MongoServerModule {
  startMongoServer(options?: {
    /** `0` picks a free port. */
    port?: number;
    log?: (message: string) => void;
  }): Promise<MongoServer>;
}

const scriptUrl = new URL('../../../scripts/mongo-server.mjs', import.meta.url).href;

/** Starts FerretDB (building it on first use), or returns MONGODB_URL's server when that is set. */
export async function startMongoServer(options: { port?: number; log?: (message: string) => void } = {}) {
  const module = (await import(scriptUrl)) as MongoServerModule;
  return module.startMongoServer(options);
}
