// Log streams on the memory store against real local receivers (one HTTP server per destination
// format, checking signatures and tokens). The memory store has no commit-ordered sequence of
// its own yet, so these tests wrap it with positions assigned in insertion order (what the
// sequence contract promises); the SQL and MongoDB tests run on the real sequence.

import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditLogEvent } from '@auditkit/core';
import {
  type AuditLog,
  type AuditStore,
  createAuditLog,
  filesystemExportStorage,
  type LogStreamBatch,
  LogStreamDeliveryError,
  type LogStreamSettings,
  memoryStore,
  signWebhookPayload,
  verifyWebhookSignature,
} from '@auditkit/core';
import {
  type LogStreamReceiver,
  manyEvents,
  ORG_A,
  ORG_B,
  startLogStreamReceiver,
} from '@auditkit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

function sequencedMemoryStore(): AuditStore {
  const inner = memoryStore();
  const byOrganization = new Map<string, { position: number; hash: string; event: AuditLogEvent }[]>();
  return {
    ...inner,
    async insertEvents(rows, decide, chain) {
      const outcome = await inner.insertEvents(rows, decide, chain);
      if (outcome.status === 'stored') {
        for (const { event, replayed } of outcome.events) {
          if (replayed) continue;
          const list = byOrganization.get(event.organizationId) ?? [];
          list.push({ position: list.length + 1, hash: `hash-${list.length + 1}`, event });
          byOrganization.set(event.organizationId, list);
        }
      }
      return outcome;
    },
    // @ts-expect-error the sequence contract lands separately; these two are what it promises
    async readSequencedEvents({ organizationId, afterPosition, limit }) {
      return (byOrganization.get(organizationId) ?? []).slice(afterPosition, afterPosition + limit);
    },
    async getSequenceHead(organizationId: string) {
      const last = byOrganization.get(organizationId)?.at(-1);
      return last && { position: last.position, hash: last.hash };
    },
  };
}

const FAST: Partial<LogStreamSettings> = {
  deliver: true,
  pollIntervalMs: 20,
  initialBackoffMs: 50,
  maxBackoffMs: 200,
  leaseTtlMs: 2_000,
  batchSize: 100,
};

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function open(
  settings: Partial<LogStreamSettings> = {},
  store = sequencedMemoryStore(),
): Promise<AuditLog> {
  const auditLog = await createAuditLog({
    store,
    requireSchemas: false,
    logStreams: { ...FAST, ...settings },
  });
  cleanup.push(() => auditLog.close());
  return auditLog;
}

async function receiver(format: Parameters<typeof startLogStreamReceiver>[0]): Promise<LogStreamReceiver> {
  const started = await startLogStreamReceiver(format);
  cleanup.push(() => started.close());
  return started;
}

async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function write(auditLog: AuditLog, organizationId: string, count: number, from = 0): Promise<void> {
  const events = manyEvents(from + count).slice(from);
  for (let start = 0; start < events.length; start += 50) {
    await auditLog.createEvents(organizationId, events.slice(start, start + 50));
  }
}

function positionsOf(
  received: { organizationId: string; position: number }[],
  organizationId: string,
): number[] {
  return received.filter((event) => event.organizationId === organizationId).map((event) => event.position);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe('webhook signatures', () => {
  const secret = 'whsec_test_secret';
  const body = '{"events":[]}';
  const now = Date.parse('2026-03-01T00:00:00Z');
  const t = Math.floor(now / 1000);

  it('verifies its own signature, and nothing else', () => {
    const header = signWebhookPayload(body, secret, t);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ payload: body, header, secret, now })).toBe(true);
    expect(verifyWebhookSignature({ payload: Buffer.from(body), header, secret, now })).toBe(true);
    expect(verifyWebhookSignature({ payload: `${body} `, header, secret, now })).toBe(false);
    expect(verifyWebhookSignature({ payload: body, header, secret: 'whsec_other', now })).toBe(false);
    expect(verifyWebhookSignature({ payload: body, header, secret: ['whsec_old', secret], now })).toBe(true);
    // Five minutes of clock distance by default; an older signature is a replayed request.
    expect(verifyWebhookSignature({ payload: body, header, secret, now: now + 301_000 })).toBe(false);
    expect(verifyWebhookSignature({ payload: body, header, secret, now: now + 299_000 })).toBe(true);
    for (const broken of [
      undefined,
      '',
      'garbage',
      `t=${t}`,
      `v1=${'0'.repeat(64)}`,
      header.replace(/v1=./, 'v1=x'),
    ]) {
      expect(verifyWebhookSignature({ payload: body, header: broken, secret, now })).toBe(false);
    }
  });

  it('matches the documented recipe (HMAC-SHA256 over "<t>.<body>", hex)', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhookPayload(body, secret, t)).toBe(`t=${t},v1=${expected}`);
  });
});

describe('log streams on the memory store', () => {
  it('delivers every event of each organization once, in position order, signed, to a webhook', async () => {
    const auditLog = await open();
    const hook = await receiver({ type: 'webhook', secret: 'whsec_known_secret' });
    await write(auditLog, ORG_A, 20);
    const stream = await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'webhook', url: `${hook.url}/auditkit?token=abc`, secret: 'whsec_known_secret' },
      startAt: 'beginning',
    });
    const other = await auditLog.createLogStream({
      organizationId: ORG_B,
      destination: { type: 'webhook', url: hook.url, secret: 'whsec_known_secret' },
    });
    expect(stream.signingSecret).toBe('whsec_known_secret');
    await write(auditLog, ORG_A, 230, 20);
    await write(auditLog, ORG_B, 120);
    await waitFor('every event', () => hook.events.length >= 370);
    expect(positionsOf(hook.events, ORG_A)).toEqual(range(1, 250));
    expect(positionsOf(hook.events, ORG_B)).toEqual(range(1, 120));
    expect(hook.unauthorized).toBe(0);
    expect(Math.max(...hook.batches.map((batch) => batch.count))).toBeLessThanOrEqual(100);
    // Each event carries its id, position and hash.
    expect(hook.events[0]).toMatchObject({ organizationId: ORG_A, position: 1, hash: 'hash-1' });
    expect(hook.events[0]?.id).toMatch(/^audit_log_event_/);
    await waitFor('cursor at the head', async () => (await auditLog.getLogStream(stream.id)).lag === 0);
    const read = await auditLog.getLogStream(stream.id);
    expect(read).toMatchObject({ state: 'active', cursor: 250, headPosition: 250, lag: 0, type: 'webhook' });
    expect(read.lastSyncedAt).toBeInstanceOf(Date);
    // Secrets never come back from reads and lists.
    const listed = await auditLog.listLogStreams();
    expect(listed.data.map((s) => s.id)).toEqual([stream.id, other.id]);
    const text = JSON.stringify([read, listed]);
    expect(text).not.toContain('whsec_known_secret');
    expect(text).not.toContain('token=abc');
    expect(read.destination).toEqual({ type: 'webhook', url: `${hook.url}/…`, secret: '…cret' });
    expect('signingSecret' in read).toBe(false);
  });

  it('generates a signing secret when none is given and returns it once', async () => {
    const auditLog = await open({ deliver: false });
    const created = await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'webhook', url: 'https://siem.example.com/hook' },
    });
    expect(created.signingSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(await auditLog.getLogStream(created.id))).not.toContain(created.signingSecret);
  });

  it('speaks Datadog (DD-API-KEY) and Splunk HEC (Authorization: Splunk) formats', async () => {
    const auditLog = await open();
    const datadog = await receiver({ type: 'datadog', apiKey: 'dd-key-123456' });
    const splunk = await receiver({ type: 'splunk', token: 'hec-token-123456' });
    await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'datadog', apiKey: 'dd-key-123456', url: datadog.url, service: 'billing' },
    });
    await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'splunk', token: 'hec-token-123456', url: splunk.url, index: 'audit' },
    });
    await write(auditLog, ORG_A, 150);
    await waitFor('both receivers', () => datadog.events.length >= 150 && splunk.events.length >= 150);
    expect(positionsOf(datadog.events, ORG_A)).toEqual(range(1, 150));
    expect(positionsOf(splunk.events, ORG_A)).toEqual(range(1, 150));
    expect(datadog.unauthorized + splunk.unauthorized).toBe(0);
  });

  it('marks a stream failing on a 4xx that will never succeed, loses nothing, and delivers after resume', async () => {
    const auditLog = await open();
    const splunk = await receiver({ type: 'splunk', token: 'right-token-1234' });
    const stream = await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'splunk', token: 'wrong-token-9876', url: splunk.url },
    });
    await write(auditLog, ORG_A, 30);
    await waitFor('failing', async () => (await auditLog.getLogStream(stream.id)).state === 'failing');
    const failing = await auditLog.getLogStream(stream.id);
    expect(failing.lastError).toMatch(/^HTTP 401 from 127\.0\.0\.1:\d+/);
    expect(failing.lastError).not.toContain('wrong-token-9876');
    expect(failing).toMatchObject({ cursor: 0, lag: 30 });
    const requests = splunk.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(splunk.requests.length).toBe(requests); // no retries of a permanent failure

    // A webhook answering 403 once: failing; resumed, everything arrives.
    const hook = await receiver({ type: 'webhook', secret: 'whsec_resume' });
    hook.script({ status: 403, body: 'forbidden' });
    const resumable = await auditLog.createLogStream({
      organizationId: ORG_B,
      destination: { type: 'webhook', url: hook.url, secret: 'whsec_resume' },
    });
    await write(auditLog, ORG_B, 40);
    await waitFor('failing', async () => (await auditLog.getLogStream(resumable.id)).state === 'failing');
    expect((await auditLog.getLogStream(resumable.id)).lastError).toContain('HTTP 403');
    expect((await auditLog.resumeLogStream(resumable.id)).state).toBe('active');
    await waitFor('delivered after resume', () => hook.events.length >= 40);
    expect(positionsOf(hook.events, ORG_B)).toEqual(range(1, 40));
    await waitFor('caught up', async () => (await auditLog.getLogStream(resumable.id)).lag === 0);
    expect((await auditLog.getLogStream(resumable.id)).lastError).toBeUndefined();
  });

  it('honours Retry-After on 429 and 503, showing retrying with the error meanwhile', async () => {
    const auditLog = await open();
    const hook = await receiver({ type: 'webhook', secret: 'whsec_retry' });
    const retryDate = new Date(Date.now() + 5_000);
    hook.script(
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 503, headers: { 'retry-after': retryDate.toUTCString() } },
    );
    const stream = await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'webhook', url: hook.url, secret: 'whsec_retry' },
    });
    await write(auditLog, ORG_A, 10);
    await waitFor('retrying', async () => (await auditLog.getLogStream(stream.id)).state === 'retrying');
    expect((await auditLog.getLogStream(stream.id)).lastError).toContain('HTTP 429');
    await waitFor('delivered', () => hook.events.length >= 10, 20_000);
    const [first, second, third] = hook.requests;
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(503);
    expect(third?.status).toBe(200);
    // At least the Retry-After (a little slack for timer granularity), far more than the 50 ms backoff.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1_990);
    // An HTTP date has whole seconds: not before that second.
    expect(third?.at ?? 0).toBeGreaterThanOrEqual(Math.floor(retryDate.getTime() / 1000) * 1000 - 10);
    await waitFor('active', async () => (await auditLog.getLogStream(stream.id)).state === 'active');
  });

  it('delivers the backlog once a receiver that was down comes back', async () => {
    const auditLog = await open();
    const hook = await receiver({ type: 'webhook', secret: 'whsec_down' });
    const stream = await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'webhook', url: hook.url, secret: 'whsec_down' },
    });
    await write(auditLog, ORG_A, 10);
    await waitFor('first events', () => hook.events.length >= 10);
    await hook.down();
    await write(auditLog, ORG_A, 290, 10);
    await waitFor('retrying', async () => (await auditLog.getLogStream(stream.id)).state === 'retrying');
    const down = await auditLog.getLogStream(stream.id);
    expect(down.lastError).toMatch(/request to 127\.0\.0\.1:\d+ failed/);
    expect(down.lag).toBe(290);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await hook.up();
    await waitFor('backlog', () => hook.events.length >= 300);
    expect(positionsOf(hook.events, ORG_A)).toEqual(range(1, 300));
    await waitFor('active again', async () => (await auditLog.getLogStream(stream.id)).state === 'active');
  });

  it('re-delivers from a position or a time on replay, and pauses and resumes', async () => {
    const auditLog = await open();
    const hook = await receiver({ type: 'webhook', secret: 'whsec_replay' });
    const stream = await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'webhook', url: hook.url, secret: 'whsec_replay' },
    });
    await write(auditLog, ORG_A, 50);
    await waitFor('first pass', () => hook.events.length >= 50);
    expect(await auditLog.replayLogStream(stream.id, { fromPosition: 20 })).toMatchObject({
      cursor: 19,
      lag: 31,
    });
    await waitFor('replayed', () => hook.events.length >= 81);
    expect(positionsOf(hook.events, ORG_A)).toEqual([...range(1, 50), ...range(20, 50)]);

    const paused = await auditLog.pauseLogStream(stream.id);
    expect(paused.state).toBe('paused');
    const marker = new Date();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await write(auditLog, ORG_A, 10, 50);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.events.length).toBe(81);
    expect((await auditLog.getLogStream(stream.id)).lag).toBe(10);
    await auditLog.resumeLogStream(stream.id);
    await waitFor('after resume', () => hook.events.length >= 91);
    expect(positionsOf(hook.events, ORG_A).slice(81)).toEqual(range(51, 60));
    await auditLog.replayLogStream(stream.id, { fromTime: marker });
    await waitFor('replayed from a time', () => hook.events.length >= 101);
    expect(positionsOf(hook.events, ORG_A).slice(91)).toEqual(range(51, 60));

    await auditLog.deleteLogStream(stream.id);
    await expect(auditLog.getLogStream(stream.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(auditLog.replayLogStream(stream.id, { fromPosition: 1 })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(auditLog.replayLogStream('x', { fromPosition: 0 } as never)).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('delivers to an in-process function and to a storage, retrying what a function throws', async () => {
    const received: LogStreamBatch[] = [];
    let failures = 2;
    const directory = await mkdtemp(join(tmpdir(), 'auditkit-stream-archive-'));
    cleanup.push(() => rm(directory, { recursive: true, force: true }));
    const objects = async () => {
      const files = (await readdir(directory)).filter((name) => name.endsWith('.ndjson')).sort();
      return Promise.all(
        files.map(async (name) => [name, await readFile(join(directory, name), 'utf8')] as const),
      );
    };
    const auditLog = await open({
      functions: {
        collect: async (batch) => {
          if (failures-- > 0) throw new Error('broker unavailable');
          received.push(batch);
        },
        refuse: async () => {
          throw new LogStreamDeliveryError('topic does not exist', { permanent: true });
        },
      },
      // The real filesystem ExportStorage: flat keys, complete objects only.
      storages: { archive: filesystemExportStorage({ directory }) },
    });
    await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'function', name: 'collect' },
    });
    const refused = await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'function', name: 'refuse' },
    });
    const archived = await auditLog.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'storage', storage: 'archive', prefix: 'audit.' },
    });
    await write(auditLog, ORG_A, 120);
    await waitFor('function and storage', async () => {
      const delivered = received.reduce((sum, batch) => sum + batch.events.length, 0);
      const stored = (await objects())
        .map(([, text]) => text)
        .join('')
        .split('\n')
        .filter(Boolean).length;
      return delivered >= 120 && stored >= 120;
    });
    expect(received.flatMap((batch) => batch.events.map((event) => event.position))).toEqual(range(1, 120));
    expect(received[0]?.events[0]?.occurredAt).toBeInstanceOf(Date);
    const stored = await objects();
    expect(stored[0]?.[0]).toBe(
      `audit.${archived.id}.${'1'.padStart(20, '0')}-${'100'.padStart(20, '0')}.ndjson`,
    );
    const lines = stored.flatMap(([, text]) => text.split('\n').filter(Boolean));
    expect(lines.map((line) => (JSON.parse(line) as { position: number }).position)).toEqual(range(1, 120));
    await waitFor('refused', async () => (await auditLog.getLogStream(refused.id)).state === 'failing');
    expect((await auditLog.getLogStream(refused.id)).lastError).toBe('topic does not exist');
  });

  it('lets one process deliver a stream at a time; another takes over when it closes', async () => {
    const store = sequencedMemoryStore();
    const writer = await createAuditLog({ store, requireSchemas: false });
    cleanup.push(() => writer.close());
    const hook = await receiver({ type: 'webhook', secret: 'whsec_two' });
    await writer.createLogStream({
      organizationId: ORG_A,
      destination: { type: 'webhook', url: hook.url, secret: 'whsec_two' },
    });
    const first = await createAuditLog({ store, requireSchemas: false, logStreams: FAST });
    const second = await createAuditLog({ store, requireSchemas: false, logStreams: FAST });
    cleanup.push(() => second.close());
    await write(writer, ORG_A, 100);
    await waitFor('first half', () => hook.events.length >= 100);
    await first.close();
    await write(writer, ORG_A, 100, 100);
    await waitFor('second half', () => hook.events.length >= 200);
    expect(positionsOf(hook.events, ORG_A)).toEqual(range(1, 200));
  });

  it('refuses invalid destinations with invalid_request naming the field', async () => {
    const auditLog = await open({ deliver: false });
    const cases: [unknown, string][] = [
      [{ type: 'webhook', url: 'http://siem.example.com/hook' }, 'destination.url'],
      [{ type: 'webhook', url: 'https://user:pw@siem.example.com/' }, 'destination.url'],
      [{ type: 'splunk', url: 'https://splunk.example.com' }, 'destination.token'],
      [{ type: 'datadog', apiKey: 'k', extra: 1 }, 'destination.extra'],
      [{ type: 'ftp' }, 'destination.type'],
      [{ type: 'storage', storage: 's3', prefix: '../up' }, 'destination.prefix'],
      [
        { type: 'webhook', url: 'https://h.example.com', headers: { 'x-a': 'b\r\nc' } },
        'destination.headers',
      ],
    ];
    for (const [destination, path] of cases) {
      await expect(
        auditLog.createLogStream({ organizationId: ORG_A, destination: destination as never }),
      ).rejects.toMatchObject({ code: 'invalid_request', errors: [expect.objectContaining({ path })] });
    }
    expect((await auditLog.listLogStreams()).data).toEqual([]);
  });
});
