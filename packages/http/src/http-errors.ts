import { type AuditKitError, type AuditKitErrorDetail, isAuditKitError } from '@auditkit/core';
import {
  fieldToPointer,
  fieldToWire,
  InvalidEventError,
  WireFormatError,
  type WireProblem,
} from './wire-format.js';

/**
 * One broken rule in an error body, the WorkOS spec's way: `field` as it is on the wire
 * (`occurred_at`), `code` the rule (`required`, `unknown_field`, `too_big`, …), and, on 400
 * invalid-event responses, `instancePath` (a JSON Pointer into the event). `message` is
 * AuditKit's readable line.
 *
 * @example
 * ```ts
 * const detail: WireErrorDetail = {
 *   instancePath: '/targets/0/metadata/planTier',
 *   field: 'targets[0].metadata.planTier',
 *   code: 'schema_mismatch',
 *   message: 'must be a string',
 * };
 * ```
 */
export interface WireErrorDetail {
  /** JSON Pointer into the event; on 400 `invalid_audit_log_event` responses. */
  instancePath?: string;
  field: string;
  code: string;
  message: string;
  /** Position in a batch. */
  index?: number;
}

/**
 * The JSON body of every error response. 400 `invalid_audit_log_event` and 422 responses list
 * what was wrong in `errors`.
 *
 * @example
 * ```ts
 * const response = await fetch(`${baseUrl}/audit_logs/events`, { method: 'POST', headers, body });
 * if (!response.ok) {
 *   const error = (await response.json()) as ErrorBody;
 *   console.error(error.code, error.message, error.errors);
 * }
 * ```
 */
export interface ErrorBody {
  message: string;
  code: string;
  errors?: WireErrorDetail[];
}

/**
 * A response-shaped failure: thrown anywhere below the handler and turned into a JSON error
 * response by {@link errorResponse}.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly status: number;
  readonly code: string;
  readonly details: WireErrorDetail[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { details?: WireErrorDetail[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

/** A JSON response with the headers every AuditKit response carries. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/**
 * Where a failure happened, for the `onError` hook: the `requestId` is also in the response's
 * `X-Request-ID`, so a client's report can be matched to the log line.
 *
 * @example
 * ```ts
 * createAuditLogHandler({
 *   auditLog,
 *   apiKeys,
 *   onError: (error, context: FailureContext) => console.error(context.requestId, context.path, error),
 * });
 * ```
 */
export interface FailureContext {
  requestId: string;
  method: string;
  path: string;
}

/** The WorkOS spec's code for an export range that is missing, invalid or out of order. */
export const EXPORT_RANGE_CODE = 'invalid_audit_log_export_range_date';

/**
 * Turns anything thrown while handling a request into the response the WorkOS SDK expects.
 * Messages are built here from each detail's `code` and wire `field`, never by rewriting
 * AuditKit's English text, so rewording a message in core cannot change the API. Failures that
 * are not the client's fault become an opaque 500 — their details go to `onUnexpected` (the
 * server log), never to the client.
 */
export function errorResponse(error: unknown, onUnexpected: (error: unknown) => void): Response {
  if (error instanceof HttpError) return fromHttpError(error);
  if (error instanceof InvalidEventError) return fromHttpError(invalidEvent(error.problems));
  if (error instanceof WireFormatError)
    return fromHttpError(validationFailed('invalid_request', error.problems));
  if (isAuditKitError(error)) {
    const response = fromAuditKitError(error);
    if (response !== undefined) return fromHttpError(response);
  }
  onUnexpected(error);
  return jsonResponse(500, { message: 'Internal server error', code: 'internal_error' } satisfies ErrorBody);
}

function fromAuditKitError(error: AuditKitError): HttpError | undefined {
  const details = error.errors.map(detailToWire);
  switch (error.code) {
    case 'invalid_audit_log_event':
      return invalidEvent(details);
    case 'invalid_export_range':
      // The spec answers a bad export range with 400 and its own code.
      return new HttpError(400, EXPORT_RANGE_CODE, `Invalid date range: ${summary(details)}`, { details });
    case 'idempotency_conflict':
      return new HttpError(409, error.code, `Idempotency conflict: ${summary(details)}; nothing was stored`, {
        details,
      });
    case 'invalid_request':
      return validationFailed(error.code, details);
    case 'not_found':
      return new HttpError(404, error.code, error.message);
    case 'closed':
      // The server is shutting down: a retry (to this or another instance) can succeed.
      return new HttpError(503, 'service_unavailable', 'The server is shutting down; retry the request');
    case 'storage_error':
    case 'export_timeout': // the API never waits for an export, so this is a bug: 500
    case 'unsafe_export_directory': // the server's configuration, not the client's request
      return undefined;
  }
}

/** 400 `invalid_audit_log_event`: each entry also names its place as the spec's `instancePath`. */
function invalidEvent(details: readonly WireErrorDetail[] | readonly WireProblem[]): HttpError {
  const withPointers = details.map((detail) => ({ instancePath: fieldToPointer(detail.field), ...detail }));
  return new HttpError(400, 'invalid_audit_log_event', `Invalid audit log event: ${summary(details)}`, {
    details: withPointers,
  });
}

/** 422 "Validation failed", the spec's `errors: [{ field, code }]` plus our message. */
function validationFailed(code: string, details: readonly WireErrorDetail[]): HttpError {
  return new HttpError(422, code, `Validation failed: ${summary(details)}`, { details: [...details] });
}

/** The first broken rule as one line, `field message`. */
function summary(details: readonly WireErrorDetail[]): string {
  const first = details[0];
  if (first === undefined) return 'invalid';
  return `${first.field || 'request'} ${first.message}`;
}

/**
 * A detail of AuditKit on the wire. Its path is renamed segment by segment; its message is
 * taken as it is, except where the rule names another field, which is named here on the wire.
 */
function detailToWire(detail: AuditKitErrorDetail): WireErrorDetail {
  const wire: WireErrorDetail = {
    field: fieldToWire(detail.path),
    code: detail.code ?? 'invalid_value',
    message: detail.code === 'range_order' ? 'must be after range_start' : detail.message,
  };
  if (detail.index !== undefined) wire.index = detail.index;
  return wire;
}

function fromHttpError(error: HttpError): Response {
  const body: ErrorBody = { message: error.message, code: error.code };
  if (error.details !== undefined) body.errors = error.details;
  return jsonResponse(error.status, body, error.headers);
}
