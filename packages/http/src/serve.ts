import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeListener } from './node-bridge.js';

/**
 * Where {@link serve} listens.
 *
 * @example
 * ```ts
 * const options: ServeOptions = { hostname: '0.0.0.0', port: 8787, closeGraceMs: 5_000 };
 * await serve(handler, options);
 * ```
 */
export interface ServeOptions {
  /** Default 0: a free port chosen by the system (read it from the result). */
  port?: number;
  /** Default `127.0.0.1`, so nothing is exposed beyond the machine unless asked for. */
  hostname?: string;
  /** How long `close()` lets in-flight requests finish before cutting them off. Default 10 000 ms. */
  closeGraceMs?: number;
}

/**
 * A listening server started by {@link serve}.
 *
 * @example
 * ```ts
 * const running: RunningServer = await serve(handler);
 * const workos = new WorkOS(apiKey, { apiHostname: running.hostname, port: running.port, https: false });
 * await running.close();
 * ```
 */
export interface RunningServer {
  readonly server: Server;
  /** E.g. `http://127.0.0.1:53127`. */
  readonly url: string;
  readonly hostname: string;
  readonly port: number;
  /** Stops accepting connections and resolves once the open ones are done. */
  close(): Promise<void>;
}

/**
 * Serves a Web `Request → Response` handler with `node:http`.
 *
 * @example
 * ```ts
 * import { createAuditLogHandler, serve } from '@auditkit/http';
 *
 * const server = await serve(createAuditLogHandler({ auditLog, apiKeys: [apiKey] }), { port: 8787 });
 * console.log(`listening on ${server.url}`);
 * process.once('SIGTERM', () => void server.close().then(() => auditLog.close()));
 * ```
 */
export async function serve(
  handler: (request: Request) => Promise<Response>,
  options: ServeOptions = {},
): Promise<RunningServer> {
  const hostname = options.hostname ?? '127.0.0.1';
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const graceMs = options.closeGraceMs ?? 10_000;
  let closing = false;
  // A response can finish just after close() was called (its client already had every byte);
  // its keep-alive connection turns idle only then, and would otherwise hold close() open.
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    res.once('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
  });
  return {
    server,
    url: `http://${host}:${address.port}`,
    hostname,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        const force = setTimeout(() => server.closeAllConnections(), graceMs).unref();
        server.close((error) => {
          clearTimeout(force);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
