import { afterEach, beforeEach, expect, it } from 'vitest';
import { declareSignInSchema, ORG_ACME, startApi, type TestApi } from './helpers.js';

// Regressions of issue 12 through the API: each of these reached the database and came back 500,
// or was stored as another date. Every store gets the same checks in core's conformance suite.

/** A cursor as a client could forge one: the documented-opaque format, holding values no store takes. */
const forge = (kind: string, position: unknown) =>
  Buffer.from(JSON.stringify([kind, position])).toString('base64url');

let api: TestApi;
beforeEach(async () => {
  api = await startApi();
  await declareSignInSchema(api.workos());
});
afterEach(async () => {
  await api.close();
});

const json = { 'content-type': 'application/json' };

/** The spec answers a bad event and a bad export range with 400 and their own codes. */
async function expect400(response: Response, field: RegExp) {
  const body = (await response.json()) as { code: string; errors?: { field: string }[] };
  expect(response.status, JSON.stringify(body)).toBe(400);
  expect(
    body.errors?.some((error) => field.test(error.field)),
    JSON.stringify(body),
  ).toBe(true);
  return body;
}

it('answers 422 to forged cursors and out-of-range values instead of 500', async () => {
  const cursors = [
    `/audit_logs/events?organization_id=${ORG_ACME}&after=${forge('event', [9e15, 'audit_log_event_x'])}`,
    `/audit_logs/events?organization_id=${ORG_ACME}&before=${forge('event', [1714564800000, 'id\u0000'])}`,
    `/audit_logs/actions?after=${forge('action', 'user.\u0000')}`,
    `/audit_logs/actions/user.signed_in/schemas?before=${forge('schema', 2 ** 31)}`,
  ];
  for (const path of cursors) {
    const response = await api.call(path);
    const body = (await response.json()) as { code: string };
    expect(response.status, `${path}: ${JSON.stringify(body)}`).toBe(422);
    expect(body.code).toBe('invalid_request');
  }
});

it('answers 400 naming the field to calendar-invalid dates, storing nothing', async () => {
  for (const occurredAt of ['2024-02-30T00:00:00Z', '2023-02-29T12:00:00Z', '2024-04-31T00:00:00Z']) {
    const response = await api.call('/audit_logs/events', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({
        organization_id: ORG_ACME,
        event: {
          action: 'user.signed_in',
          occurred_at: occurredAt,
          actor: { type: 'user', id: 'user_1' },
          targets: [{ type: 'team', id: 'team_1' }],
          context: { location: '1.1.1.1' },
        },
      }),
    });
    await expect400(response, /occurred_at/);
  }
  const exportResponse = await api.call('/audit_logs/exports', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({
      organization_id: ORG_ACME,
      range_start: '2024-01-01T00:00:00Z',
      range_end: '2023-02-29T00:00:00Z',
    }),
  });
  await expect400(exportResponse, /range_end/);
  expect((await api.auditLog.listEvents({ organizationId: ORG_ACME })).data).toEqual([]);
});
