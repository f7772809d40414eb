// The S3 export storage of a test: the run's server and bucket (see global-setup.ts), under a
// prefix of its own so tests never see each other's objects.
import { randomUUID } from 'node:crypto';
import type { ExportStorage } from '@auditkit/core';
import { S3Client } from '@aws-sdk/client-s3';
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
