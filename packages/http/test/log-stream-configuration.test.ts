// GET /organizations/:id/audit_log_configuration reports the organization's log stream in the
// WorkOS shape (type, state, last synced time), validated against the spec's schema.
import { startLogStreamReceiver } from '@auditkit/core/testing';
import { afterEach, expect, it } from 'vitest';
import { ORG_ACME, startApi, type TestApi } from './helpers.js';
import { ConfigurationJson } from './workos-spec-shapes.js';

let api: TestApi | undefined;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await api?.close();
  api = undefined;
});

async function configuration(current: TestApi): Promise<Record<string, unknown>> {
  const response = await current.call(`/organizations/${ORG_ACME}/audit_log_configuration`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as Record<string, unknown>;
  expect(ConfigurationJson.safeParse(body).error).toBeUndefined();
  return body;
}

it('shows the log stream: type, state and last synced time, through pause and failure', async () => {
  api = await startApi({ logStreams: { deliver: true, pollIntervalMs: 20, initialBackoffMs: 50 } });
  const current = api;
  expect(await configuration(current)).not.toHaveProperty('log_stream');
  const hook = await startLogStreamReceiver({ type: 'webhook', secret: 'whsec_configuration' });
  cleanup.push(() => hook.close());
  // A function destination has no WorkOS type: not shown.
  const stream = await current.auditLog.createLogStream({
    organizationId: ORG_ACME,
    destination: { type: 'webhook', url: hook.url, secret: 'whsec_configuration' },
  });
  expect((await configuration(current)).log_stream).toEqual({
    id: stream.id,
    type: 'GenericHttps',
    state: 'active',
    last_synced_at: null,
    created_at: stream.createdAt.toISOString(),
  });
  await current.auditLog.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });
  await current.auditLog.createEvent(ORG_ACME, {
    action: 'user.signed_in',
    occurredAt: new Date(),
    actor: { type: 'user', id: 'user_1' },
    targets: [{ type: 'team', id: 'team_1' }],
    context: { location: '203.0.113.7' },
  });
  const deadline = Date.now() + 15_000;
  while ((await configuration(current)).log_stream && hook.events.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(hook.events).toHaveLength(1);
  let synced = (await configuration(current)).log_stream as { last_synced_at: string | null };
  while (synced.last_synced_at === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    synced = (await configuration(current)).log_stream as { last_synced_at: string | null };
  }
  expect(Date.parse(synced.last_synced_at ?? '')).toBeGreaterThan(Date.now() - 15_000);
  await current.auditLog.pauseLogStream(stream.id);
  expect((await configuration(current)).log_stream).toMatchObject({ state: 'inactive' });
  // Refused for good (403) → WorkOS's `invalid`.
  hook.script({ status: 403 });
  await current.auditLog.resumeLogStream(stream.id);
  await current.auditLog.createEvent(ORG_ACME, {
    action: 'user.signed_in',
    occurredAt: new Date(),
    actor: { type: 'user', id: 'user_2' },
    targets: [{ type: 'team', id: 'team_1' }],
    context: { location: '203.0.113.7' },
  });
  let state = '';
  while (state !== 'invalid' && Date.now() < deadline) {
    state = ((await configuration(current)).log_stream as { state: string }).state;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(state).toBe('invalid');
});
