// What the adapter writes: snake_case documents, BSON dates, absent (never null) optional fields,
// and events read back in exactly the shape core produced.
import { mongoStore } from '@auditkit/adapter-mongo';
import { createAuditLog } from '@auditkit/core';
import { compareEventPositions } from '@auditkit/core/store';
import { ORG_A } from '@auditkit/core/testing';
import { expect, it } from 'vitest';
import { eventRow, insertRows } from './event-rows.js';
import { rawCollections, useRawClient } from './raw-collections.js';
import { useTestDatabases } from './test-databases.js';

const databases = useTestDatabases();
const raw = useRawClient(databases.url);

it('stores events, keys, schemas, retention and exports as documented', async () => {
  const dbName = databases.next();
  const auditLog = await createAuditLog({ store: mongoStore({ client: raw, dbName }) });
  const schema = await auditLog.createSchema({ action: 'user.signed_in', targets: [{ type: 'team' }] });
  const event = await auditLog.createEvent(
    ORG_A,
    {
      action: 'user.signed_in',
      occurredAt: '2024-05-01T12:00:00.123Z',
      actor: { type: 'user', id: 'user_1' },
      targets: [{ type: 'team', id: 'team_1', name: 'Core', metadata: { size: 3, public: false } }],
      context: { location: '10.0.0.1' },
    },
    { idempotencyKey: 'layout' },
  );
  await auditLog.setRetention(ORG_A, { retentionPeriodInDays: 7 });
  const exported = await auditLog.waitForExport(
    (
      await auditLog.createExport({
        organizationId: ORG_A,
        rangeStart: new Date('2024-01-01'),
        rangeEnd: new Date('2025-01-01'),
      })
    ).id,
  );
  // Sealed now rather than whenever the background sealer runs: the layout includes the link.
  await auditLog.sealPendingEvents();
  await auditLog.close();

  const collections = rawCollections(raw, dbName);
  expect(await collections.events.findOne({ _id: event.id })).toStrictEqual({
    _id: event.id,
    organization_id: ORG_A,
    action: 'user.signed_in',
    version: 1,
    occurred_at: new Date('2024-05-01T12:00:00.123Z'),
    actor: { type: 'user', id: 'user_1' },
    targets: [{ type: 'team', id: 'team_1', name: 'Core', metadata: { size: 3, public: false } }],
    context: { location: '10.0.0.1' },
    received_at: event.receivedAt,
    idempotency_key: 'layout',
  });
  expect(await collections.links.findOne({ _id: event.id })).toStrictEqual({
    _id: event.id,
    organization_id: ORG_A,
    position: 1,
    hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    previous_hash: '0'.repeat(64),
  });
  // Sealed: the sealer's marker is gone.
  expect(await collections.unsealed.countDocuments({})).toBe(0);
  expect(
    await collections.events.countDocuments({
      occurred_at: { $type: 'date' },
      received_at: { $type: 'date' },
    }),
  ).toBe(1);
  expect(await collections.keys.findOne({ _id: JSON.stringify([ORG_A, 'layout']) })).toStrictEqual({
    _id: JSON.stringify([ORG_A, 'layout']),
    event_id: event.id,
    fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    received_at: event.receivedAt,
    claimed: false,
  });
  const { _id: schemaId, ...schemaDocument } = (await collections.schemas.findOne({})) ?? {};
  expect(schemaDocument).toStrictEqual({
    action: 'user.signed_in',
    version: 1,
    targets: [{ type: 'team' }],
    created_at: schema.createdAt,
  });
  expect(await collections.retention.findOne({ _id: ORG_A })).toStrictEqual({
    _id: ORG_A,
    retention_period_in_days: 7,
  });
  expect(await collections.exports.findOne({ _id: exported.id })).toStrictEqual({
    _id: exported.id,
    state: 'ready',
    organization_id: ORG_A,
    format: 'csv',
    filters: expect.any(String),
    created_at: exported.createdAt,
    updated_at: exported.updatedAt,
    path: exported.path,
    row_count: 1,
    lease_token: 1,
    object_key: `${exported.id}.csv`,
    expires_at: expect.any(Date),
  });
});

it('returns events in exactly the shape core stored, optional fields absent', async () => {
  const auditLog = await createAuditLog({
    store: mongoStore({ client: raw, dbName: databases.next() }),
    requireSchemas: false,
  });
  const created = await auditLog.createEvent(ORG_A, {
    action: 'user.signed_in',
    occurredAt: new Date('2024-05-01T12:00:00.000Z'),
    actor: { type: 'user', id: 'user_1' },
    targets: [],
    context: { location: '10.0.0.1' },
  });
  const { replayed: _replayed, ...expected } = created;
  const [read] = (await auditLog.listEvents({ organizationId: ORG_A })).data;
  expect(read).toStrictEqual(expected);
  expect(Object.keys(read ?? {}).sort()).toEqual([
    'action',
    'actor',
    'context',
    'id',
    'object',
    'occurredAt',
    'organizationId',
    'receivedAt',
    'targets',
    'version',
  ]);
  await auditLog.close();
});

it('orders events of the same instant by id exactly as core compares ids', async () => {
  const store = mongoStore({ client: raw, dbName: databases.next() });
  await store.open();
  // Inserted out of order, with characters a locale-aware collation would order differently.
  const suffixes = ['0B', '0a', '0_', '0A', '1', '0', '0Z', 'z', '00', 'Z'];
  const rows = suffixes.map((suffix, i) =>
    eventRow(`order-${i}`, `f${i}`, { id: `audit_log_event_${suffix}` }),
  );
  await insertRows(store, rows);
  for (const order of ['asc', 'desc'] as const) {
    const listed: string[] = [];
    let after: { occurredAt: Date; id: string } | undefined;
    for (;;) {
      const page = await store.findEvents({
        organizationId: ORG_A,
        order,
        limit: 3,
        ...(after ? { after } : {}),
      });
      listed.push(...page.map((event) => event.id));
      const last = page.at(-1);
      if (!last) break;
      after = { occurredAt: last.occurredAt, id: last.id };
    }
    const expected = [...rows].sort((a, b) => compareEventPositions(a, b) * (order === 'asc' ? 1 : -1));
    expect(listed, order).toEqual(expected.map((row) => row.id));
  }
  await store.close();
});
