import { request as httpRequest } from 'node:http';
import { createAuditLog, memoryStore } from '@auditkit/core';
import { createAuditLogHandler } from '@auditkit/http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  declareSignInSchema,
  ORG_ACME,
  rejectionOf,
  signInEvent,
  startApi,
  type TestApi,
} from './helpers.js';

const MiB = 1024 * 1024;

function postEvents(
  api: TestApi | undefined,
  body: string | Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
) {
  if (api === undefined) throw new Error('start the API first');
  return api.call('/audit_logs/events', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
}

describe('request bodies', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('answers 413 to a body over the limit announced by Content-Length, without reading it', async () => {
    api = await startApi();
    const response = await postEvents(api, JSON.stringify({ padding: 'x'.repeat(2 * MiB) }));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      message: `The request body exceeds ${MiB} bytes`,
      code: 'payload_too_large',
    });
    // The connection stays usable: the next request on it is answered normally.
    expect((await api.call('/audit_logs/actions')).status).toBe(200);
  });

  it('answers 413 to a chunked body as soon as it crosses the limit, while the client is still sending', async () => {
    api = await startApi({ handler: { maxBodyBytes: 64 * 1024 } });
    const url = new URL(`${api.server.url}/audit_logs/events`);
    const { status, bytesSent } = await new Promise<{ status: number; bytesSent: number }>(
      (resolve, reject) => {
        const req = httpRequest(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        });
        let sent = 0;
        const chunk = Buffer.alloc(16 * 1024, 0x20);
        const timer = setInterval(() => {
          // Never ends: only a server that checks while reading can answer.
          req.write(chunk);
          sent += chunk.byteLength;
        }, 2);
        req.on('response', (res) => {
          clearInterval(timer);
          res.resume();
          req.destroy();
          resolve({ status: res.statusCode ?? 0, bytesSent: sent });
        });
        req.on('error', (error) => {
          clearInterval(timer);
          reject(error);
        });
      },
    );
    expect(status).toBe(413);
    expect(bytesSent).toBeLessThan(8 * MiB);
  });

  it('stops reading an endless Request body at the limit when the handler is called directly', async () => {
    const auditLog = await createAuditLog({ store: memoryStore() });
    const handler = createAuditLogHandler({ auditLog, apiKeys: [ADMIN_KEY], maxBodyBytes: 1000 });
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 100;
        controller.enqueue(new Uint8Array(100).fill(0x20));
      },
    });
    const response = await handler(
      new Request('http://localhost/audit_logs/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: endless,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(2000);
    await auditLog.close();
  });

  it('surfaces a too large event as an SDK error with status 413 and stores nothing', async () => {
    api = await startApi({ handler: { maxBodyBytes: 2048 } });
    const workos = api.workos();
    await declareSignInSchema(workos);
    const event = signInEvent();
    const error = await rejectionOf(
      workos.auditLogs.createEvent(ORG_ACME, {
        ...event,
        metadata: { ...event.metadata, extraInfo: 'x'.repeat(480) },
        targets: Array.from({ length: 10 }, (_, index) => ({
          type: 'team',
          id: `team_${index}`.padEnd(200, '0'),
        })),
      }),
    );
    expect(error.status).toBe(413);
    expect((await api.auditLog.listEvents({ organizationId: ORG_ACME })).data).toHaveLength(0);
  });

  it('answers malformed JSON with 400 invalid_json, without echoing the body or a stack', async () => {
    api = await startApi();
    const response = await postEvents(api, '{"organization_id": "org_1", "event": {');
    expect(response.status).toBe(400);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ message: 'The request body is not valid JSON', code: 'invalid_json' });
    expect(text).not.toContain('organization_id');

    const invalidUtf8 = await postEvents(api, new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    expect(invalidUtf8.status).toBe(400);
    expect(await invalidUtf8.json()).toMatchObject({ code: 'invalid_json' });
  });

  it('answers bodies of the wrong type or shape with clean 4xx responses', async () => {
    api = await startApi();
    const form = await postEvents(api, 'organization_id=org_1', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ code: 'unsupported_media_type' });

    const array = await postEvents(api, '[]');
    expect(array.status).toBe(422);
    expect(await array.json()).toMatchObject({
      code: 'invalid_request',
      errors: [{ field: '', message: 'must be a JSON object', code: 'invalid_type' }],
    });

    const empty = await postEvents(api, '');
    expect(empty.status).toBe(422);

    const missing = await postEvents(api, JSON.stringify({ event: {} }));
    expect(missing.status).toBe(422);
    expect(await missing.json()).toMatchObject({
      code: 'invalid_request',
      errors: [{ field: 'organization_id', message: 'must be a non-empty string' }],
    });

    const extra = await postEvents(
      api,
      JSON.stringify({ organization_id: ORG_ACME, event: {}, organizationId: 'x' }),
    );
    expect(extra.status).toBe(422);
    expect(await extra.json()).toMatchObject({
      errors: [{ field: 'organizationId', message: 'is not a known field' }],
    });
  });
});
