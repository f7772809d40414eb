import { jsonResponse } from '../http-errors.js';
import { eventRequestFromWire, eventToWire, listEventsFromQuery, listToWire } from '../wire-format.js';
import { assertOrganizationAccess, type Route } from './context.js';

/**
 * `POST /audit_logs/events` stores one event, idempotently by the `Idempotency-Key` header (the
 * WorkOS SDK sends one on every call and reuses it on retries); `GET /audit_logs/events` pages
 * through one organization's events, which WorkOS has no endpoint for.
 */
export const eventRoutes: Route[] = [
  {
    method: 'POST',
    path: '/audit_logs/events',
    async handle(context) {
      const { organizationId, event } = eventRequestFromWire(await context.readBody());
      assertOrganizationAccess(context, organizationId);
      const idempotencyKey = context.request.headers.get('idempotency-key');
      const created = await context.auditLog.createEvent(
        organizationId,
        event,
        idempotencyKey === null ? {} : { idempotencyKey },
      );
      return jsonResponse(
        created.replayed ? 200 : 201,
        { success: true, event: eventToWire(created) },
        { 'idempotent-replayed': String(created.replayed) },
      );
    },
  },
  {
    method: 'GET',
    path: '/audit_logs/events',
    async handle(context) {
      const options = listEventsFromQuery(context.url.searchParams);
      assertOrganizationAccess(context, options.organizationId);
      return jsonResponse(200, listToWire(await context.auditLog.listEvents(options), eventToWire));
    },
  },
];
