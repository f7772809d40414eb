import { HttpError } from './http-errors.js';

/** Default largest request body: 1 MiB, far above any valid event or export request. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads and parses a JSON request body, enforcing `maxBytes` while the bytes arrive: a client
 * streaming an endless body is answered with 413 as soon as it crosses the limit, and what it
 * sent is never held in memory beyond the limit. Returns `undefined` for an empty body.
 */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const contentType = request.headers.get('content-type');
  if (contentType !== null && !JSON_MEDIA_TYPE.test(contentType)) {
    throw new HttpError(415, 'unsupported_media_type', 'The request body must be JSON (application/json)');
  }
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw tooLarge(maxBytes);

  const bytes = await readAtMost(request, maxBytes);
  if (bytes.byteLength === 0) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'invalid_json', 'The request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    // The parser's message quotes the body back; the client already has it, a log would not want it.
    throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON');
  }
}

async function readAtMost(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, 'payload_too_large', `The request body exceeds ${maxBytes} bytes`);
}
