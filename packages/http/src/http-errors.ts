import { type AuditKitErrorDetail, isAuditKitError } from '@auditkit/core';
import { fieldToWire, InvalidEventError, messageToWire, WireFormatError } from './wire-format.js';

/**
 * One broken rule in an error body, with the field named as it is on the wire (`occurred_at`).
 *
 * @example
 * ```ts
 * const detail: WireErrorDetail = { field: 'targets[0].metadata.planTier', message: 'must be a string' };
 * ```
 */
export interface WireErrorDetail {
  field: string;
  message: string;
  /** Position in a batch. */
  index?: number;
  /**
   * The requirement as one readable line. Present on 422 responses only: the WorkOS SDK's
   * `UnprocessableEntityException` builds its message from the `code` of each error.
   */
  code?: string;
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

/**
 * Turns anything thrown while handling a request into the response the WorkOS SDK expects.
 * Failures that are not the client's fault become an opaque 500 — their details go to
 * `onUnexpected` (the server log), never to the client.
 */
export function errorResponse(error: unknown, onUnexpected: (error: unknown) => void): Response {
  if (error instanceof HttpError) return fromHttpError(error);
  if (error instanceof InvalidEventError) {
    return fromHttpError(
      new HttpError(400, 'invalid_audit_log_event', error.message, { details: error.problems }),
    );
  }
  if (error instanceof WireFormatError) {
    return fromHttpError(unprocessable('invalid_request', error.message, error.problems));
  }
  if (isAuditKitError(error)) {
    const details = error.errors.map(detailToWire);
    switch (error.code) {
      case 'invalid_audit_log_event':
        return fromHttpError(new HttpError(400, error.code, messageToWire(error.message), { details }));
      case 'idempotency_conflict':
        return fromHttpError(new HttpError(409, error.code, messageToWire(error.message), { details }));
      case 'invalid_request':
      case 'invalid_export_range':
        return fromHttpError(unprocessable(error.code, messageToWire(error.message), details));
      case 'not_found':
        return fromHttpError(new HttpError(404, error.code, error.message));
      case 'storage_error':
        break;
    }
  }
  onUnexpected(error);
  return jsonResponse(500, { message: 'Internal server error', code: 'internal_error' } satisfies ErrorBody);
}

/** A 422 whose details carry the `code` line the SDK prints. */
function unprocessable(code: string, message: string, details: WireErrorDetail[] = []): HttpError {
  return new HttpError(422, code, message, {
    details: details.map((detail) => ({ ...detail, code: `${detail.field || 'request'} ${detail.message}` })),
  });
}

function detailToWire(detail: AuditKitErrorDetail): WireErrorDetail {
  const wire: WireErrorDetail = { field: fieldToWire(detail.path), message: messageToWire(detail.message) };
  if (detail.index !== undefined) wire.index = detail.index;
  return wire;
}

function fromHttpError(error: HttpError): Response {
  const body: ErrorBody = { message: error.message, code: error.code };
  if (error.details !== undefined) body.errors = error.details;
  return jsonResponse(error.status, body, error.headers);
}
