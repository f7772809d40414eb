// The S3 export storage of a test's worker process (no vitest there): the run's server and
// bucket come from AUDITKIT_TEST_S3 (JSON of s3ExportStorage options, which the test sets), the
// prefix from the worker's argument `s3:<prefix>`.
import type { ExportStorage } from '@auditkit/core';
import { type S3ExportStorageOptions, s3ExportStorage } from '../src/index.js';

/** The storage `s3:<prefix>` names, or `undefined` for any other argument. */
export function openWorkerS3Storage(arg: string): ExportStorage | undefined {
  if (!arg.startsWith('s3:')) return undefined;
  const settings = process.env.AUDITKIT_TEST_S3;
  if (!settings) throw new Error('AUDITKIT_TEST_S3 is not set (the test sets it)');
  const options = JSON.parse(settings) as S3ExportStorageOptions;
  return s3ExportStorage({ ...options, prefix: arg.slice('s3:'.length) });
}
