import { randomUUID } from 'node:crypto';

// Echoed ids end up in logs and response headers, so only short, plain tokens are trusted.
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's `X-Request-ID` when it is a plain token, else a fresh UUID. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  return given !== null && VALID_REQUEST_ID.test(given) ? given : randomUUID();
}
