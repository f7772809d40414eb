import { postgresStore } from '@auditkit/adapter-postgres';
import { createAuditLog } from '@auditkit/core';
import { declareSchemas, ORG_A, signInEvent } from '@auditkit/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

// The layout the package README documents, so the two cannot drift apart.
const schema = 'layout';
const pool = new pg.Pool({ connectionString: inject('postgresUrl'), max: 2 });
beforeAll(async () => {
  const auditLog = await createAuditLog({ store: postgresStore({ pool, schema }) });
  await auditLog.close();
});
afterAll(() => pool.end());

async function columns(table: string): Promise<string[]> {
  const { rows } = await pool.query<{ column: string }>(
    `select attname || ' ' || format_type(atttypid, atttypmod) || case when attnotnull then ' not null' else '' end as column
     from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
    [`${schema}.${table}`],
  );
  return rows.map((row) => row.column);
}

async function indexes(table: string): Promise<string[]> {
  const { rows } = await pool.query<{ definition: string }>(
    `select replace(indexdef, ' ON ${schema}.', ' ON ') as definition from pg_indexes
     where schemaname = $1 and tablename = $2 order by indexname`,
    [schema, table],
  );
  return rows.map((row) => row.definition);
}

it('stores events with timestamptz times, jsonb documents and a text[] of target types', async () => {
  expect(await columns('auditkit_events')).toEqual([
    'id text not null',
    'organization_id text not null',
    'idempotency_key text not null',
    'fingerprint text not null',
    'action text not null',
    'version integer not null',
    'occurred_at timestamp with time zone not null',
    'received_at timestamp with time zone not null',
    'actor_type text not null',
    'actor_id text not null',
    'actor_name text',
    'actor_metadata jsonb',
    'targets jsonb not null',
    'target_types text[] not null',
    'context_location text not null',
    'context_user_agent text',
    'metadata jsonb',
    'position bigint not null',
    'hash text not null',
    'previous_hash text not null',
  ]);
});

it('indexes events for idempotency, every export filter and target types', async () => {
  expect(await indexes('auditkit_events')).toEqual([
    'CREATE UNIQUE INDEX auditkit_events_idempotency ON auditkit_events USING btree (organization_id, idempotency_key)',
    'CREATE INDEX auditkit_events_org_action_time ON auditkit_events USING btree (organization_id, action, occurred_at)',
    'CREATE INDEX auditkit_events_org_actor_time ON auditkit_events USING btree (organization_id, actor_id, occurred_at)',
    'CREATE INDEX auditkit_events_org_time ON auditkit_events USING btree (organization_id, occurred_at, id)',
    'CREATE UNIQUE INDEX auditkit_events_pkey ON auditkit_events USING btree (id)',
    'CREATE UNIQUE INDEX auditkit_events_sequence ON auditkit_events USING btree (organization_id, "position")',
    'CREATE INDEX auditkit_events_target_types ON auditkit_events USING gin (target_types)',
  ]);
});

it('keys schemas by (action, version) and types the other tables', async () => {
  expect(await columns('auditkit_schemas')).toEqual([
    'action text not null',
    'version integer not null',
    'definition jsonb not null',
    'created_at timestamp with time zone not null',
  ]);
  expect(await indexes('auditkit_schemas')).toEqual([
    'CREATE UNIQUE INDEX auditkit_schemas_pk ON auditkit_schemas USING btree (action, version)',
  ]);
  expect(await columns('auditkit_exports')).toEqual([
    'id text not null',
    'state text not null',
    'format text not null',
    'filters text not null',
    'created_at timestamp with time zone not null',
    'updated_at timestamp with time zone not null',
    'path text',
    'row_count bigint',
    'error_message text',
    'organization_id text not null',
    'lease_token bigint',
    'object_key text',
    'expires_at timestamp with time zone',
  ]);
  expect(await indexes('auditkit_exports')).toEqual([
    'CREATE UNIQUE INDEX auditkit_exports_pkey ON auditkit_exports USING btree (id)',
    'CREATE INDEX auditkit_exports_state_expiry ON auditkit_exports USING btree (state, expires_at, id)',
  ]);
  expect(await columns('auditkit_retention')).toEqual([
    'organization_id text not null',
    'retention_period_in_days integer not null',
  ]);
  expect(await columns('auditkit_leases')).toEqual([
    'name text not null',
    'holder text not null',
    'token bigint not null',
    'expires_at timestamp with time zone not null',
  ]);
  expect(await indexes('auditkit_leases')).toEqual([
    'CREATE UNIQUE INDEX auditkit_leases_pkey ON auditkit_leases USING btree (name)',
  ]);
  expect(await columns('auditkit_sequence_heads')).toEqual([
    'organization_id text not null',
    'position bigint not null',
    'hash text not null',
  ]);
  expect(await indexes('auditkit_sequence_heads')).toEqual([
    'CREATE UNIQUE INDEX auditkit_sequence_heads_pkey ON auditkit_sequence_heads USING btree (organization_id)',
  ]);
});

it('writes rows that plain SQL can read', async () => {
  const auditLog = await createAuditLog({ store: postgresStore({ pool, schema }) });
  await declareSchemas(auditLog);
  const event = await auditLog.createEvent(
    ORG_A,
    signInEvent({
      occurredAt: new Date('2024-05-01T12:00:00.123Z'),
      targets: [
        { type: 'team', id: 'team_1', name: 'Core' },
        { type: 'user', id: 'user_2' },
        { type: 'team', id: 'team_3' },
      ],
      metadata: { method: 'sso', attempts: 2 },
    }),
  );
  await auditLog.close();
  const { rows } = await pool.query(
    `select id, occurred_at, targets -> 0 ->> 'name' as first_target_name, target_types,
            metadata ->> 'method' as method, (metadata -> 'attempts')::int as attempts
     from layout.auditkit_events where organization_id = $1 and target_types && array['user']`,
    [ORG_A],
  );
  expect(rows).toEqual([
    {
      id: event.id,
      occurred_at: new Date('2024-05-01T12:00:00.123Z'),
      first_target_name: 'Core',
      target_types: ['team', 'user'],
      method: 'sso',
      attempts: 2,
    },
  ]);
});
