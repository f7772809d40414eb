import type { AuditLog } from '@auditkit/core';
import { type ApiKeyConfig, ApiKeyRing, type Principal } from './auth.js';
import { type DownloadLinkOptions, DownloadLinks } from './download-links.js';
import { checkHandlerOptions } from './handler-options.js';
import { errorResponse, type FailureContext, HttpError } from './http-errors.js';
import { type RateLimitDecision, type RateLimitOptions, TokenBucketLimiter } from './rate-limit.js';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './request-body.js';
import { requestIdOf } from './request-id.js';
import { Router } from './router.js';
import type { Route } from './routes/context.js';
import { eventRoutes } from './routes/events.js';
import { exportRoutes } from './routes/exports.js';
import { retentionRoutes } from './routes/retention.js';
import { schemaRoutes } from './routes/schemas.js';

/**
 * Options of {@link createAuditLogHandler}.
 *
 * @example
 * ```ts
 * const options: AuditLogHandlerOptions = {
 *   auditLog,
 *   apiKeys: [{ sha256: process.env.AUDITKIT_KEY_SHA256!, name: 'backend' }],
 *   publicUrl: 'https://audit.example.com',
 *   maxBodyBytes: 256 * 1024,
 *   rateLimit: { requestsPerSecond: 50, burst: 100 },
 *   downloads: { secret: process.env.AUDITKIT_DOWNLOAD_SECRET },
 *   onError: (error, { requestId }) => logger.error({ err: error, requestId }, 'audit API failure'),
 * };
 * ```
 */
export interface AuditLogHandlerOptions {
  /** The audit log the API serves. The handler never closes it. */
  auditLog: AuditLog;
  /** The keys accepted in `Authorization: Bearer <key>`; see {@link ApiKeyConfig}. */
  apiKeys: readonly ApiKeyConfig[];
  /**
   * The path prefix the handler is mounted under, e.g. `/api/audit` (default: none). The
   * WorkOS SDK always calls paths at the root of its host, so SDK clients need a proxy that
   * strips the prefix, or the handler at the root.
   */
  basePath?: string;
  /**
   * The URL clients reach the handler at (origin plus base path), used in export download
   * links. Default: the origin of each request plus `basePath`. Set it behind a proxy or TLS
   * terminator, where the request the handler sees is not the one the client sent.
   */
  publicUrl?: string;
  /** Largest accepted request body in bytes; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Per-key request rate limit; none by default. */
  rateLimit?: RateLimitOptions;
  /** Signing of export download links. */
  downloads?: DownloadLinkOptions;
  /**
   * Called with every failure answered with 500 (storage errors, bugs), which the client only
   * sees as "Internal server error", and with the reason of a failed export when a client reads
   * it (the client sees only that it failed). Default: `console.error`.
   */
  onError?: (error: unknown, context: FailureContext) => void;
  /**
   * Which keys may declare schemas (`POST /audit_logs/actions/:action/schemas`). Schemas are
   * global: a key scoped to one organization that declares one changes validation — and, with a
   * costly `pattern`, validation time — for every organization. `'unscoped-keys'` answers 403 to
   * keys with `organizations`; reading schemas stays open to every key. Default `'any-key'`.
   */
  schemaDeclaration?: SchemaDeclarationPolicy;
}

/** Which API keys may declare schemas; see `AuditLogHandlerOptions.schemaDeclaration`. */
export type SchemaDeclarationPolicy = 'any-key' | 'unscoped-keys';

/**
 * A Web-standard request handler: give it a `Request`, get a `Response`. Runs anywhere those
 * exist — `node:http` via {@link serve} or {@link toNodeListener}, Hono, Next.js route handlers.
 * It never rejects: every failure is answered with a JSON error response.
 *
 * @example
 * ```ts
 * const handler: AuditLogHandler = createAuditLogHandler({ auditLog, apiKeys: [apiKey] });
 * const response = await handler(
 *   new Request('http://localhost/audit_logs/actions', { headers: { authorization: `Bearer ${apiKey}` } }),
 * );
 * console.log(response.status, await response.json());
 * ```
 */
export type AuditLogHandler = (request: Request) => Promise<Response>;

const ROUTES: readonly Route[] = [...eventRoutes, ...exportRoutes, ...schemaRoutes, ...retentionRoutes];

/**
 * Creates the WorkOS-compatible Audit Logs HTTP API over an AuditKit audit log. Every option is
 * checked here: a wrong one throws `AuditKitError('invalid_request')` naming it (`rateLimit.burst`).
 *
 * @example
 * ```ts
 * import { createAuditLog } from '@auditkit/core';
 * import { sqliteStore } from '@auditkit/adapter-sqlite';
 * import { createAuditLogHandler, serve } from '@auditkit/http';
 *
 * const auditLog = await createAuditLog({ store: sqliteStore({ filename: 'audit.db' }) });
 * const handler = createAuditLogHandler({
 *   auditLog,
 *   apiKeys: [process.env.AUDITKIT_API_KEY!],
 *   rateLimit: { requestsPerSecond: 100 },
 * });
 * const server = await serve(handler, { port: 8787 });
 * // new WorkOS(key, { apiHostname: '127.0.0.1', port: 8787, https: false }).auditLogs.createEvent(…)
 * ```
 */
export function createAuditLogHandler(options: AuditLogHandlerOptions): AuditLogHandler {
  // Every option is checked now, so a mistake is reported where it was made, naming it.
  checkHandlerOptions(options);
  const { auditLog } = options;
  const keys = new ApiKeyRing(options.apiKeys);
  const limiter = options.rateLimit === undefined ? undefined : new TokenBucketLimiter(options.rateLimit);
  // Signed download links carry no key, so they get buckets of their own, one per export:
  // a leaked link cannot be used to read the file (or load the disk) faster than a key could.
  const linkLimiter = options.rateLimit === undefined ? undefined : new TokenBucketLimiter(options.rateLimit);
  const links = new DownloadLinks(options.downloads);
  const router = new Router(ROUTES);
  const basePath = normalizeBasePath(options.basePath);
  const publicUrl =
    options.publicUrl === undefined ? undefined : new URL(options.publicUrl).href.replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const onError = options.onError ?? logFailure;
  const schemaDeclaration = options.schemaDeclaration ?? 'any-key';

  function authenticate(request: Request, route: Route): Principal | undefined {
    const authorization = request.headers.get('authorization');
    // A download link carries its own permission; a key, when sent anyway, is still checked.
    if (route.access === 'signed-link' && authorization === null) return undefined;
    const principal = keys.authenticate(authorization);
    if (principal === undefined) {
      throw new HttpError(
        401,
        'unauthorized',
        'Missing or invalid API key (send Authorization: Bearer <key>)',
        {
          headers: { 'www-authenticate': 'Bearer' },
        },
      );
    }
    enforce(limiter?.take(principal.name), 'Too many requests for this API key');
    return principal;
  }

  function enforce(decision: RateLimitDecision | undefined, message: string): void {
    if (decision !== undefined && !decision.allowed) {
      throw new HttpError(429, 'rate_limit_exceeded', message, {
        headers: { 'retry-after': String(decision.retryAfterSeconds) },
      });
    }
  }

  async function dispatch(request: Request, url: URL, requestId: string): Promise<Response> {
    const path = withinBase(url.pathname, basePath);
    const lookup = path === undefined ? ({ kind: 'not_found' } as const) : router.match(request.method, path);
    if (lookup.kind === 'not_found') {
      throw new HttpError(404, 'not_found', `No endpoint at ${request.method} ${url.pathname}`);
    }
    if (lookup.kind === 'method_not_allowed') {
      throw new HttpError(405, 'method_not_allowed', `${request.method} is not allowed here`, {
        headers: { allow: lookup.allowed.join(', ') },
      });
    }
    const { route, params } = lookup;
    return route.handle({
      request,
      url,
      params,
      principal: authenticate(request, route),
      auditLog,
      links,
      publicUrl: publicUrl ?? `${url.origin}${basePath}`,
      schemaDeclaration,
      readBody: () => readJsonBody(request, maxBodyBytes),
      limitDownload: (exportId) =>
        enforce(linkLimiter?.take(exportId), 'Too many downloads through this link; try again later'),
      report: (error) => report(error, { requestId, method: request.method, path: url.pathname }),
    });
  }

  function report(error: unknown, context: FailureContext): void {
    try {
      onError(error, context);
    } catch {
      // A failing error hook must not turn a 500 into a dropped connection.
    }
  }

  return async (request) => {
    const requestId = requestIdOf(request);
    const url = new URL(request.url);
    let response: Response;
    try {
      response = await dispatch(request, url, requestId);
    } catch (error) {
      response = errorResponse(error, (unexpected) =>
        report(unexpected, { requestId, method: request.method, path: url.pathname }),
      );
    }
    response.headers.set('x-request-id', requestId);
    return response;
  };
}

function normalizeBasePath(basePath: string | undefined): string {
  if (basePath === undefined || basePath === '' || basePath === '/') return '';
  return basePath.replace(/\/+$/, '');
}

function withinBase(pathname: string, basePath: string): string | undefined {
  if (basePath === '') return pathname;
  if (pathname === basePath) return '/';
  return pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length) : undefined;
}

function logFailure(error: unknown, context: FailureContext): void {
  console.error(
    `@auditkit/http: ${context.method} ${context.path} failed (request ${context.requestId})`,
    error,
  );
}
