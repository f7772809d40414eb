import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog, memoryStore } from '@auditkit/core';
import { createAuditLogHandler } from '@auditkit/http';
import { afterEach, describe, expect, it } from 'vitest';
import { DownloadLinks } from '../src/download-links.js';
import { TokenBucketLimiter } from '../src/rate-limit.js';
import {
  ACME_KEY,
  ADMIN_KEY,
  declareSignInSchema,
  ORG_ACME,
  signInEvent,
  startApi,
  type TestApi,
} from './helpers.js';

const RANGE = { rangeStart: new Date('2024-01-01'), rangeEnd: new Date('2025-01-01') };

// Regression tests for the defects of issue 12 that concern the HTTP API (10 and 12).
describe('hardening of @auditkit/http', () => {
  let api: TestApi | undefined;
  afterEach(async () => {
    await api?.close();
    api = undefined;
  });

  it('tells a client only that an export failed; the reason with server paths goes to onError', async () => {
    const scratch = await mkdtemp(join(tmpdir(), 'auditkit-http-failed-export-'));
    const notADirectory = join(scratch, 'a-file');
    await writeFile(notADirectory, 'x');
    const auditLog = await createAuditLog({
      store: memoryStore(),
      exports: { directory: join(notADirectory, 'exports') },
    });
    const reported: { error: unknown; path: string }[] = [];
    const handler = createAuditLogHandler({
      auditLog,
      apiKeys: [ADMIN_KEY],
      onError: (error, context) => reported.push({ error, path: context.path }),
    });
    const call = (path: string, init: RequestInit = {}) =>
      handler(
        new Request(`http://localhost${path}`, {
          ...init,
          headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        }),
      );
    try {
      const created = await call('/audit_logs/exports', {
        method: 'POST',
        body: JSON.stringify({
          organization_id: ORG_ACME,
          range_start: RANGE.rangeStart.toISOString(),
          range_end: RANGE.rangeEnd.toISOString(),
        }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const failed = await auditLog.waitForExport(id);
      expect(failed.state).toBe('error');
      expect(failed.error).toContain(scratch); // the raw reason names a server path…

      const polled = await call(`/audit_logs/exports/${id}`);
      const text = await polled.text();
      expect(polled.status).toBe(200);
      expect(text).not.toContain(scratch); // …which the client never sees
      expect(text).not.toMatch(/ENOTDIR|mkdir/);
      expect(JSON.parse(text)).toEqual({
        object: 'audit_log_export',
        id,
        state: 'error',
        created_at: expect.any(String),
        updated_at: expect.any(String),
        error: 'The export failed; the server log has the details',
      });
      expect(reported).toHaveLength(1);
      expect(String(reported[0]?.error)).toContain(scratch);
      expect(reported[0]?.path).toBe(`/audit_logs/exports/${id}`);
    } finally {
      await auditLog.close();
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('refuses any change to a download signature, however small', () => {
    const links = new DownloadLinks({ secret: 'k'.repeat(32) }, () => 1_700_000_000_000);
    const query = links.sign('audit_log_export_A');
    const signature = query.get('signature') ?? '';
    expect(links.verify('audit_log_export_A', query)).toBe(true);
    const last = signature.at(-1) ?? '';
    // Characters whose value differs from the last one only in the bits base64url drops.
    const sameBytes = 'AEIMQUYcgkosw048'.split('').find((c) => c !== last && decodesEqual(signature, c));
    const variants = [
      `${signature.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`,
      `${signature}=`,
      `${signature}.`,
      `${signature} `,
      `${signature}\0`,
      `${signature}==`,
      ` ${signature}`,
      signature.toUpperCase() === signature ? signature.toLowerCase() : signature.toUpperCase(),
    ];
    if (sameBytes !== undefined) variants.push(`${signature.slice(0, -1)}${sameBytes}`);
    for (const variant of variants) {
      const changed = new URLSearchParams(query);
      changed.set('signature', variant);
      expect(links.verify('audit_log_export_A', changed), JSON.stringify(variant)).toBe(false);
    }
  });

  it('rate-limits downloads through a signed link, per export', async () => {
    api = await startApi({ handler: { rateLimit: { requestsPerSecond: 0.01, burst: 2 } } });
    // Set up mostly in process: the API keys' own buckets are not what this test drains.
    await declareSignInSchema(api.workos());
    await api.auditLog.createEvent(ORG_ACME, signInEvent());
    const ids: string[] = [];
    for (let n = 0; n < 2; n++) {
      const { id } = await api.auditLog.createExport({ organizationId: ORG_ACME, ...RANGE });
      await api.auditLog.waitForExport(id);
      ids.push(id);
    }
    const urls: string[] = [];
    for (const [index, id] of ids.entries()) {
      const polled = await api.call(`/audit_logs/exports/${id}`, { key: index === 0 ? ADMIN_KEY : ACME_KEY });
      expect(polled.status).toBe(200);
      urls.push(((await polled.json()) as { url: string }).url);
    }
    const [first = '', second = ''] = urls;
    expect((await fetch(first)).status).toBe(200);
    expect((await fetch(first)).status).toBe(200);
    const limited = await fetch(first);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ code: 'rate_limit_exceeded' });
    // Another export's link has its own bucket.
    expect((await fetch(second)).status).toBe(200);
  });

  it('keeps the number of rate-limit buckets bounded however many links are used', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ requestsPerSecond: 10 }, () => now);
    for (let n = 0; n < 25_000; n++) {
      limiter.take(`audit_log_export_${n}`);
      now += 1;
    }
    expect(limiter.size).toBeLessThanOrEqual(10_001);
    expect(limiter.size).toBeGreaterThan(0);
  });
});

function decodesEqual(signature: string, lastChar: string): boolean {
  const changed = `${signature.slice(0, -1)}${lastChar}`;
  return Buffer.from(changed, 'base64url').equals(Buffer.from(signature, 'base64url'));
}
