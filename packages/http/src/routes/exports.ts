import type { AuditLogExport } from '@auditkit/core';
import { canAccessOrganization } from '../auth.js';
import { exportFileExists, exportFileResponse } from '../file-response.js';
import { HttpError, jsonResponse } from '../http-errors.js';
import { type ExportWireState, exportFiltersFromWire, exportToWire } from '../wire-format.js';
import { assertOrganizationAccess, param, type Route, type RouteContext } from './context.js';

/**
 * Exports: create, poll, and download. The `url` of a ready export points back at this
 * handler with a signed, expiring link, because the SDK's user downloads it with a plain
 * `fetch` that carries no API key.
 */
export const exportRoutes: Route[] = [
  {
    method: 'POST',
    path: '/audit_logs/exports',
    async handle(context) {
      const filters = exportFiltersFromWire(await context.readBody());
      assertOrganizationAccess(context, filters.organizationId);
      const created = await context.auditLog.createExport(filters);
      return jsonResponse(201, exportToWire(created, created.state, undefined));
    },
  },
  {
    method: 'GET',
    path: '/audit_logs/exports/:id',
    async handle(context) {
      const exp = await visibleExport(context, param(context, 'id'));
      const state = await wireState(context, exp);
      if (state === 'error') {
        // The reason can hold server paths and driver messages: it goes to the operator's
        // log, and the client only learns that the export failed.
        context.report(new Error(`Export "${exp.id}" failed: ${exp.error ?? 'no reason recorded'}`));
      }
      return jsonResponse(
        200,
        exportToWire(exp, state, state === 'ready' ? downloadUrl(context, exp.id) : undefined),
      );
    },
  },
  {
    method: 'GET',
    path: '/audit_logs/exports/:id/download',
    access: 'signed-link',
    async handle(context) {
      const id = param(context, 'id');
      if (context.principal === undefined) {
        if (!context.links.verify(id, context.url.searchParams)) {
          throw new HttpError(403, 'invalid_download_link', 'The download link is invalid or has expired');
        }
        context.limitDownload(id);
      }
      // From whichever storage the audit log has: a redirect to S3's presigned URL, or a
      // stream. Any instance sharing the database and the storage serves any export.
      const exp = await visibleExport(context, id);
      return exportFileResponse(context.auditLog, exp, `${exp.id}.${exp.format}`);
    },
  },
];

/**
 * The state the WorkOS API reports: a ready export whose file is gone (deleted by an operator
 * or a clean-up job) is `expired`, as WorkOS reports an export past its retention.
 */
async function wireState(context: RouteContext, exp: AuditLogExport): Promise<ExportWireState> {
  if (exp.state !== 'ready') return exp.state;
  return (await exportFileExists(context.auditLog, exp)) ? 'ready' : 'expired';
}

/**
 * The export, if the caller may see it. Another organization's export is reported exactly like
 * a missing one, so a scoped key cannot even learn that an id exists.
 */
async function visibleExport(context: RouteContext, id: string): Promise<AuditLogExport> {
  const exp = await context.auditLog.getExport(id);
  if (context.principal !== undefined && !canAccessOrganization(context.principal, exp.organizationId)) {
    throw new HttpError(404, 'not_found', `Export "${id}" does not exist`);
  }
  return exp;
}

function downloadUrl(context: RouteContext, id: string): string {
  return `${context.publicUrl}/audit_logs/exports/${encodeURIComponent(id)}/download?${context.links.sign(id)}`;
}
