// The S3 service of the export-storage benchmark: a versitygw of its own (scripts/s3-server.mjs,
// built with Go on first use) with a fresh bucket, or S3_ENDPOINT's service and S3_BUCKET.
import { randomBytes } from 'node:crypto';
import type { S3ExportStorageOptions } from '@auditkit/s3-storage';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket?: string;
  stop(): Promise<void>;
}

const scriptUrl = new URL('../../scripts/s3-server.mjs', import.meta.url).href;

export async function startBenchS3(
  log: (line: string) => void,
): Promise<{ options: S3ExportStorageOptions; stop(): Promise<void> }> {
  const { startS3Server } = (await import(scriptUrl)) as {
    startS3Server(options: { port: number; log: (line: string) => void }): Promise<S3Server>;
  };
  const server = await startS3Server({ port: 0, log });
  const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  const bucket = server.bucket ?? `auditkit-bench-${randomBytes(4).toString('hex')}`;
  if (server.bucket === undefined) {
    const client = new S3Client({
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials,
    });
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
  }
  return {
    options: {
      bucket,
      prefix: 'bench/',
      endpoint: server.endpoint,
      region: server.region,
      forcePathStyle: true,
      credentials,
    },
    stop: () => server.stop(),
  };
}
