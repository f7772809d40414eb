import { jsonResponse } from '../http-errors.js';
import { eventRequestFromWire, eventToWire, listEventsFromQuery } from '../wire-format.js';
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
      // 200 `{ success: true }` as the WorkOS spec has it, for a new event and a replay alike;
      // the stored event is an extra field, and the header tells a replay apart.
      return jsonResponse(
        200,
        { success: true, event: eventToWire(created) },
        { 'idempotent-replayed': String(created.replayed) },
      );
    },
  },
  {
    method: 'GET',
    path: '/audit_logs/events',
    async handle(context) {
      const query = listEventsFromQuery(context.url.searchParams);
      assertOrganizationAccess(context, query.options.organizationId);
      return jsonResponse(200, query.toWire(await context.auditLog.listEvents(query.options), eventToWire));
    },
  },
];
