import { jsonResponse } from '../http-errors.js';
import { actionToWire, paginationFromQuery, schemaFromWire, schemaToWire } from '../wire-format.js';
import { assertMayDeclareSchemas, param, type Route } from './context.js';

/**
 * Schemas and actions. They are global, not per organization: an application's event schemas
 * describe its own actions, shared by all its tenants. Any valid key may read them; declaring
 * them can be limited to unscoped keys (`schemaDeclaration: 'unscoped-keys'`).
 */
export const schemaRoutes: Route[] = [
  {
    method: 'POST',
    path: '/audit_logs/actions/:action/schemas',
    async handle(context) {
      assertMayDeclareSchemas(context);
      const definition = schemaFromWire(param(context, 'action'), await context.readBody());
      return jsonResponse(201, schemaToWire(await context.auditLog.createSchema(definition)));
    },
  },
  {
    method: 'GET',
    path: '/audit_logs/actions/:action/schemas',
    async handle(context) {
      const query = paginationFromQuery(context.url.searchParams);
      const list = await context.auditLog.listSchemas({ ...query.options, action: param(context, 'action') });
      return jsonResponse(200, query.toWire(list, schemaToWire));
    },
  },
  {
    method: 'GET',
    path: '/audit_logs/actions',
    async handle(context) {
      const query = paginationFromQuery(context.url.searchParams);
      return jsonResponse(200, query.toWire(await context.auditLog.listActions(query.options), actionToWire));
    },
  },
];
