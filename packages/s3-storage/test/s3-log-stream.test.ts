// A log stream's storage destination on S3 (the run's versitygw server): each acknowledged batch is
// one NDJSON object, every event of the organization arrives in position order.
import { createAuditLog, memoryStore } from '@auditkit/core';
import { manyEvents } from '@auditkit/core/testing';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, expect, inject, it } from 'vitest';
import { s3ExportStorage } from '../src/index.js';
import { freshPrefix, s3TestOptions, testS3Client } from './test-storage.js';

const client = testS3Client();
afterAll(() => client.destroy());

it('delivers a log stream to S3 as NDJSON objects, one per batch, in position order', async () => {
  const prefix = freshPrefix();
  const auditLog = await createAuditLog({
    store: memoryStore(),
    requireSchemas: false,
    logStreams: {
      deliver: true,
      pollIntervalMs: 20,
      batchSize: 100,
      storages: { archive: s3ExportStorage(s3TestOptions(prefix)) },
    },
  });
  try {
    const stream = await auditLog.createLogStream({
      organizationId: 'org_s3',
      destination: { type: 'storage', storage: 'archive', prefix: 'stream.' },
    });
    const events = manyEvents(250);
    for (let start = 0; start < events.length; start += 50) {
      await auditLog.createEvents('org_s3', events.slice(start, start + 50));
    }
    const deadline = Date.now() + 30_000;
    while ((await auditLog.getLogStream(stream.id)).lag > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await auditLog.getLogStream(stream.id)).lag).toBe(0);
    const bucket = inject('s3').bucket;
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((object) => object.Key ?? '').sort();
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(keys[0]).toBe(
      `${prefix}stream.${stream.id}.${'1'.padStart(20, '0')}-${'100'.padStart(20, '0')}.ndjson`,
    );
    const positions: number[] = [];
    for (const key of keys) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(object.ContentType).toContain('application/x-ndjson');
      const text = (await object.Body?.transformToString()) ?? '';
      for (const line of text.split('\n').filter(Boolean)) {
        const event = JSON.parse(line) as { position: number; id: string; organizationId: string };
        expect(event.organizationId).toBe('org_s3');
        expect(event.id).toMatch(/^audit_log_event_/);
        positions.push(event.position);
      }
    }
    expect(positions).toEqual(Array.from({ length: 250 }, (_, index) => index + 1));
  } finally {
    await auditLog.close();
  }
});
