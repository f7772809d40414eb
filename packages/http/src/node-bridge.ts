import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A `node:http` request listener, the shape Express, Fastify (`reply.raw`) and `createServer` use.
 *
 * @example
 * ```ts
 * const listener: NodeRequestListener = toNodeListener(handler);
 * app.use('/audit', (req, res) => listener(req, res)); // Express, with basePath: '/audit'
 * ```
 */
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => void;

// Why this bridge is our own rather than a maintained adapter: srvx 1.0.8's `toNodeHandler`,
// run against this file's tests (node-bridge.test.ts) on 2026-11-30, failed three of them —
// it builds the request's origin from the client's Host header (download links default to the
// request origin, so a forged Host would be written into them), it ignores `req.originalUrl`
// (breaking `basePath` under an Express mount), and a handler that rejects leaves the
// connection unanswered instead of a 500. @hono/node-server 2.1.9 also reads `incoming.url`
// only and needs `hono` as a peer. Revisit when an adapter offers a fixed origin and the
// original URL.

/** Largest number of bytes read and thrown away after a handler stopped reading a body. */
const MAX_DISCARD_BYTES = 8 * 1024 * 1024;
/** Request body bytes buffered ahead of the handler before the socket is paused. */
const BODY_HIGH_WATER_MARK = 64 * 1024;

/**
 * Adapts a Web `Request → Response` handler to a `node:http` listener. Request bodies are
 * streamed to the handler (with backpressure), not buffered, so a body limit in the handler
 * applies while the bytes arrive; responses are streamed back the same way.
 *
 * Under Express, mount it without body parsers in front (they would consume the body); the
 * original URL (`req.originalUrl`) is used, so set the handler's `basePath` to the mount path.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createAuditLogHandler, toNodeListener } from '@auditkit/http';
 *
 * const handler = createAuditLogHandler({ auditLog, apiKeys: [process.env.AUDITKIT_API_KEY!] });
 * createServer(toNodeListener(handler)).listen(8787, '127.0.0.1');
 * ```
 */
export function toNodeListener(handler: (request: Request) => Promise<Response>): NodeRequestListener {
  return (req, res) => {
    const aborted = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const body = bodyStream(req);
    // A body the handler left unread (an early 401 or 413) is drained once the response is out,
    // so the client can finish sending and read it, and the connection stays usable.
    res.once('finish', body.abandon);
    let request: Request;
    try {
      request = toWebRequest(req, body.stream, aborted.signal);
    } catch {
      sendBareError(res, 400, 'Bad request');
      return;
    }
    handler(request)
      .then((response) => writeResponse(response, res))
      .catch((error: unknown) => {
        // The handler itself answers every error it knows; reaching here is a bug in it.
        if (!res.headersSent) sendBareError(res, 500, 'Internal server error');
        else res.destroy(error instanceof Error ? error : undefined);
      });
  };
}

function toWebRequest(req: IncomingMessage, body: ReadableStream<Uint8Array>, signal: AbortSignal): Request {
  const headers = new Headers();
  for (let index = 0; index + 1 < req.rawHeaders.length; index += 2) {
    const name = req.rawHeaders[index] ?? '';
    const value = req.rawHeaders[index + 1] ?? '';
    if (name.startsWith(':')) continue;
    headers.append(name, value);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(requestUrl(req), {
    method,
    headers,
    signal,
    ...(hasBody ? { body, duplex: 'half' as const } : {}),
  });
}

const PLAIN_HOST = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

function requestUrl(req: IncomingMessage): string {
  const protocol = 'encrypted' in req.socket && req.socket.encrypted === true ? 'https' : 'http';
  // The Host header is the client's word; anything but a plain host[:port] could smuggle userinfo or paths.
  const host =
    req.headers.host !== undefined && PLAIN_HOST.test(req.headers.host) ? req.headers.host : 'localhost';
  // Express rewrites `req.url` under a mount path; `originalUrl` is what the client asked for.
  const target = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  // Concatenating (not `new URL(target, base)`) keeps a target like `//other.host/x` a path.
  const path = target.startsWith('/') ? target : pathOfAbsoluteTarget(target);
  return `${protocol}://${host}${path}`;
}

function pathOfAbsoluteTarget(target: string): string {
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}

/**
 * The request body as a Web stream that reads from the socket only as fast as the handler
 * consumes it. `abandon()` ends the stream for good and throws away whatever still arrives.
 */
function bodyStream(req: IncomingMessage): { stream: ReadableStream<Uint8Array>; abandon: () => void } {
  let settled = false;
  let discarded = 0;
  let control: ReadableStreamDefaultController<Uint8Array> | undefined;
  const discard = () => {
    if (settled) return;
    settled = true;
    req.resume();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        control = controller;
        req.pause();
        req.on('data', (chunk: Buffer) => {
          if (settled) {
            // A client that keeps sending long after its answer is cut off.
            discarded += chunk.byteLength;
            if (discarded > MAX_DISCARD_BYTES) req.socket.destroy();
            return;
          }
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        req.once('close', () => {
          if (settled) return;
          settled = true;
          controller.error(new Error('The client closed the connection before sending the whole body'));
        });
      },
      pull() {
        if (!settled) req.resume();
      },
      cancel: discard,
    },
    { highWaterMark: BODY_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
  return {
    stream,
    abandon() {
      if (settled) return;
      control?.error(new Error('The response was sent before the request body was read'));
      discard();
    },
  };
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drainedOrClosed(res);
      if (res.destroyed) {
        await reader.cancel();
        return;
      }
    }
    res.end();
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    res.destroy(error instanceof Error ? error : undefined);
  }
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function sendBareError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ message, code: status === 400 ? 'bad_request' : 'internal_error' }));
}
