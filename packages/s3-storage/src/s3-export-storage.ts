import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertExportObjectKey, type ExportStorage } from '@auditkit/core';
import {
  checkOptions,
  hasMethods,
  isNonEmptyString,
  isObject,
  isPositiveInteger,
  type OptionsSpec,
} from '@auditkit/core/store';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/**
 * Static credentials of an S3 access key, or a provider the AWS SDK calls for fresh ones.
 *
 * @example
 * ```ts
 * const credentials: S3Credentials = { accessKeyId: 'AKIA…', secretAccessKey: '…' };
 * ```
 */
export type S3Credentials = NonNullable<S3ClientConfig['credentials']>;

/**
 * Options of {@link s3ExportStorage}.
 *
 * @example
 * ```ts
 * const options: S3ExportStorageOptions = {
 *   bucket: 'audit-exports',
 *   prefix: 'auditkit/',
 *   endpoint: 'http://127.0.0.1:9000', // MinIO, Ceph, SeaweedFS, Versity; omit for AWS
 *   forcePathStyle: true,
 *   region: 'us-east-1',
 *   credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID!, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY! },
 * };
 * ```
 */
export interface S3ExportStorageOptions {
  /** The bucket export files are written to. It must exist. */
  bucket: string;
  /**
   * Prepended to every object key, e.g. `auditkit/exports/`. Default none. It must not start
   * with `/`; say the trailing `/` yourself if you want one.
   */
  prefix?: string;
  /** The region, e.g. `eu-west-1`. Default: the SDK's (`AWS_REGION`), else `us-east-1`. */
  region?: string;
  /**
   * The S3 service's URL, for S3-compatible services (MinIO, Ceph RGW, Cloudflare R2,
   * SeaweedFS, Versity): `https://<account>.r2.cloudflarestorage.com`. Default: AWS S3.
   */
  endpoint?: string;
  /**
   * Address buckets in the path (`https://host/bucket/key`) instead of the host name
   * (`https://bucket.host/key`). Most self-hosted services need it. Default `false`.
   */
  forcePathStyle?: boolean;
  /** The access key. Default: the AWS SDK's credential chain (environment, profile, instance role). */
  credentials?: S3Credentials;
  /**
   * A client of the application's own to use instead of one made from `region`, `endpoint`,
   * `forcePathStyle` and `credentials` (not together with those). It is not destroyed by AuditKit.
   */
  client?: S3Client;
  /**
   * Size of each part of a multipart upload, in bytes: at least 5 MiB (S3's minimum), default
   * 8 MiB. Memory an export's upload holds is about `partSize × (queueSize + 1)`.
   */
  partSize?: number;
  /** Parts uploaded at once. Default 2. */
  queueSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
// Rounds of listing and aborting a key's unfinished uploads in `delete` (see there).
const MAX_ABORT_ROUNDS = 5;
const MAX_SIGNED_URL_SECONDS = 7 * 24 * 3600;

const S3_OPTIONS: OptionsSpec = {
  options: {
    bucket: { expected: 'a bucket name', accepts: isNonEmptyString },
    prefix: {
      expected: 'a key prefix not starting with "/" (e.g. "auditkit/")',
      accepts: (value) => typeof value === 'string' && !value.startsWith('/') && value.length <= 512,
    },
    region: { expected: 'a region name such as "eu-west-1"', accepts: isNonEmptyString },
    endpoint: { expected: 'an http(s) URL', accepts: isHttpUrl },
    forcePathStyle: { expected: 'a boolean', accepts: (value) => typeof value === 'boolean' },
    credentials: {
      expected:
        'an object { accessKeyId, secretAccessKey, sessionToken? } or a credentials provider function',
      accepts: (value) =>
        typeof value === 'function' ||
        (isObject(value) &&
          isNonEmptyString((value as Record<string, unknown>).accessKeyId) &&
          isNonEmptyString((value as Record<string, unknown>).secretAccessKey)),
    },
    client: { expected: 'an S3Client from @aws-sdk/client-s3', accepts: hasMethods('send') },
    partSize: {
      expected: `a whole number of bytes of at least ${MIN_PART_SIZE} (5 MiB)`,
      accepts: (value) => isPositiveInteger(value) && value >= MIN_PART_SIZE,
    },
    queueSize: { expected: 'a positive integer', accepts: isPositiveInteger },
  },
  required: ['bucket'],
  renamed: {
    Bucket: 'bucket',
    accessKeyId: 'credentials',
    secretAccessKey: 'credentials',
    pathStyle: 'forcePathStyle',
    s3ForcePathStyle: 'forcePathStyle',
    url: 'endpoint',
  },
};

const CLIENT_OPTIONS = ['region', 'endpoint', 'forcePathStyle', 'credentials'] as const;

/**
 * Export files in an S3 bucket (AWS S3 or any S3-compatible service), through the official AWS
 * SDK v3: every instance of an application reads every export, and `@auditkit/http` hands out
 * presigned GET links instead of streaming the bytes itself.
 *
 * - Writes are multipart uploads (`@aws-sdk/lib-storage`) fed as the export is read, so memory
 *   stays at a few parts whatever the size. The object appears only when the upload completes;
 *   a failed export aborts the upload and leaves no object.
 * - `signedUrl` presigns a GET (`@aws-sdk/s3-request-presigner`) that expires, with the file name
 *   and media type the download should carry.
 * - A missing object is reported as missing only on S3's own "no such key" answer (404); any
 *   other failure (access denied, no such bucket, network) rejects.
 *
 * Options are checked when it is called; a mistake throws `AuditKitError('invalid_request')`.
 *
 * @example
 * ```ts
 * import { createAuditLog } from '@auditkit/core';
 * import { s3ExportStorage } from '@auditkit/s3-storage';
 *
 * const auditLog = await createAuditLog({
 *   store,
 *   exportStorage: s3ExportStorage({ bucket: 'audit-exports', prefix: 'auditkit/', region: 'eu-west-1' }),
 * });
 * ```
 */
export function s3ExportStorage(options: S3ExportStorageOptions): ExportStorage {
  checkOptions('s3ExportStorage', options, S3_OPTIONS);
  if (options.client !== undefined) {
    const mixed = CLIENT_OPTIONS.filter((name) => options[name] !== undefined);
    if (mixed.length > 0) {
      checkOptions('s3ExportStorage', options, {
        ...S3_OPTIONS,
        exactlyOneOf: mixed.map((name) => ['client', name]),
      });
    }
  }
  const { bucket, prefix = '', partSize = 8 * 1024 * 1024, queueSize = 2 } = options;
  const client =
    options.client ??
    new S3Client({
      region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  const keyOf = (key: string) => {
    assertExportObjectKey(key);
    return `${prefix}${key}`;
  };

  const read = async (key: string) => {
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
      if (!(out.Body instanceof Readable)) throw new Error('GetObject returned no Node.js stream body');
      return { body: out.Body, size: out.ContentLength ?? 0 };
    } catch (error) {
      if (isNoSuchKey(error)) return undefined;
      throw error;
    }
  };

  return {
    name: 's3',
    async write(key, body, { contentType }) {
      const Key = keyOf(key);
      let size = 0;
      const counted = Readable.from(
        countBytes(body, (n) => (size += n)),
        { objectMode: false },
      );
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key, Body: counted, ContentType: contentType },
        partSize,
        queueSize,
        // On failure the multipart upload is aborted: no parts are left billed, no object appears.
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } finally {
        counted.destroy();
      }
      return { size, location: `s3://${bucket}/${Key}` };
    },
    read,
    async stat(key) {
      try {
        const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(key) }));
        return { size: out.ContentLength ?? 0 };
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      // A HEAD answers a bare 404 for a missing bucket as for a missing key; a GET tells them
      // apart (NoSuchKey vs NoSuchBucket), so a deleted bucket is an error, never "no file".
      const object = await read(key);
      object?.body.destroy();
      return object && { size: object.size };
    },
    async delete(key) {
      const Key = keyOf(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key }));
      // Also the unfinished uploads of this key (a writer killed mid-upload), so their parts stop
      // costing; a writer still at it then fails instead of completing. Listed again after the
      // aborts, and aborted again while any is left: a part upload in flight during an abort can
      // leave the upload behind (AWS documents aborting more than once; versitygw showed it once, an
      // upload still listed right after its abort, in a CI run on 2026-12-01).
      for (let round = 0; ; round++) {
        const { Uploads = [] } = await client.send(
          new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: Key }),
        );
        const ofKey = Uploads.filter((upload) => upload.Key === Key && upload.UploadId !== undefined);
        if (ofKey.length === 0) return;
        if (round === MAX_ABORT_ROUNDS) {
          throw new Error(
            `the unfinished uploads of ${Key} were still there after ${round} rounds of aborts`,
          );
        }
        if (round > 0) await sleep(100 * round);
        for (const upload of ofKey) {
          await client
            .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key, UploadId: upload.UploadId }))
            .catch((error: unknown) => {
              if (!(error instanceof Error && error.name === 'NoSuchUpload')) throw error;
            });
        }
      }
    },
    async listUnfinished({ limit, after }) {
      // `after` is the last key of the previous page. Only the key marker: an upload id marker
      // must name an upload that still exists on some services (versitygw), and the sweep has
      // just aborted it. Further uploads of that same key wait for the next round.
      const out = await client.send(
        new ListMultipartUploadsCommand({
          Bucket: bucket,
          Prefix: prefix,
          MaxUploads: limit,
          ...(after === undefined ? {} : { KeyMarker: `${prefix}${after}` }),
        }),
      );
      const writes = [];
      for (const upload of out.Uploads ?? []) {
        const key = upload.Key?.slice(prefix.length);
        // Only keys AuditKit could have made: other uploads under the prefix are not its own.
        if (key === undefined || upload.UploadId === undefined || !isExportKey(key)) continue;
        writes.push({ key, id: upload.UploadId });
      }
      const last = out.Uploads?.at(-1)?.Key;
      const next = out.IsTruncated && last !== undefined ? last.slice(prefix.length) : undefined;
      return next === undefined ? { writes } : { writes, next };
    },
    async deleteUnfinished({ key, id }) {
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: keyOf(key), UploadId: id }))
        .catch((error: unknown) => {
          if (!(error instanceof Error && error.name === 'NoSuchUpload')) throw error;
        });
    },
    signedUrl(key, { expiresInSeconds, filename, contentType }) {
      if (
        !(
          Number.isInteger(expiresInSeconds) &&
          expiresInSeconds > 0 &&
          expiresInSeconds <= MAX_SIGNED_URL_SECONDS
        )
      ) {
        throw new RangeError(`expiresInSeconds must be a whole number from 1 to ${MAX_SIGNED_URL_SECONDS}`);
      }
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: keyOf(key),
        ResponseContentDisposition: `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`,
        ResponseContentType: contentType,
        ResponseCacheControl: 'no-store',
      });
      return getSignedUrl(client, command, { expiresIn: expiresInSeconds });
    },
  };
}

async function* countBytes(
  body: AsyncIterable<string | Uint8Array>,
  add: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    add(bytes.byteLength);
    yield bytes;
  }
}

/** A key {@link assertExportObjectKey} accepts. */
function isExportKey(key: string): boolean {
  try {
    assertExportObjectKey(key);
    return true;
  } catch {
    return false;
  }
}

/** S3's own answer to a GET that the key does not exist. */
function isNoSuchKey(error: unknown): boolean {
  return error instanceof Error && error.name === 'NoSuchKey';
}

/** A HEAD's 404: the key, or the whole bucket, does not exist. */
function isNotFound(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
  return error instanceof Error && status === 404;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
