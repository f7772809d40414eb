import type { AuditLog } from '@auditkit/core';
import { canAccessOrganization, type Principal } from '../auth.js';
import type { DownloadLinks } from '../download-links.js';
import type { SchemaDeclarationPolicy } from '../handler.js';
import { HttpError } from '../http-errors.js';
import type { RouteDefinition } from '../router.js';
import { WireFormatError } from '../wire-format.js';

/** Everything a route needs to answer one request. */
export interface RouteContext {
  readonly request: Request;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  /** The caller; `undefined` only on routes that accept signed links instead of a key. */
  readonly principal: Principal | undefined;
  readonly auditLog: AuditLog;
  readonly links: DownloadLinks;
  /** The URL the handler is reachable at (origin and base path), without a trailing slash. */
  readonly publicUrl: string;
  /** Which keys may declare schemas. */
  readonly schemaDeclaration: SchemaDeclarationPolicy;
  /** The JSON body, read within the size limit; `undefined` when empty. */
  readBody(): Promise<unknown>;
  /** Takes one download through a signed link of this export, or throws 429. */
  limitDownload(exportId: string): void;
  /** Hands a server-side failure to `onError` without failing the request. */
  report(error: unknown): void;
}

/** One endpoint. `access: 'signed-link'` lets a request without an API key through to the route. */
export interface Route extends RouteDefinition {
  readonly access?: 'api-key' | 'signed-link';
  handle(context: RouteContext): Promise<Response>;
}

/** The authenticated caller; routes that take signed links check for themselves. */
export function principalOf(context: RouteContext): Principal {
  if (context.principal === undefined) throw new Error('route requires an API key but none was checked');
  return context.principal;
}

/**
 * Rejects a key scoped to other organizations with 403, before anything is read or written.
 * The id is checked here, not left to AuditKit, so that no malformed id can slip past the scope.
 */
export function assertOrganizationAccess(context: RouteContext, organizationId: unknown): void {
  if (typeof organizationId !== 'string' || organizationId === '') {
    throw new WireFormatError('request', [
      {
        field: 'organization_id',
        code: organizationId === undefined ? 'required' : 'invalid_value',
        message: 'must be a non-empty string',
      },
    ]);
  }
  if (!canAccessOrganization(principalOf(context), organizationId)) {
    throw new HttpError(403, 'forbidden', `This API key may not access organization "${organizationId}"`);
  }
}

/** Rejects a key scoped to organizations with 403 when only unscoped keys may declare schemas. */
export function assertMayDeclareSchemas(context: RouteContext): void {
  if (context.schemaDeclaration === 'unscoped-keys' && principalOf(context).organizations !== undefined) {
    throw new HttpError(
      403,
      'forbidden',
      'This API key is scoped to organizations; only unscoped keys may declare schemas, which apply to every organization',
    );
  }
}

/** A path parameter the router guaranteed to exist. */
export function param(context: RouteContext, name: string): string {
  const value = context.params[name];
  if (value === undefined) throw new Error(`route has no "${name}" parameter`);
  return value;
}
