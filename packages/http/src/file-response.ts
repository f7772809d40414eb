import { Readable } from 'node:stream';
import type { AuditLog, AuditLogExport } from '@auditkit/core';
import { exportContentType } from '@auditkit/core';
import { HttpError } from './http-errors.js';

/**
 * The response that hands a ready export's file to a downloader, from whichever export storage
 * the audit log has: a `302` redirect to the storage's signed URL (S3: a presigned GET, so the
 * bytes never pass through this process), or the file streamed chunk by chunk so a large
 * export never sits in memory. A file that has gone (expired, deleted) is `410 Gone`; an export
 * not ready is `409`.
 */
export async function exportFileResponse(
  auditLog: AuditLog,
  exp: AuditLogExport,
  filename: string,
): Promise<Response> {
  if (exp.state === 'expired') throw gone();
  if (exp.state !== 'ready') {
    throw new HttpError(409, 'export_not_ready', `Export "${exp.id}" is ${exp.state}, not ready`);
  }
  const file = await auditLog.openExport(exp.id);
  if (file === undefined) throw gone();
  if (file.kind === 'url') {
    return new Response(null, { status: 302, headers: { location: file.url, 'cache-control': 'no-store' } });
  }
  return new Response(Readable.toWeb(file.body) as ReadableStream<Uint8Array>, {
    status: 200,
    headers: {
      'content-type': exportContentType(exp.format),
      'content-length': String(file.size),
      'content-disposition': `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`,
      'cache-control': 'no-store',
    },
  });
}

/**
 * Whether a ready export's file is still in the storage: the WorkOS API reports a ready export
 * whose file is gone (deleted by an operator or the expiry sweep) as `expired`.
 */
export async function exportFileExists(auditLog: AuditLog, exp: AuditLogExport): Promise<boolean> {
  const file = await auditLog.openExport(exp.id);
  if (file?.kind === 'stream') file.body.destroy();
  return file !== undefined;
}

function gone(): HttpError {
  return new HttpError(410, 'export_file_gone', 'The export file no longer exists');
}
