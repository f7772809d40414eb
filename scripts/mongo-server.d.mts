/** A running MongoDB-compatible server. */
export interface MongoServer {
  url: string;
  /** Stops the server this call started; a no-op for a reused or external one. Idempotent. */
  stop(): Promise<void>;
}

/** Starts FerretDB (building it on first use), or returns MONGODB_URL's server when that is set. */
export function startMongoServer(options?: {
  port?: number;
  log?: (message: string) => void;
}): Promise<MongoServer>;
