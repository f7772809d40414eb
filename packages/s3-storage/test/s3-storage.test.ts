import { runExportStorageConformance } from '@auditkit/core/testing';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { s3ExportStorage } from '../src/index.js';
import { freshPrefix, s3TestOptions, testS3Client } from './test-storage.js';

const client = testS3Client();
afterAll(() => client.destroy());
let prefix = '';

runExportStorageConformance({
  name: 's3',
  makeStorage: () => {
    prefix = freshPrefix();
    return s3ExportStorage(s3TestOptions(prefix));
  },
  // Objects and unfinished multipart uploads under the storage's prefix, keys without it.
  async listLeftovers() {
    const bucket = inject('s3').bucket;
    const objects = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    return [
      ...(objects.Contents ?? []).map((object) => object.Key ?? ''),
      ...(uploads.Uploads ?? []).map((upload) => `upload:${upload.Key ?? ''}`),
    ]
      .map((key) => key.replace(prefix, ''))
      .sort();
  },
  makeBrokenStorage: () =>
    s3ExportStorage({
      ...s3TestOptions(),
      credentials: { accessKeyId: inject('s3').accessKeyId, secretAccessKey: 'not-the-secret-key-at-all' },
    }),
});

describe('s3ExportStorage', () => {
  it('names the object s3://bucket/prefix+key and uses the prefix it was given', async () => {
    const options = s3TestOptions();
    const storage = s3ExportStorage(options);
    const written = await storage.write(
      'audit_log_export_loc.csv',
      (async function* () {
        yield 'a\r\n';
      })(),
      { contentType: 'text/csv' },
    );
    expect(written).toEqual({
      size: 3,
      location: `s3://${options.bucket}/${options.prefix}audit_log_export_loc.csv`,
    });
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: options.bucket, Prefix: options.prefix }),
    );
    expect(listed.Contents?.map((object) => object.Key)).toEqual([
      `${options.prefix}audit_log_export_loc.csv`,
    ]);
  });

  it('reports a missing bucket as an error, not as a missing object', async () => {
    const storage = s3ExportStorage({ ...s3TestOptions(), bucket: 'auditkit-no-such-bucket' });
    await expect(storage.stat('audit_log_export_1.csv')).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(storage.read('audit_log_export_1.csv')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('checks its options when called, naming each mistake', () => {
    const fail = (options: unknown) => {
      try {
        s3ExportStorage(options as never);
      } catch (error) {
        return (error as { code: string; errors: { path: string; code: string }[] }).errors.map(
          (detail) => `${detail.path}:${detail.code}`,
        );
      }
      throw new Error('accepted');
    };
    expect(fail({})).toEqual(['bucket:required']);
    expect(fail({ bucket: 'b', prefix: '/abs' })).toEqual(['prefix:invalid_value']);
    expect(fail({ bucket: 'b', endpoint: 'ftp://x' })).toEqual(['endpoint:invalid_value']);
    expect(fail({ bucket: 'b', partSize: 1024 })).toEqual(['partSize:invalid_value']);
    expect(fail({ bucket: 'b', credentials: { accessKeyId: 'a' } })).toEqual(['credentials:invalid_value']);
    expect(fail({ bucket: 'b', pathStyle: true })).toEqual(['pathStyle:unknown_field']);
    expect(fail({ bucket: 'b', client: { send() {} }, region: 'x' })).toEqual(['region:conflicting_options']);
    expect(() => s3ExportStorage({ bucket: 'b', forcePathStyle: true, region: 'eu-west-1' })).not.toThrow();
  });
});
