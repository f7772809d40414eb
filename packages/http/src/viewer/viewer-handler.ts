import type { AuditLog, AuditLogExport } from '@auditkit/core';
import { exportFileResponse } from '../file-response.js';
import { errorResponse, HttpError, jsonResponse } from '../http-errors.js';
import { eventToWire, exportFiltersFromWire, listEventsFromQuery } from '../wire-format.js';
import { viewerScript } from './viewer-assets.js';
import { type ViewerGrant, ViewerLinks } from './viewer-links.js';
import { VIEWER_CSS, viewerHtml } from './viewer-page.js';

/**
 * Options of {@link createAuditLogViewer}.
 *
 * @example
 * ```ts
 * const options: AuditLogViewerOptions = {
 *   auditLog,
 *   publicUrl: 'https://audit.example.com/viewer',
 *   secret: process.env.AUDITKIT_VIEWER_SECRET,
 * };
 * ```
 */
export interface AuditLogViewerOptions {
  /** The audit log the viewer reads. The viewer never closes it. */
  auditLog: AuditLog;
  /**
   * Where the viewer handler is reached (origin plus path, e.g. `https://audit.example.com/viewer`).
   * Links point here, and the handler serves the paths below its path.
   */
  publicUrl: string;
  /**
   * The key viewer links are signed with, at least 32 bytes. Default: random per viewer, so
   * links only work against the process that issued them — set it when several processes serve.
   */
  secret?: string | Uint8Array;
  /** Epoch milliseconds; tests pass their own clock. Default `Date.now`. */
  now?: () => number;
}

/**
 * What {@link AuditLogViewer.createViewerLink} takes.
 *
 * @example
 * ```ts
 * const request: ViewerLinkRequest = { organizationId: 'org_123', expiresIn: 900 };
 * ```
 */
export interface ViewerLinkRequest {
  /** The one organization the link can read. */
  organizationId: string;
  /** Seconds the link stays valid, 1 to 604800 (7 days). Default 900 (15 minutes). */
  expiresIn?: number;
}

/**
 * A signed viewer link.
 *
 * @example
 * ```ts
 * const { url, expiresAt }: ViewerLink = viewer.createViewerLink({ organizationId: 'org_123' });
 * ```
 */
export interface ViewerLink {
  url: string;
  expiresAt: Date;
}

/**
 * An audit log viewer for one organization's admins: a Web-standard handler serving the page
 * and its JSON endpoints, and the signer of the links that open it.
 *
 * @example
 * ```ts
 * const viewer: AuditLogViewer = createAuditLogViewer({ auditLog, publicUrl: 'http://localhost:8787/viewer' });
 * const response = await viewer.handler(new Request(viewer.createViewerLink({ organizationId: 'org_123' }).url));
 * ```
 */
export interface AuditLogViewer {
  /** Answers requests under the path of `publicUrl`; everything else is 404. */
  handler: (request: Request) => Promise<Response>;
  /** A short-lived signed link to the viewer, able to read only `organizationId`. */
  createViewerLink(request: ViewerLinkRequest): ViewerLink;
}

const DEFAULT_EXPIRES_IN = 900;
// The whole stored range: the viewer exports "everything matching" when no range is chosen.
const EARLIEST = '0000-01-01T00:00:00.000Z';
const LATEST = '9999-12-31T23:59:59.999Z';
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

/**
 * Creates the audit log viewer. The application's backend calls `createViewerLink` for an
 * organization and sends that organization's admin to the link; the page and its endpoints
 * read only that organization, and only until the link expires. Mount `handler` at the path
 * of `publicUrl` (see `examples/http-server`).
 *
 * @example
 * ```ts
 * import { createAuditLogHandler, createAuditLogViewer, serve } from '@auditkit/http';
 *
 * const api = createAuditLogHandler({ auditLog, apiKeys: [process.env.AUDITKIT_API_KEY!] });
 * const viewer = createAuditLogViewer({ auditLog, publicUrl: 'http://localhost:8787/viewer' });
 * await serve((request) =>
 *   new URL(request.url).pathname.startsWith('/viewer') ? viewer.handler(request) : api(request),
 * { port: 8787 });
 * console.log(viewer.createViewerLink({ organizationId: 'org_123', expiresIn: 900 }).url);
 * ```
 */
export function createAuditLogViewer(options: AuditLogViewerOptions): AuditLogViewer {
  const { auditLog } = options;
  const base = new URL(options.publicUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const publicUrl = `${base.origin}${basePath}`;
  const links = new ViewerLinks(options.secret, options.now);

  async function route(request: Request, url: URL): Promise<Response> {
    const path = within(url.pathname, basePath);
    if (path === undefined) throw new HttpError(404, 'not_found', `No viewer endpoint at ${url.pathname}`);
    const method = request.method;
    if (path === '/assets/viewer.js' && method === 'GET') {
      return asset(await viewerScript(), 'text/javascript; charset=utf-8');
    }
    if (path === '/assets/viewer.css' && method === 'GET')
      return asset(VIEWER_CSS, 'text/css; charset=utf-8');
    const grant = links.verify(url.searchParams.get('token'));
    if (path === '/' && method === 'GET') {
      if (grant === undefined) return refusedPage();
      return new Response(viewerHtml(basePath), {
        headers: { 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS },
      });
    }
    if (!path.startsWith('/api/'))
      throw new HttpError(404, 'not_found', `No viewer endpoint at ${url.pathname}`);
    if (grant === undefined) {
      throw new HttpError(403, 'invalid_viewer_link', 'The viewer link is invalid or has expired');
    }
    return api(request, url, path.slice('/api'.length), grant);
  }

  async function api(request: Request, url: URL, path: string, grant: ViewerGrant): Promise<Response> {
    const { organizationId } = grant;
    const method = request.method;
    if (path === '/session' && method === 'GET') {
      const retention = await auditLog.getRetention(organizationId);
      return json({
        organization_id: organizationId,
        expires_at: grant.expiresAt.toISOString(),
        retention_period_in_days: retention.retentionPeriodInDays,
      });
    }
    if (path === '/events' && method === 'GET') {
      const query = new URLSearchParams(url.searchParams);
      query.delete('token');
      // The organization comes from the signed link, never from the request.
      query.delete('organization_id');
      const list = listEventsFromQuery(query);
      const page = await auditLog.listEvents({ ...list.options, organizationId });
      return json(list.toWire(page, eventToWire));
    }
    if (path === '/exports' && method === 'POST') {
      const body = await readSmallJson(request);
      const filters = exportFiltersFromWire({
        range_start: EARLIEST,
        range_end: LATEST,
        ...body,
        organization_id: organizationId,
      });
      return json(exportToViewer(await auditLog.createExport(filters, { format: 'csv' })), 201);
    }
    const exportPath = /^\/exports\/([^/]+)(\/download)?$/.exec(path);
    if (exportPath !== null && method === 'GET') {
      const id = decodeURIComponent(exportPath[1] ?? '');
      const exp = await auditLog.getExport(id).catch((error: unknown) => {
        throw isNotFound(error) ? notFound(id) : error;
      });
      // Another organization's export is reported exactly like a missing one.
      if (exp.organizationId !== organizationId) throw notFound(id);
      if (exportPath[2] === undefined) return json(exportToViewer(exp));
      return exportFileResponse(auditLog, exp, `audit-log-${exp.id}.${exp.format}`);
    }
    throw new HttpError(404, 'not_found', `No viewer endpoint at ${method} ${url.pathname}`);
  }

  return {
    async handler(request) {
      const url = new URL(request.url);
      try {
        return await route(request, url);
      } catch (error) {
        return errorResponse(error, (unexpected) =>
          console.error(`@auditkit/http viewer: ${request.method} ${url.pathname} failed`, unexpected),
        );
      }
    },
    createViewerLink({ organizationId, expiresIn = DEFAULT_EXPIRES_IN }) {
      const { token, expiresAt } = links.sign(organizationId, expiresIn);
      return { url: `${publicUrl}/?token=${token}`, expiresAt };
    },
  };
}

function exportToViewer(exp: AuditLogExport): Record<string, unknown> {
  return { id: exp.id, state: exp.state, row_count: exp.rowCount ?? null };
}

function within(pathname: string, basePath: string): string | undefined {
  if (pathname === basePath || pathname === `${basePath}/`) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : undefined;
}

function json(body: unknown, status = 200): Response {
  return jsonResponse(status, body, { 'cache-control': 'no-store' });
}

function asset(body: string, contentType: string): Response {
  return new Response(body, {
    headers: {
      'content-type': contentType,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-cache',
    },
  });
}

function refusedPage(): Response {
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Link expired</title></head>' +
    '<body><main><h1>This viewer link is invalid or has expired</h1>' +
    '<p>Ask your application for a new link to the audit log.</p></main></body></html>';
  return new Response(body, {
    status: 403,
    headers: { 'content-type': 'text/html; charset=utf-8', ...PAGE_HEADERS },
  });
}

async function readSmallJson(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (text.length > 64 * 1024) throw new HttpError(413, 'payload_too_large', 'The request body is too large');
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'invalid_request', 'The request body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'not_found';
}

function notFound(id: string): HttpError {
  return new HttpError(404, 'not_found', `Export "${id}" does not exist`);
}
