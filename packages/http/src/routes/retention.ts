import { jsonResponse } from '../http-errors.js';
import { configurationToWire, retentionFromWire, retentionToWire } from '../wire-format.js';
import { assertOrganizationAccess, param, type Route } from './context.js';

/**
 * An organization's retention period (`GET` and `PUT /organizations/:id/audit_logs_retention`)
 * and its audit log configuration (`GET /organizations/:id/audit_log_configuration`).
 */
export const retentionRoutes: Route[] = [
  {
    method: 'GET',
    path: '/organizations/:organizationId/audit_logs_retention',
    async handle(context) {
      const organizationId = param(context, 'organizationId');
      assertOrganizationAccess(context, organizationId);
      return jsonResponse(200, retentionToWire(await context.auditLog.getRetention(organizationId)));
    },
  },
  {
    method: 'PUT',
    path: '/organizations/:organizationId/audit_logs_retention',
    async handle(context) {
      const organizationId = param(context, 'organizationId');
      assertOrganizationAccess(context, organizationId);
      const retention = retentionFromWire(await context.readBody());
      return jsonResponse(
        200,
        retentionToWire(await context.auditLog.setRetention(organizationId, retention)),
      );
    },
  },
  {
    method: 'GET',
    path: '/organizations/:organizationId/audit_log_configuration',
    async handle(context) {
      const organizationId = param(context, 'organizationId');
      assertOrganizationAccess(context, organizationId);
      const retention = await context.auditLog.getRetention(organizationId);
      const streams = await context.auditLog.listLogStreams({ organizationId });
      return jsonResponse(200, configurationToWire(organizationId, retention, streams.data));
    },
  },
];
