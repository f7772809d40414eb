/** A running S3-compatible service, as the tests use it. */
export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** S3_BUCKET when S3_ENDPOINT names an outside service; a fresh versitygw has no bucket yet. */
  bucket?: string;
  /** The versitygw process this call started (absent for S3_ENDPOINT's service). */
  pid?: number;
  /** Stops the server this call started and removes its data; a no-op for S3_ENDPOINT's. Idempotent. */
  stop(): Promise<void>;
}

/** Why a test run has no S3 service and how to give it one. */
export const HINT: string;

/** Starts versitygw (building it on first use), or returns S3_ENDPOINT's service when that is set. */
export function startS3Server(options?: {
  port?: number;
  log?: (message: string) => void;
}): Promise<S3Server>;

/** Builds tools/versitygw's binary when missing or older than its sources; resolves with its path. */
export function buildVersityGateway(options?: {
  log?: (message: string) => void;
  force?: boolean;
}): Promise<string>;
