// Vitest global setup: starts an S3 server (the Versity S3 Gateway, built from tools/versitygw on
// first use) on a free loopback port with a fresh data directory, or uses the service S3_ENDPOINT
// names, makes sure the bucket exists, and hands the settings to the tests through
// `inject('s3')`. Tests never skip: without a server the run fails and says what to do.
// Adapter packages list this file in their own globalSetup to run export cases on S3.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { TestProject } from 'vitest/node';
import { type S3Server, s3Hint, startS3Server } from './s3-server.js';

/** What the tests need to reach the S3 service. */
export interface S3TestSettings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The S3 service and bucket of this run; each test uses a prefix of its own. */
    s3: S3TestSettings;
  }
}

async function start(): Promise<S3Server> {
  try {
    return await startS3Server({ port: 0 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The export storage tests need an S3 service; the Versity S3 Gateway did not start: ${reason}\n` +
        'Build it with `node scripts/s3-server.mjs build` (needs Go), or ' +
        (await s3Hint()),
      { cause: error },
    );
  }
}

/** Creates the run's bucket on a fresh server, or checks S3_BUCKET exists; fails with directions. */
async function prepareBucket(server: S3Server): Promise<string> {
  const client = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  const bucket = server.bucket ?? `auditkit-test-${randomBytes(4).toString('hex')}`;
  try {
    if (server.bucket === undefined) await client.send(new CreateBucketCommand({ Bucket: bucket }));
    else await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return bucket;
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(
      `The S3 service at ${server.endpoint} refused bucket "${bucket}": ${reason}\n${await s3Hint()}`,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await start();
  try {
    const bucket = await prepareBucket(server);
    project.provide('s3', {
      endpoint: server.endpoint,
      region: server.region,
      accessKeyId: server.accessKeyId,
      secretAccessKey: server.secretAccessKey,
      bucket,
    });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return () => server.stop();
}
