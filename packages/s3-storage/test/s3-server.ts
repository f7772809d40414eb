// Typed access to scripts/s3-server.mjs (plain JavaScript, so it runs before `pnpm install`).
// The specifier is computed so the root typecheck does not look for declarations of a .mjs file.

/** A running S3-compatible service for the tests. */
export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** S3_BUCKET when S3_ENDPOINT names an outside service; a fresh versitygw has none yet. */
  bucket?: string;
  /** The versitygw process this run started. */
  pid?: number;
  /** Stops the server this call started and removes its data; a no-op for an outside one. */
  stop(): Promise<void>;
}

interface S3ServerModule {
  HINT: string;
  startS3Server(options?: { port?: number; log?: (message: string) => void }): Promise<S3Server>;
}

const scriptUrl = new URL('../../../scripts/s3-server.mjs', import.meta.url).href;

/** Starts versitygw (building it on first use), or returns S3_ENDPOINT's service when that is set. */
export async function startS3Server(options: { port?: number; log?: (message: string) => void } = {}) {
  const module = (await import(scriptUrl)) as S3ServerModule;
  return module.startS3Server(options);
}

/** How to give the tests an S3 service. */
export async function s3Hint(): Promise<string> {
  return ((await import(scriptUrl)) as S3ServerModule).HINT;
}
