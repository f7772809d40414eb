// The S3 export storage of a test: the run's server and bucket (see global-setup.ts), under a
// prefix of its own so tests never see each other's objects.
import { randomUUID } from 'node:crypto';
import type { ExportStorage } from '@auditkit/core';
import type { TakeoverStorage } from '@auditkit/core/testing';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { s3ExportStorage } from '../src/index.js';

/** A fresh prefix on the run's S3 bucket, e.g. `test-3f2a…/`. */
export function freshPrefix(): string {
  return `test-${randomUUID()}/`;
}

/** The s3ExportStorage options of the run's S3 service (path-style, its root keys). */
export function s3TestOptions(prefix = freshPrefix()) {
  const s3 = inject('s3');
  return {
    bucket: s3.bucket,
    prefix,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // S3's smallest part, so tests of a few MiB already run multipart uploads.
    partSize: 5 * 1024 * 1024,
  };
}

/** An S3 export storage on the run's server, under a fresh prefix. */
export function testS3Storage(prefix?: string): ExportStorage {
  return s3ExportStorage(s3TestOptions(prefix));
}

/** A raw client on the run's server, for looking below the storage. */
export function testS3Client(): S3Client {
  const s3 = inject('s3');
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

/**
 * A fresh prefix of the run's bucket for the export takeover test across processes: its workers
 * open it from `s3:<prefix>` (worker-storage.ts) with the settings this puts in AUDITKIT_TEST_S3,
 * which child processes inherit. Events are padded so that the killed producer is past one
 * 5 MiB part: an incomplete multipart upload is what it leaves.
 */
export function s3TakeoverStorage(
  size: Pick<TakeoverStorage, 'eventBytes' | 'killAfterRows'> = {
    // ~2.5 kB of CSV per event: A's 2,400 rows are ~7 MB, past the first 5 MiB part.
    eventBytes: 2_500,
    killAfterRows: 2_400,
  },
): TakeoverStorage {
  const { prefix: _own, ...settings } = s3TestOptions();
  process.env.AUDITKIT_TEST_S3 = JSON.stringify(settings);
  // The workers' stderr must be empty: no notice that SDK releases after January 2027 need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const prefix = freshPrefix();
  const bucket = inject('s3').bucket;
  const withClient = async <T>(use: (client: S3Client) => Promise<T>) => {
    const client = testS3Client();
    try {
      return await use(client);
    } finally {
      client.destroy();
    }
  };
  return {
    arg: `s3:${prefix}`,
    listObjects: () =>
      withClient(async (client) => {
        const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
        return (out.Contents ?? []).map((object) => (object.Key ?? '').slice(prefix.length)).sort();
      }),
    listUnfinished: () =>
      withClient(async (client) => {
        const out = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
        return (out.Uploads ?? []).map((upload) => `upload:${(upload.Key ?? '').slice(prefix.length)}`);
      }),
    ...size,
  };
}
