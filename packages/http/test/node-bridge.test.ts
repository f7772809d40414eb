import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningServer, serve, toNodeListener } from '@auditkit/http';
import { afterEach, describe, expect, it } from 'vitest';

/** Sends a raw request (no fetch normalisation) and collects the response. */
function rawRequest(
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = httpRequest({
      host: target.hostname,
      port: target.port,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      headers: options.headers,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the node:http bridge', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('gives the handler the URL, method, headers and body the client sent', async () => {
    server = await serve(async (request) =>
      Response.json({
        url: request.url,
        method: request.method,
        custom: request.headers.get('x-custom'),
        body: await request.text(),
      }),
    );
    const echoed = await rawRequest(server.url, {
      method: 'PUT',
      path: '/some/path?x=1&y=%20',
      headers: { 'x-custom': 'value', 'content-type': 'text/plain' },
      body: 'hello body',
    });
    expect(JSON.parse(echoed.body)).toEqual({
      url: `${server.url}/some/path?x=1&y=%20`,
      method: 'PUT',
      custom: 'value',
      body: 'hello body',
    });
  });

  it('never lets the Host header or a // path change the origin the handler sees', async () => {
    server = await serve(async (request) => new Response(request.url));
    const smuggled = await rawRequest(server.url, { path: '/x', headers: { host: 'user@evil.example' } });
    expect(smuggled.body).toBe('http://localhost/x');
    const doubleSlash = await rawRequest(server.url, { path: '//evil.example/x' });
    expect(new URL(doubleSlash.body).host).toBe(new URL(server.url).host);
    expect(new URL(doubleSlash.body).pathname).toBe('//evil.example/x');
  });

  it('streams the request body to the handler before the client has finished sending it', async () => {
    server = await serve(async (request) => {
      const reader = request.body?.getReader();
      const first = await reader?.read();
      await reader?.cancel();
      return new Response(`first chunk: ${new TextDecoder().decode(first?.value)}`);
    });
    const target = new URL(server.url);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: target.hostname, port: target.port, method: 'POST', path: '/' });
      req.write('part one');
      // No end(): the answer can only come from a handler that reads while the bytes arrive.
      req.on('response', async (res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        req.destroy();
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', reject);
    });
    expect(body).toBe('first chunk: part one');
  });

  it('streams the response to the client chunk by chunk', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    server = await serve(async () => {
      const encoder = new TextEncoder();
      return new Response(
        new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(encoder.encode('first;'));
            await released;
            controller.enqueue(encoder.encode('second'));
            controller.close();
          },
        }),
      );
    });
    const response = await fetch(server.url);
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toBe('first;');
    release();
    const second = await reader?.read();
    expect(new TextDecoder().decode(second?.value)).toBe('second');
  });

  it('keeps several Set-Cookie headers apart and answers a throwing handler with a bare 500', async () => {
    let fail = false;
    server = await serve(async () => {
      if (fail) throw new Error('secret internals');
      const headers = new Headers();
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      return new Response('ok', { headers });
    });
    const cookies = await rawRequest(server.url);
    expect(cookies.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    fail = true;
    const failed = await rawRequest(server.url);
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toEqual({ message: 'Internal server error', code: 'internal_error' });
  });

  it('uses the original URL of a framework that rewrote req.url under a mount path', async () => {
    const listener = toNodeListener(async (request) => new Response(new URL(request.url).pathname));
    const mounted = createServer((req, res) => {
      // What Express does for app.use('/audit', …).
      Object.assign(req, { originalUrl: req.url, url: req.url?.slice('/audit'.length) });
      listener(req, res);
    });
    mounted.listen(0, '127.0.0.1');
    await once(mounted, 'listening');
    const { port } = mounted.address() as AddressInfo;
    try {
      const response = await rawRequest(`http://127.0.0.1:${port}`, { path: '/audit/audit_logs/actions' });
      expect(response.body).toBe('/audit/audit_logs/actions');
    } finally {
      mounted.close();
    }
  });

  it('closes promptly when a response finishes after close() was called', async () => {
    server = await serve(async () => {
      const bytes = new TextEncoder().encode('done');
      return new Response(
        new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(bytes);
            await sleep(200);
            controller.close();
          },
        }),
        { headers: { 'content-length': String(bytes.byteLength) } },
      );
    });
    expect(await (await fetch(server.url)).text()).toBe('done');
    const started = performance.now();
    await server.close();
    server = undefined;
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('listens on 127.0.0.1 by default and reports its URL', async () => {
    server = await serve(async () => new Response('hi'));
    expect(server.hostname).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });
});
